/**
 * `cdn:deploy` — after a successful client build, hands the output directory to
 * deploy(). Vite runs closeBundle even after a failed build, and neither Vite
 * (it closes the bundle in a `finally`) nor Rollup passes a write-phase error to
 * closeBundle, so it deploys only when the write phase is known to have
 * succeeded: a sequential, last-ordered writeBundle runs only once every
 * writeBundle handler before it has resolved. (A writeBundle with
 * `order: 'post'` in a plugin listed after cdn() still runs after it.) Watch
 * rebuilds are never deployed.
 */
import type { Plugin } from 'vite'
import { deploy } from '../deploy/lazy.js'
import { createConsoleReporter } from '../deploy/progress.js'
import { summaryText } from '../deploy/report.js'
import { isActive } from './build-plugin.js'
import type { PluginState } from './state.js'

export function deployPlugin(state: PluginState): Plugin {
  /** Outputs started (renderStart) whose writeBundle handlers have not all resolved yet. */
  let unwritten = 0
  /** At least one output went through every writeBundle handler sorted before ours. */
  let wrote = false
  return {
    name: 'cdn:deploy',
    apply: 'build',
    enforce: 'post',

    buildStart() {
      state.written = false
      unwritten = 0
      wrote = false
    },

    // Once per output: one that fails after (or while) another succeeds must not deploy.
    renderStart() {
      unwritten++
    },

    writeBundle: {
      order: 'post',
      // Rollup starts a sequential handler only once the parallel handlers sorted
      // before it have resolved, and not at all if one rejected (Rolldown takes the
      // same option; the tests check both, test/integration/deploy-plugin.test.ts).
      sequential: true,
      handler() {
        unwritten--
        wrote = true
      },
    },

    async closeBundle(error?: Error) {
      const config = state.config
      if (error || !state.written || !wrote || unwritten > 0 || !isActive(state, this) || !config?.deploy || !state.outDir) return
      if (this.meta.watchMode) {
        state.info('[cdn-deploy] watch mode: built for the CDN, not deploying')
        return
      }
      const report = await deploy({
        dir: state.outDir,
        config,
        root: state.root,
        ...(state.manifest ? { manifest: state.manifest } : {}),
        reporter: createConsoleReporter(),
      })
      state.info(summaryText(report))
    },
  }
}

/**
 * `cdn:deploy` — after a successful client build, hands the output directory to
 * deploy(). Vite runs closeBundle even after a failed build, so it deploys only
 * when writeBundle finished; watch rebuilds are never deployed.
 */
import type { Plugin } from 'vite'
import { deploy } from '../deploy/index.js'
import { createConsoleReporter } from '../deploy/progress.js'
import { summaryText } from '../deploy/report.js'
import { isActive } from './build-plugin.js'
import type { PluginState } from './state.js'

export function deployPlugin(state: PluginState): Plugin {
  return {
    name: 'cdn:deploy',
    apply: 'build',
    enforce: 'post',

    buildStart() {
      state.written = false
    },

    async closeBundle(error?: Error) {
      const config = state.config
      if (error || !state.written || !isActive(state, this) || !config?.deploy || !state.outDir) return
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

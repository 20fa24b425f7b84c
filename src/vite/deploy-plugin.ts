/**
 * `cdn:deploy` — hands the final output directory to deploy(), once, when
 * nothing more will be written to it (see decide.ts for when that is).
 *
 * A client build counts as written only when its write phase is known to have
 * succeeded: Vite runs closeBundle even after a failed build, and neither Vite
 * (it closes the bundle in a `finally`) nor Rollup passes a write-phase error to
 * closeBundle; a sequential, last-ordered writeBundle runs only once every
 * writeBundle handler before it has resolved. (A writeBundle with
 * `order: 'post'` in a plugin listed after cdn() still runs after it.) Under
 * Vite's builder a failed environment build rejects `buildApp` before our
 * 'post' step, so nothing is deployed either.
 */
import type { Plugin, ViteBuilder } from 'vite'
import { deployFinalOutput } from '../frameworks/shared.js'
import { clientOnly } from './build-plugin.js'
import { decideDeploy, type Trigger } from './decide.js'
import { envFor, sayOnce, type EnvState, type PluginState } from './state.js'

/** Per client environment: outputs whose writeBundle handlers have not all resolved yet. */
const pending = new WeakMap<EnvState, { unwritten: number; wrote: boolean; succeeded: boolean }>()
const progressOf = (env: EnvState) => pending.get(env) ?? { unwritten: 0, wrote: false, succeeded: false }

/** Deploy `dir` (the final output) with the console reporter, and log the summary. */
export async function deployDir(state: PluginState, dir: string, manifest?: EnvState['manifest']): Promise<void> {
  await deployFinalOutput(
    dir,
    state.config!,
    state.projectRoot,
    { info: (m) => state.info(m), warn: (m) => state.warn(m), ...(state.level ? { level: state.level } : {}) },
    manifest,
  )
}

/** Plugins sorted after `name` in the `buildApp` order that still run after it. */
function laterBuildAppPlugins(builder: ViteBuilder, name: string): string[] {
  const plugins = builder.config.plugins.filter((p) => p.buildApp)
  const post = plugins.filter((p) => typeof p.buildApp === 'object' && p.buildApp.order === 'post')
  const index = post.findIndex((p) => p.name === name)
  return index < 0 ? [] : post.slice(index + 1).map((p) => p.name)
}

async function maybeDeploy(
  state: PluginState,
  trigger: Trigger,
  facts: { watchMode: boolean; laterBuildApp?: string[]; serverBuilds?: number },
): Promise<void> {
  const config = state.config
  if (!state.active || !config) return
  const built = [...state.envs.values()].filter((env) => progressOf(env).succeeded)
  const decision = decideDeploy({
    trigger,
    deploy: config.deploy,
    watchMode: facts.watchMode,
    rollup: !state.isVite,
    viteMajor: state.viteMajor,
    appBuild: state.appBuild,
    ...(state.framework ? { framework: state.framework } : {}),
    clientBuilds: built.length,
    ...(built[0]?.outDir ? { outDir: built[0].outDir } : {}),
    laterBuildApp: facts.laterBuildApp ?? [],
    serverBuilds: facts.serverBuilds ?? 0,
    htmlAtOrigin: config.htmlAtOrigin,
  })
  if (!decision.deploy) {
    if (decision.why) sayOnce(state, `[cdn-deploy] ${decision.why}`)
    return
  }
  const env = built[0]!
  const final = state.framework?.finalDir?.(state) ?? { dir: env.outDir! }
  if ('why' in final) {
    sayOnce(state, `[cdn-deploy] not deploying: ${final.why}`)
    return
  }
  // The client build's manifest names files by their path in its outDir; a
  // framework copies them to the final directory under the same paths.
  await deployDir(state, final.dir, env.manifest)
}

export function deployPlugin(state: PluginState): Plugin {
  return {
    name: 'cdn:deploy',
    apply: 'build',
    enforce: 'post',
    sharedDuringBuild: true,
    ...clientOnly,

    buildStart() {
      const env = envFor(state, this)
      if (env) pending.set(env, { unwritten: 0, wrote: false, succeeded: false })
    },

    // Once per output: one that fails after (or while) another succeeds must not deploy.
    renderStart() {
      const env = envFor(state, this)
      if (env) progressOf(env).unwritten++
    },

    writeBundle: {
      order: 'post',
      // Rollup starts a sequential handler only once the parallel handlers sorted
      // before it have resolved, and not at all if one rejected (Rolldown takes the
      // same option; the tests check both, test/integration/deploy-plugin.test.ts).
      sequential: true,
      handler() {
        const env = envFor(state, this)
        if (!env) return
        const progress = progressOf(env)
        progress.unwritten--
        progress.wrote = true
      },
    },

    async closeBundle(error?: Error) {
      const env = envFor(state, this)
      if (!env) return
      const progress = progressOf(env)
      progress.succeeded = !error && env.written && progress.wrote && progress.unwritten === 0
      if (progress.succeeded) await maybeDeploy(state, 'closeBundle', { watchMode: !!this.meta.watchMode })
    },

    // The end of the whole app build (Vite 7+): every environment, and every
    // earlier buildApp step (a framework's prerender or adapter), has finished.
    buildApp: {
      order: 'post',
      async handler(builder) {
        if (!state.active) return
        // Vite builds every environment after the last buildApp hook when none is
        // built yet (a plain app); do that here, one step early, so the output
        // exists when the deploy looks. Vite then finds them built and stops.
        const environments = Object.values(builder.environments)
        if (environments.every((environment) => !environment.isBuilt)) {
          for (const environment of environments) await builder.build(environment)
        }
        const serverBuilds = environments.filter((environment) => environment.isBuilt && environment.config.consumer === 'server').length
        await maybeDeploy(state, 'buildApp', {
          watchMode: !!builder.config.build.watch,
          laterBuildApp: laterBuildAppPlugins(builder, 'cdn:deploy'),
          serverBuilds,
        })
      },
    },
  }
}

/**
 * `cdn:config` — resolves the CDN config before any build work and points the
 * build at the CDN: Vite's `base` (or `renderBuiltUrl` when HTML stays at the
 * origin) for a plain Vite app, the framework's own options through its adapter
 * (src/frameworks/) when a framework is in charge of URLs. It notes when Vite's
 * builder runs the whole app (`buildApp`), so the deploy waits for all of it.
 */
import { resolve } from 'node:path'
import type { Plugin, UserConfig } from 'vite'
import { projectRootOf } from '../config/load.js'
import { detectFramework } from '../frameworks/vite.js'
import { urlFor } from '../plan/paths.js'
import { checkViteVersion } from './version.js'
import { INTEGRATION, loadResolvedConfig, sayOnce, type IntegrationOptions, type PluginState } from './state.js'

/** Names of the plugins in a (possibly nested, possibly falsy-holed) plugin list. */
export function pluginNames(plugins: unknown): string[] {
  const list = [plugins].flat(8) as Array<{ name?: unknown } | null | undefined | false>
  return list.flatMap((p) => (p && typeof p.name === 'string' ? [p.name] : []))
}

export function configPlugin(state: PluginState): Plugin {
  const integration = (state.options as { [INTEGRATION]?: IntegrationOptions })[INTEGRATION]
  return {
    name: 'cdn:config',
    apply: 'build',
    enforce: 'pre',
    sharedDuringBuild: true,

    // Order 'pre': a framework's own config hook (SvelteKit's, itself 'pre') reads
    // the URL options the framework adapter sets here, so ours must run first.
    config: {
      order: 'pre',
      async handler(user, env) {
        state.isVite = true
        state.root = resolve(user.root ?? process.cwd())
        state.projectRoot = projectRootOf(state.root)
        checkViteVersion((this as { meta?: { viteVersion?: string } } | undefined)?.meta?.viteVersion)
        const config = await loadResolvedConfig(state, env.mode)
        if (!config.enabled) return
        state.framework = integration ? undefined : await detectFramework(user)
        if (state.framework) return state.framework.config?.(user, config, state)
        // An integration sets the framework's own URL options; Vite's stay the framework's.
        if (integration) return
        // A plain SSR build (`vite build --ssr`) renders with the base it is given.
        if (env.isSsrBuild && !user.builder) return
        if (config.htmlAtOrigin) {
          // HTML keeps `base` (served by the origin); every built file URL goes to the CDN.
          return { experimental: { renderBuiltUrl: (fileName: string) => urlFor(fileName, config.publicBase) } } satisfies UserConfig
        }
        return { base: config.publicBase }
      },
    },

    configResolved(resolved) {
      state.isVite = true
      state.root = resolved.root
      state.ssrBuild = !!resolved.build.ssr
      state.resolved = resolved
      state.info = (message) => resolved.logger.info(message)
      state.warn = (message) => resolved.logger.warn(message)
      state.level = resolved.logLevel
      const viteVersion = (this as { meta?: { viteVersion?: string } } | undefined)?.meta?.viteVersion
      if (viteVersion) state.viteMajor = Number(viteVersion.split('.')[0])
      if (state.config && !state.config.enabled) sayOnce(state, '[cdn-deploy] disabled (enabled: false, or CDN_ENABLED=0): a plain build, nothing for the CDN')
      state.framework?.configResolved?.(resolved, state)
    },

    // Vite's builder is building the whole app (`vite build` on Vite 7+): the
    // deploy waits for its end (cdn:deploy's buildApp, order 'post').
    buildApp: {
      order: 'pre',
      async handler() {
        state.appBuild = true
      },
    },
  }
}

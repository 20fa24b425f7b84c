/**
 * `cdn:config` — resolves the CDN config before any build work and points the
 * build at the CDN: Vite's `base` (or `renderBuiltUrl` when HTML stays at the
 * origin), Rollup's file URLs, and content-hashed output names everywhere.
 */
import { resolve } from 'node:path'
import type { Plugin } from 'vite'
import { urlFor } from '../plan/paths.js'
import { loadResolvedConfig, type PluginState } from './state.js'

const MINIFIER = /terser|esbuild|swc|uglify|minify/i
const ROLLUP_DEFAULTS = { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', assetFileNames: 'assets/[name]-[hash][extname]' }

/** `[name].js` → `[name]-[hash].js`, `x/[name][extname]` → `x/[name]-[hash][extname]`. */
export function withHash(pattern: string): string {
  if (pattern.includes('[hash')) return pattern
  if (pattern.endsWith('[extname]')) return `${pattern.slice(0, -'[extname]'.length)}-[hash][extname]`
  const ext = /(\.[A-Za-z0-9]+)$/.exec(pattern)
  return ext ? `${pattern.slice(0, -ext[1]!.length)}-[hash]${ext[1]}` : `${pattern}-[hash]`
}

/** Names of the plugins in a (possibly nested, possibly falsy-holed) plugin list. */
function pluginNames(plugins: unknown): string[] {
  const list = [plugins].flat(8) as Array<{ name?: unknown } | null | undefined | false>
  return list.flatMap((p) => (p && typeof p.name === 'string' ? [p.name] : []))
}

export function configPlugin(state: PluginState): Plugin {
  return {
    name: 'cdn:config',
    apply: 'build',
    enforce: 'pre',

    async config(user, env) {
      state.isVite = true
      if (env.isSsrBuild) return
      state.root = resolve(user.root ?? process.cwd())
      const config = await loadResolvedConfig(state, env.mode)
      if (!config.enabled) return
      if (config.htmlAtOrigin) {
        // HTML keeps `base` (served by the origin); every built file URL goes to the CDN.
        return { experimental: { renderBuiltUrl: (fileName: string) => urlFor(fileName, config.publicBase) } }
      }
      return { base: config.publicBase }
    },

    configResolved(resolved) {
      state.isVite = true
      state.root = resolved.root
      state.outDir = resolve(resolved.root, resolved.build.outDir)
      state.publicDir = resolved.build.copyPublicDir && resolved.publicDir ? resolved.publicDir : undefined
      if (resolved.build.ssr) state.active = false
      state.info = (message) => resolved.logger.info(message)
      state.warn = (message) => resolved.logger.warn(message)
    },

    async options(input) {
      if (state.isVite) return null
      // Plain Rollup: no config hook, so resolve here, before any build work.
      await loadResolvedConfig(state, process.env.CDN_ENV)
      state.info = (message) => this.info(message)
      state.warn = (message) => this.warn(message)
      state.otherJsMinifier = pluginNames(input.plugins).some((name) => !name.startsWith('cdn:') && MINIFIER.test(name))
      return null
    },

    outputOptions(output) {
      if (!state.active) return null
      const changed: Record<string, string> = {}
      for (const field of ['entryFileNames', 'chunkFileNames', 'assetFileNames'] as const) {
        const pattern = output[field] ?? (state.isVite ? undefined : ROLLUP_DEFAULTS[field])
        const kind = field === 'entryFileNames' ? 'entry' : field === 'chunkFileNames' ? 'chunk' : 'asset'
        if (typeof pattern !== 'string') {
          state.patterns[kind] = pattern === undefined ? true : undefined
          continue
        }
        state.patterns[kind] = true
        const hashed = withHash(pattern)
        if (hashed === pattern) continue
        changed[field] = hashed
        if (output[field] !== undefined) state.warn(`[cdn-deploy] output.${field} "${pattern}" has no [hash]: using "${hashed}" so the file can be cached as immutable`)
      }
      if (!state.isVite) {
        if (pluginNames(output.plugins).some((name) => MINIFIER.test(name))) state.otherJsMinifier = true
      }
      return Object.keys(changed).length ? { ...output, ...changed } : null
    },

    resolveFileUrl({ fileName }) {
      // Vite writes its own asset URLs from `base`; plain Rollup gets absolute CDN URLs here.
      if (!state.active || state.isVite || !state.config) return null
      return JSON.stringify(urlFor(fileName, state.config.publicBase))
    },
  }
}

/**
 * What the plugin's hooks share. The hooks only gather inputs into these objects
 * and call the pure modules; nothing here does work itself.
 *
 * One `PluginState` per `cdn()` call, shared by its plugins (which set
 * `sharedDuringBuild`, so a multi-environment build keeps one instance), and one
 * `EnvState` per Vite environment that the build hooks act in, keyed by the
 * environment's name, as Vite's own plugins keep per-environment state. (A plain
 * Map rather than Vite's `perEnvironmentState`: that is a runtime import from
 * vite, which plain Rollup users do not have.)
 */
import type { CdnManifest } from '../emit/manifest.js'
import type { CdnPluginOptions, ResolvedCdnConfig } from '../config/types.js'
import { findConfigFile, loadConfigFile } from '../config/load.js'
import { resolveConfig } from '../config/resolve.js'
import type { HashedPatterns } from './bundle.js'
import type { ViteFramework } from '../frameworks/types.js'

/** Per build environment (the client one; plain Rollup and Vite 5 have just one). */
export interface EnvState {
  outDir?: string
  publicDir?: string
  patterns: HashedPatterns
  /** hashPublic: original public path → hashed output file. */
  publicHashed: Map<string, string>
  manifest?: CdnManifest
  /** writeBundle finished (Vite runs closeBundle even after a failed build). */
  written: boolean
}

export interface PluginState {
  options: CdnPluginOptions
  config?: ResolvedCdnConfig
  /** Enabled, resolved, not told off by a framework integration. */
  active: boolean
  /** Running under Vite (a Vite hook ran), not plain Rollup. */
  isVite: boolean
  /** Vite's major version, when Vite says (`this.meta.viteVersion`, Vite 7+). */
  viteMajor?: number
  /** Vite's root (where index.html is). */
  root: string
  /** The project root: the folder of the app's package.json, where cdn.config.* lives. */
  projectRoot: string
  /** Vite 5 and plain Vite SSR builds: the one build is a server build. */
  ssrBuild: boolean
  /** The resolved Vite config's paths, for Vite 5 (later Vites give each environment its own). */
  resolved?: { root: string; publicDir: string; build: { outDir: string; copyPublicDir: boolean } }
  /** A framework the plugin knows, found in the config (VitePress, SvelteKit…). */
  framework?: ViteFramework
  /** Vite's builder ran our buildApp hook: the deploy waits for the whole app. */
  appBuild: boolean
  /** A JS minifier the user already runs (plain Rollup): we must not minify twice. */
  otherJsMinifier: boolean
  envs: Map<string, EnvState>
  /** Lines already said: config hooks run once per environment, a message once per build. */
  said: Set<string>
  info: (message: string) => void
  warn: (message: string) => void
  /** Vite's `logLevel`: how much deploy progress to print. */
  level?: 'info' | 'warn' | 'error' | 'silent'
}

/** Options an integration (Astro, Nuxt) passes to the Vite plugin it adds; not public. */
export const INTEGRATION = Symbol.for('vite-plugin-cdn-deploy.integration')
export interface IntegrationOptions {
  /** The integration's name; it deploys the final output itself, so the plugin never does. */
  framework: string
}

export function createState(options: CdnPluginOptions): PluginState {
  return {
    options,
    active: false,
    isVite: false,
    root: process.cwd(),
    projectRoot: process.cwd(),
    ssrBuild: false,
    appBuild: false,
    otherJsMinifier: false,
    envs: new Map(),
    said: new Set(),
    info: () => {},
    warn: (message) => process.emitWarning(message),
  }
}

/** Log a line once per build (hooks that run per environment would repeat it). */
export function sayOnce(state: PluginState, message: string, level: 'info' | 'warn' = 'info'): void {
  if (state.said.has(message)) return
  state.said.add(message)
  state[level](message)
}

type EnvContext = { environment?: { name: string; config: { consumer?: string } } }

/**
 * The state of the environment a hook runs in, or `undefined` where the plugin
 * must not act: disabled, or a server environment (by its `consumer`, never by
 * `build.ssr`, which some frameworks report for every environment). Vite 5 and
 * plain Rollup have no environments: there the one build counts unless it is SSR.
 */
export function envFor(state: PluginState, ctx: unknown): EnvState | undefined {
  if (!state.active || !state.config) return undefined
  const environment = (ctx as EnvContext | undefined)?.environment
  if (environment ? environment.config.consumer !== 'client' : state.ssrBuild) return undefined
  const name = environment?.name ?? 'client'
  let env = state.envs.get(name)
  if (!env) {
    env = { patterns: { entry: true, chunk: true, asset: true }, publicHashed: new Map(), written: false }
    state.envs.set(name, env)
  }
  return env
}

/**
 * Load `cdn.config.*` (unless disabled) and resolve it for the mode; throws a
 * scoped error. A `configFile` path is relative to the project root; without one
 * the file is looked for from Vite's root up to the project root.
 */
export async function loadResolvedConfig(state: PluginState, mode: string | undefined): Promise<ResolvedCdnConfig> {
  const { configFile, ...inline } = state.options
  const file = configFile === undefined ? await findConfigFile(state.root, state.projectRoot) : await loadConfigFile(state.projectRoot, configFile)
  const source = file.path ? `${file.path}${Object.keys(inline).length ? ' + inline options' : ''}` : 'inline options'
  state.config = resolveConfig({ file: file.config, inline, mode, source })
  state.active = state.config.enabled
  return state.config
}

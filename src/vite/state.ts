/**
 * What the plugin's hooks share during one build. The hooks only gather inputs
 * into this object and call the pure modules; nothing here does work itself.
 */
import type { CdnManifest } from '../build/manifest.js'
import type { CdnPluginOptions, ResolvedCdnConfig } from '../config/types.js'
import { loadConfigFile } from '../config/load.js'
import { resolveConfig } from '../config/resolve.js'
import type { HashedPatterns } from './bundle.js'

export interface PluginState {
  options: CdnPluginOptions
  config?: ResolvedCdnConfig
  /** Enabled, and a client build. */
  active: boolean
  /** Running under Vite (configResolved was called), not plain Rollup. */
  isVite: boolean
  root: string
  outDir?: string
  publicDir?: string
  patterns: HashedPatterns
  /** A JS minifier the user already runs (plain Rollup): we must not minify twice. */
  otherJsMinifier: boolean
  /** hashPublic: original public path → hashed output file. */
  publicHashed: Map<string, string>
  manifest?: CdnManifest
  /** writeBundle finished (Vite runs closeBundle even after a failed build). */
  written: boolean
  info: (message: string) => void
  warn: (message: string) => void
}

export function createState(options: CdnPluginOptions): PluginState {
  return {
    options,
    active: false,
    isVite: false,
    root: process.cwd(),
    patterns: { entry: true, chunk: true, asset: true },
    otherJsMinifier: false,
    publicHashed: new Map(),
    written: false,
    info: () => {},
    warn: (message) => process.emitWarning(message),
  }
}

/** Load `cdn.config.*` (unless disabled) and resolve it for the mode; throws a scoped error. */
export async function loadResolvedConfig(state: PluginState, mode: string | undefined): Promise<ResolvedCdnConfig> {
  const { configFile, ...inline } = state.options
  const file = await loadConfigFile(state.root, configFile)
  const source = file.path ? `${file.path}${Object.keys(inline).length ? ' + inline options' : ''}` : 'inline options'
  state.config = resolveConfig({ file: file.config, inline, mode, source })
  state.active = state.config.enabled
  return state.config
}

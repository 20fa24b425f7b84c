/**
 * The contract between the Vite plugin (src/vite) and a framework adapter
 * (src/frameworks/<name>.ts): what the adapter sees of the plugin, and what it
 * changes. Types only.
 */
import type { ResolvedConfig, UserConfig } from 'vite'
import type { ResolvedCdnConfig } from '../config/types.js'
import type { CdnManifest } from '../emit/manifest.js'

/**
 * What an adapter sees of the plugin (its shared state, structurally): the
 * resolved config, its log lines, and the client build's manifest.
 */
export interface FrameworkHost {
  readonly config?: ResolvedCdnConfig | undefined
  readonly active: boolean
  /** Where cdn.config.* was found: the folder of the app's package.json. */
  readonly projectRoot: string
  /** The plugin's log; an adapter may point it at the framework's own logger. */
  info: (message: string) => void
  warn: (message: string) => void
  /** How much deploy progress to print (Vite's `logLevel`); an adapter that moves the log may change it. */
  level?: 'info' | 'warn' | 'error' | 'silent'
  /** Per build environment (by name): whether its manifest was written, and the manifest. */
  readonly envs: ReadonlyMap<string, { written: boolean; manifest?: CdnManifest | undefined }>
}

export interface ViteFramework {
  name: string
  /**
   * Who deploys: `self` — the adapter, from the framework's own last hook;
   * `buildApp` — the plugin at the end of Vite's buildApp, from `finalDir`;
   * `integration` — not the Vite plugin: the framework's integration (Astro, Nuxt)
   *   or the CLI after the build, which `hint` names.
   */
  deploys: 'self' | 'buildApp' | 'integration'
  hint?: string
  /** Config to return from the `config` hook instead of the plain-Vite `base`. */
  config?(user: UserConfig, cdn: ResolvedCdnConfig, host: FrameworkHost): UserConfig | undefined
  configResolved?(resolved: ResolvedConfig, host: FrameworkHost): void
  /** The final output directory when it is not the client build's outDir, or why there is none. */
  finalDir?(host: FrameworkHost): { dir: string } | { why: string }
}

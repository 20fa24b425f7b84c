/**
 * The options of `deploy()` (public), the engine's test seams (internal) and
 * what a run produces.
 */
import type { CdnManifest } from '../emit/manifest.js'
import type { CdnPluginOptions, ResolvedCdnConfig } from '../config/types.js'
import type { CdnDeployError } from '../errors.js'
import type { StorageFactoryOptions } from '../storage/index.js'
import type { Invalidator } from './execute.js'
import type { DeployReporter } from './progress.js'
import type { DeployReport } from './report.js'

export interface DeployOptions {
  /** The directory to deploy (Vite's outDir). */
  dir: string
  /** A resolved config; without it the config is loaded like the plugin does (root, configFile, mode, options). */
  config?: ResolvedCdnConfig
  /** Where to look for `cdn.config.*`. @default process.cwd() */
  root?: string
  /** Config file to load instead of `cdn.config.*` in `root`; `false` for none. @default undefined (search `root`) */
  configFile?: string | false
  /** Picks `environments[mode]`; an unknown mode is an error here. @default process.env.CDN_ENV */
  mode?: string
  /** Inline options over the file. @default undefined */
  options?: CdnPluginOptions
  /** The build's manifest (says which files are content-hashed). @default read from `<dir>/.vite/` */
  manifest?: CdnManifest
  /** Plan only: read the bucket, write nothing. @default false */
  dryRun?: boolean
  /** Cross-check the ledger against a listing of the bucket. @default false */
  repair?: boolean
  /** Go on when the prune would exceed `maxDeletes`, or the build is nearly empty next to the last release. @default false */
  force?: boolean
  /** Upload `.vite/` too. @default false */
  includeVite?: boolean
  /** Progress events. @default none (silent) */
  reporter?: DeployReporter
  /** Write the JSON report here. @default undefined (none) */
  reportFile?: string
  /** Git commit recorded on the release. @default $GITHUB_SHA, else `git rev-parse HEAD` in root */
  commit?: string
  /**
   * Lock lifetime. A running deploy renews its lock every third of it, so this is
   * how long a deploy that died (or lost its server) blocks the next one.
   * @default 120000 (2 minutes)
   */
  lockTtlMs?: number
  /** Stops the deploy cleanly (uploads in flight settle, the lock is released). @default undefined */
  signal?: AbortSignal
}

/** Seams for tests and benchmarks; not part of the public API. */
export interface DeployInternals {
  env?: Record<string, string | undefined>
  now?: () => Date
  /** Storage tuning (multipart threshold, part size, retries, deadlines…). */
  storage?: Partial<StorageFactoryOptions>
  /** The purge step, instead of the configured provider's. */
  invalidator?: Invalidator
}

/** What a run produced: the report, and the error of a release that is live but not purged. */
export interface DeployOutcome {
  report: DeployReport
  error?: CdnDeployError
}

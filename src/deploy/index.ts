/**
 * The deploy engine, one way through:
 *   resolve config → (scan ‖ ledger GET ‖ git commit) → createPlan → no-op? done
 *   → lock → under it: ledger again (304 if unchanged) ‖ journal → createPlan
 *   with them as inputs → executePlan → the report, built once.
 *
 * A no-op deploy reads the ledger once and stops: no lock, no write. The
 * engine writes no local file: the JSON report and the CI step summary are the
 * edges' (the public `deploy()` in lazy.ts, the CLI).
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { CdnManifest } from '../build/manifest.js'
import { releaseId } from '../build/hash.js'
import { loadConfigFile } from '../config/load.js'
import { resolveConfig } from '../config/resolve.js'
import type { CdnPluginOptions, ResolvedCdnConfig } from '../config/types.js'
import { CdnDeployError } from '../errors.js'
import { estimateCloudFrontCost } from '../plan/invalidation.js'
import { createPlan } from '../plan/plan.js'
import type { DeployPlan, Ledger, LedgerEntry, LocalFile } from '../plan/types.js'
import { createInvalidator, isCustomProvider, loadProvider, planInvalidationFor } from '../providers/index.js'
import { waitTimeoutMs } from '../providers/types.js'
import { createStorage, describeHolder, type LedgerVersion, type Storage, type StorageFactoryOptions } from '../storage/index.js'
import { bootstrapLedger } from './bootstrap.js'
import { executePlan, type Invalidator } from './execute.js'
import { journalFiles, openJournal, readJournal } from './journal.js'
import { commitCondition, startHeartbeat } from './lock.js'
import { silentReporter, type DeployReporter } from './progress.js'
import { buildReport, type DeployReport, type ReportContext } from './report.js'
import { planOptionsFor } from './plan-options.js'
import { scanBuild } from './scan.js'

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

export const DEFAULT_LOCK_TTL_MS = 120_000

async function resolveFor(options: DeployOptions, env: Record<string, string | undefined>): Promise<ResolvedCdnConfig> {
  if (options.config) return options.config
  const root = options.root ?? process.cwd()
  const file = await loadConfigFile(root, options.configFile ?? options.options?.configFile)
  const mode = options.mode ?? env.CDN_ENV
  return resolveConfig({ file: file.config, inline: options.options, mode, strictMode: !!mode, env, source: file.path })
}

async function gitCommit(root: string, env: Record<string, string | undefined>): Promise<string | undefined> {
  if (env.GITHUB_SHA) return env.GITHUB_SHA
  try {
    const { stdout } = await promisify(execFile)('git', ['rev-parse', 'HEAD'], { cwd: root, timeout: 5_000 })
    return stdout.trim() || undefined
  } catch {
    return undefined
  }
}

/** The purge step for the configured provider, loading only that provider's SDK. */
export async function invalidatorFor(config: ResolvedCdnConfig, signal?: AbortSignal): Promise<Invalidator | undefined> {
  const p = config.provider
  if (!isCustomProvider(p) && p.type === 'none') return undefined
  const provider = await loadProvider(p, { publicBase: config.publicBase })
  if (!provider) return undefined
  const waitMs = !isCustomProvider(p) && p.type === 'cloudfront' ? waitTimeoutMs(p.wait) : undefined
  return createInvalidator(provider, { publicBase: config.publicBase, ...config.invalidate, ...(waitMs ? { waitMs } : {}), ...(signal ? { signal } : {}) })
}

const providerName = (config: ResolvedCdnConfig): string => (isCustomProvider(config.provider) ? config.provider.name : config.provider.type)

const isNoop = (plan: DeployPlan): boolean => plan.uploads.length === 0 && plan.deletes.length === 0 && plan.invalidate.length === 0

/** Everything a run reads before planning, and what it plans with. */
interface Run {
  options: DeployOptions
  config: ResolvedCdnConfig
  storage: Storage
  local: LocalFile[]
  /** Files `include`/`exclude` left out. */
  excluded: string[]
  release: string
  commit: string | undefined
  now: () => Date
  env: Record<string, string | undefined>
  reporter: DeployReporter
  context: Omit<ReportContext, 'ledger' | 'warnings'>
}

function planFor(run: Run, ledger: Ledger | undefined, journal?: Record<string, LedgerEntry>): DeployPlan {
  const { config } = run
  return createPlan(run.local, ledger, {
    prefix: config.prefix,
    cacheControl: config.cacheControl,
    retain: config.retain,
    precompress: config.precompress,
    release: run.release,
    now: run.now(),
    ...(run.commit ? { commit: run.commit } : {}),
    ...(journal ? { journal } : {}),
    ...(config.storage.statePrefix.startsWith(config.prefix) ? { stateDir: config.storage.statePrefix.slice(config.prefix.length) } : {}),
    ...planOptionsFor(config, run.options.force),
    excluded: run.excluded,
  })
}

/** The ledger from a listing (none yet) or cross-checked against one (repair). */
async function bootstrapped(run: Run, ledger: Ledger | undefined): Promise<{ ledger: Ledger; state: DeployReport['ledger']; repaired: boolean; adopted: number; dropped: number }> {
  const { config } = run
  const boot = await bootstrapLedger(run.storage, run.local, { prefix: config.prefix, cacheControl: config.cacheControl, concurrency: config.concurrency, ...(ledger ? { ledger } : {}) })
  const state = ledger ? 'read' : boot.listed > 0 ? 'bootstrapped' : 'new'
  return { ledger: boot.ledger, state, repaired: !!ledger && JSON.stringify(boot.ledger) !== JSON.stringify(ledger), adopted: boot.adopted, dropped: boot.dropped }
}

export async function deployWith(options: DeployOptions, internals: DeployInternals = {}): Promise<DeployOutcome> {
  const started = Date.now()
  const env = internals.env ?? process.env
  const now = internals.now ?? (() => new Date())
  const config = await resolveFor(options, env)
  const bucket = config.storage.bucket
  if (!bucket) throw new CdnDeployError('config', 'storage.bucket: required to deploy (set it, or CDN_BUCKET)')
  const storage = createStorage({ ...internals.storage, ...config.storage, bucket, prefix: config.prefix, concurrency: config.concurrency })
  try {
    // The ledger GET and `git rev-parse` go out first and are answered while the
    // scan hashes the directory (mostly synchronous reads): on a no-op deploy the
    // three are nearly all of the wall time. Handlers are attached at once, so a
    // scan error does not leave them unhandled; they are awaited below.
    const reading = storage.readLedgerVersion()
    const committing = options.commit !== undefined ? Promise.resolve(options.commit) : gitCommit(options.root ?? process.cwd(), env)
    reading.catch(() => {})
    const { files: local, excluded } = await scanBuild(options.dir, { includeVite: !!options.includeVite, include: config.include, exclude: config.exclude, ...(options.manifest ? { manifest: options.manifest } : {}) })
    if (local.length === 0) {
      throw new CdnDeployError('deploy', `nothing to deploy: ${options.dir} is empty${excluded.length ? ` once include/exclude leave out its ${excluded.length} files` : ' (build first)'}`)
    }
    const run: Run = {
      options,
      config,
      storage,
      local,
      excluded,
      release: options.manifest?.release ?? releaseId(now(), local.map((f) => [f.rel, f.sha256])),
      commit: await committing,
      now,
      env,
      reporter: options.reporter ?? silentReporter,
      context: { bucket, publicBase: config.publicBase, dryRun: !!options.dryRun, provider: providerName(config), started },
    }
    const read = await reading
    const plan = planFor(run, read?.ledger)
    if (!options.repair && read && isNoop(plan)) return { report: buildReport(plan, { ...run.context, ledger: 'read', warnings: [] }) }
    if (options.dryRun) return { report: await dryRun(run, read?.ledger) }
    const invalidator = internals.invalidator ?? (await invalidatorFor(config, options.signal))
    return await underLock(run, read, invalidator)
  } finally {
    storage.destroy()
  }
}

/** The dry run: the plan against the ledger (bootstrapped or repaired as a deploy would), and the exact purge. */
async function dryRun(run: Run, read: Ledger | undefined): Promise<DeployReport> {
  const boot = !read || run.options.repair ? await bootstrapped(run, read) : undefined
  const plan = planFor(run, boot?.ledger ?? read)
  const name = run.context.provider
  let preview: Pick<DeployReport['invalidation'], 'paths' | 'estimate'> | undefined
  if (name !== 'none' && plan.invalidate.length > 0) {
    const paths = planInvalidationFor(name, plan.invalidate, { publicBase: run.config.publicBase, ...run.config.invalidate }, Object.keys(plan.ledger.files)).paths
    // Worst case: the month's free paths already used, so every path is billed.
    preview = { paths, ...(name === 'cloudfront' ? { estimate: estimateCloudFrontCost(paths, undefined, 1000) } : {}) }
  }
  return buildReport(plan, { ...run.context, ledger: boot?.state === 'new' ? 'bootstrapped' : (boot?.state ?? 'read'), repaired: !!boot?.repaired, warnings: [] }, undefined, preview)
}


async function underLock(run: Run, before: LedgerVersion | undefined, invalidator: Invalidator | undefined): Promise<DeployOutcome> {
  const { storage, reporter, options } = run
  const ttl = options.lockTtlMs ?? DEFAULT_LOCK_TTL_MS
  const lock = await storage.acquireLock(run.env.CDN_DEPLOY_OWNER || undefined, ttl)
  const heartbeat = startHeartbeat(storage, lock, ttl, options.signal)
  const warnings: string[] = []
  const warn = (w: string) => {
    warnings.push(w)
    reporter.warn?.(w)
  }
  const old = lock.tookOver
  if (old) warn(old.reason === 'dead' ? `took over the lock of ${describeHolder(old)}: that process no longer runs on this machine` : `took over an expired lock held by ${describeHolder(old)} (expired ${old.expires})`)
  try {
    // Both under the lock, at once: the journal, and the ledger again (304 if nobody committed since).
    const [stored, read] = await Promise.all([readJournal(storage), storage.readLedgerVersion(before)])
    let ledger = read?.ledger
    let state: DeployReport['ledger'] = ledger ? 'read' : 'new'
    let repaired = false
    if (!ledger || options.repair) {
      const boot = await bootstrapped(run, ledger)
      if (boot.adopted || boot.dropped) reporter.info?.(`[cdn-deploy] ledger ${ledger ? 'repaired' : 'bootstrapped'}: ${boot.adopted} objects adopted, ${boot.dropped} dropped`)
      ;({ ledger, state, repaired } = boot)
    }
    const { files: journalled, distrusted } = journalFiles(ledger, stored)
    if (distrusted > 0) {
      warn(`the upload journal predates the last release (written by a deploy that lost its lock, or left by a failed cleanup): its ${distrusted} files are not trusted and go up again where this build has them`)
    }
    const journal = openJournal(storage, stored, ledger, journalled)
    const plan = planFor(run, ledger, journalled)
    const context: ReportContext = { ...run.context, ledger: state, repaired, warnings }
    // A repair that found nothing to fix is a no-op too: a release with no change
    // would only advance the retention count of files dropped earlier.
    if (isNoop(plan) && state === 'read' && !repaired) {
      await journal.clear()
      return { report: buildReport(plan, context) }
    }
    const result = await executePlan({ storage, plan, concurrency: run.config.concurrency, reporter, journal, signal: heartbeat.signal, fence: heartbeat.fence, commitCondition: commitCondition(read), ...(invalidator ? { invalidator } : {}) })
    const report = buildReport(plan, { ...context, provider: invalidator?.name ?? 'none' }, result)
    if (result.invalidationError === undefined) return { report }
    const cause = result.invalidationError as Error
    const error = new CdnDeployError('deploy', `release ${plan.release} is live, but invalidation failed: ${cause?.message ?? String(cause)}; the next deploy retries the ${plan.invalidate.length} pending paths (or run \`cdn-deploy invalidate --pending\`)`, { cause })
    return { report, error }
  } finally {
    // Wait for a renewal in flight: it would otherwise rewrite the lock after the release.
    await heartbeat.stop()
    await storage.releaseLock(lock).catch(() => false)
  }
}

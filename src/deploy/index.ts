/**
 * `deploy()`: the programmatic API the plugin calls after a build and the CLI
 * calls on any directory. scan → ledger → plan → lock → execute → report.
 *
 * A no-op deploy reads the ledger once and stops: no lock, no write. Anything
 * else takes the lock, reads the ledger again under it (another deploy may have
 * committed meanwhile; `If-None-Match` makes that a 304 when none did), plans
 * again, and executes.
 */
import { execFile } from 'node:child_process'
import { hostname } from 'node:os'
import { promisify } from 'node:util'
import type { CdnManifest } from '../build/manifest.js'
import { releaseId } from '../build/hash.js'
import { loadConfigFile } from '../config/load.js'
import { resolveConfig } from '../config/resolve.js'
import type { CdnPluginOptions, ResolvedCdnConfig } from '../config/types.js'
import { CdnDeployError } from '../errors.js'
import { createPlan } from '../plan/plan.js'
import { emptyLedger, type DeployPlan, type Ledger, type LedgerEntry, type LocalFile } from '../plan/types.js'
import { estimateCloudFrontCost } from '../plan/invalidation.js'
import { createInvalidator, loadProvider, planInvalidationFor } from '../providers/index.js'
import { isCustomProvider } from '../providers/types.js'
import { createStorage, type LedgerVersion, type Storage, type StorageFactoryOptions } from '../storage/index.js'
import { bootstrapLedger } from './bootstrap.js'
import { executePlan, type Invalidator } from './execute.js'
import { dropUnknown, journalFiles, openJournal, readJournal, withJournal } from './journal.js'
import { commitCondition, conditionalWritesHint, startHeartbeat, storeHint } from './lock.js'
import { silentReporter, type DeployReporter } from './progress.js'
import { appendStepSummary, reportFromPlan, writeJsonReport, type DeployReport } from './report.js'
import { scanDir } from './scan.js'

export interface DeployOptions {
  /** The directory to deploy (Vite's outDir). */
  dir: string
  /** A resolved config; without it the config is loaded like the plugin does (root, configFile, mode, options). */
  config?: ResolvedCdnConfig
  /** Where to look for `cdn.config.*`. @default process.cwd() */
  root?: string
  configFile?: string | false
  /** Picks `environments[mode]`; an unknown mode is an error here. @default process.env.CDN_ENV */
  mode?: string
  /** Inline options over the file. */
  options?: CdnPluginOptions
  /** The build's manifest (says which files are content-hashed); read from `<dir>/.vite/` when absent. */
  manifest?: CdnManifest
  /** Plan only: read the bucket, write nothing. @default false */
  dryRun?: boolean
  /** Cross-check the ledger against a listing of the bucket. @default false */
  repair?: boolean
  /** Upload `.vite/` too. @default false */
  includeVite?: boolean
  reporter?: DeployReporter
  /** Write the JSON report here. */
  reportFile?: string
  /** Git commit recorded on the release. @default $GITHUB_SHA, else `git rev-parse HEAD` in root */
  commit?: string
  /** The purge step (the providers plug in here). */
  invalidator?: Invalidator
  /**
   * Lock lifetime. A running deploy renews its lock every third of it, so this is
   * how long a deploy that died (or lost its server) blocks the next one.
   * @default 120000 (2 minutes)
   */
  lockTtlMs?: number
  /** Storage tuning (multipart threshold, part size, retries…), mostly for tests and benchmarks. */
  storage?: Partial<StorageFactoryOptions>
  env?: Record<string, string | undefined>
  now?: () => Date
  signal?: AbortSignal
}

async function resolveFor(options: DeployOptions): Promise<ResolvedCdnConfig> {
  if (options.config) return options.config
  const root = options.root ?? process.cwd()
  const env = options.env ?? process.env
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

function planFor(local: LocalFile[], ledger: Ledger | undefined, config: ResolvedCdnConfig, release: string, now: Date, commit?: string): DeployPlan {
  return createPlan(local, ledger, { prefix: config.prefix, cacheControl: config.cacheControl, retain: config.retain, precompress: config.precompress, release, now, ...(commit ? { commit } : {}) })
}

/** The purge step for the configured provider, loading only that provider's SDK. */
export async function invalidatorFor(config: ResolvedCdnConfig, signal?: AbortSignal): Promise<Invalidator | undefined> {
  const p = config.provider
  if (!isCustomProvider(p) && p.type === 'none') return undefined
  const provider = await loadProvider(p, { publicBase: config.publicBase })
  if (!provider) return undefined
  const wait = !isCustomProvider(p) && p.type === 'cloudfront' ? p.wait : undefined
  const waitMs = wait === true ? 600_000 : typeof wait === 'number' ? wait * 1000 : undefined
  return createInvalidator(provider, { publicBase: config.publicBase, ...config.invalidate, ...(waitMs ? { waitMs } : {}), ...(signal ? { signal } : {}) })
}

const providerName = (config: ResolvedCdnConfig): string => (isCustomProvider(config.provider) ? config.provider.name : config.provider.type)

/** The dry run's view of step 5: the exact paths, and for CloudFront what they may cost. */
function previewInvalidation(report: DeployReport, plan: DeployPlan, config: ResolvedCdnConfig): void {
  const name = providerName(config)
  report.invalidation.provider = name
  if (name === 'none' || plan.invalidate.length === 0) return
  const preview = planInvalidationFor(name, plan.invalidate, { publicBase: config.publicBase, ...config.invalidate }, Object.keys(plan.ledger.files))
  report.invalidation.paths = preview.paths
  // Worst case: the month's free paths already used, so every path is billed.
  if (name === 'cloudfront') report.invalidation.estimate = estimateCloudFrontCost(preview.paths, undefined, 1000)
}

const isNoop = (plan: DeployPlan): boolean =>
  plan.uploads.length === 0 && plan.deletes.length === 0 && plan.invalidate.length === 0

export async function deploy(options: DeployOptions): Promise<DeployReport> {
  const started = Date.now()
  const env = options.env ?? process.env
  const now = options.now ?? (() => new Date())
  const config = await resolveFor(options)
  const bucket = config.storage.bucket
  if (!bucket) throw new CdnDeployError('config', 'storage.bucket: required to deploy (set it, or CDN_BUCKET)')
  const reporter = options.reporter ?? silentReporter
  const storage = createStorage({ ...options.storage, ...config.storage, bucket, prefix: config.prefix, concurrency: config.concurrency })
  const base = { bucket, publicBase: config.publicBase, dryRun: !!options.dryRun }
  try {
    // The ledger GET and `git rev-parse` go out first and are answered while the
    // scan hashes the directory (mostly synchronous reads): on a no-op deploy the
    // three are nearly all of the wall time. Handlers are attached at once, so a
    // scan error does not leave them unhandled; they are awaited below.
    const reading = storage.readLedgerVersion()
    const committing = options.commit !== undefined ? Promise.resolve(options.commit) : gitCommit(options.root ?? process.cwd(), env)
    reading.catch(() => {})
    const local = await scanDir(options.dir, { includeVite: !!options.includeVite, ...(options.manifest ? { manifest: options.manifest } : {}) })
    if (local.length === 0) throw new CdnDeployError('deploy', `nothing to deploy: ${options.dir} is empty (build first)`)
    const release = options.manifest?.release ?? releaseId(now(), local.map((f) => [f.rel, f.sha256]))
    const commit = await committing
    const read = await reading
    let ledger = read?.ledger
    let ledgerState: DeployReport['ledger'] = ledger ? 'read' : 'new'
    let plan = planFor(local, ledger, config, release, now(), commit)
    if (!options.repair && ledger && isNoop(plan)) {
      const report = reportFromPlan(plan, { ...base, ledger: ledgerState })
      report.invalidation.provider = providerName(config)
      return await finish(report, options, started, env)
    }
    if (options.dryRun) {
      let repaired = false
      if (!ledger || options.repair) {
        const boot = await bootstrapLedger(storage, local, { prefix: config.prefix, cacheControl: config.cacheControl, concurrency: config.concurrency, ...(ledger ? { ledger } : {}) })
        repaired = !!ledger && JSON.stringify(boot.ledger) !== JSON.stringify(ledger)
        plan = planFor(local, boot.ledger, config, release, now(), commit)
        ledgerState = ledger ? 'read' : 'bootstrapped'
      }
      const report = reportFromPlan(plan, { ...base, ledger: ledgerState })
      // A first deploy always commits a release, even of files already in place.
      report.changed ||= repaired || !ledger
      previewInvalidation(report, plan, config)
      return await finish(report, options, started, env)
    }
    const invalidator = options.invalidator ?? (await invalidatorFor(config, options.signal))
    return await deployLocked(storage, { options, config, local, release, commit, now, reporter, started, env, base, invalidator, read })
  } finally {
    storage.destroy()
  }
}

interface LockedContext {
  options: DeployOptions
  config: ResolvedCdnConfig
  local: LocalFile[]
  release: string
  commit: string | undefined
  now: () => Date
  reporter: DeployReporter
  started: number
  env: Record<string, string | undefined>
  base: { bucket: string; publicBase: string; dryRun: boolean }
  invalidator: Invalidator | undefined
  /** The ledger as read before locking: its hint and its ETag save requests under the lock. */
  read: LedgerVersion | undefined
}

async function deployLocked(storage: Storage, c: LockedContext): Promise<DeployReport> {
  const owner = c.env.GITHUB_ACTIONS ? `github-actions ${c.env.GITHUB_REPOSITORY ?? ''}#${c.env.GITHUB_RUN_ID ?? ''}`.trim() : `${c.env.USER ?? 'deploy'}@${hostname()}`
  const ttl = c.options.lockTtlMs ?? DEFAULT_LOCK_TTL_MS
  const lock = await storage.acquireLock(owner, ttl, { conditionalWrites: conditionalWritesHint(c.read?.ledger, storage.origin) })
  const heartbeat = startHeartbeat(storage, lock, ttl, c.options.signal)
  const warnings: string[] = []
  if (!lock.conditionalWrites) warnings.push('this store ignores conditional writes (If-None-Match), so the deploy lock cannot stop two concurrent deploys; run one at a time')
  if (lock.tookOver) warnings.push(`took over an expired lock held by ${lock.tookOver.owner} (expired ${lock.tookOver.expires})`)
  for (const w of warnings) c.reporter.warn?.(w)
  try {
    // Both under the lock, at once: the journal, and the ledger again (304 if nobody committed since).
    const [stored, read] = await Promise.all([readJournal(storage), storage.readLedgerVersion(c.read)])
    let ledger = read?.ledger
    let ledgerState: DeployReport['ledger'] = ledger ? 'read' : 'new'
    /** Repair changed the ledger (dropped or adopted entries): that needs a commit even with no upload. */
    let repaired = false
    if (!ledger || c.options.repair) {
      const boot = await bootstrapLedger(storage, c.local, { prefix: c.config.prefix, cacheControl: c.config.cacheControl, concurrency: c.config.concurrency, ...(ledger ? { ledger } : {}) })
      if (!ledger) ledgerState = boot.listed > 0 ? 'bootstrapped' : 'new'
      if (boot.adopted || boot.dropped) c.reporter.info?.(`[cdn-deploy] ledger ${ledger ? 'repaired' : 'bootstrapped'}: ${boot.adopted} objects adopted, ${boot.dropped} dropped`)
      repaired = !!ledger && JSON.stringify(boot.ledger) !== JSON.stringify(ledger)
      ledger = boot.ledger
    }
    const base = ledger ?? emptyLedger()
    const { files: journalled, distrusted } = journalFiles(base, stored)
    if (distrusted > 0) {
      const w = `the upload journal predates the last release (written by a deploy that lost its lock, or left by a failed cleanup): its ${distrusted} files are not trusted and go up again where this build has them`
      warnings.push(w)
      c.reporter.warn?.(w)
    }
    const journal = openJournal(storage, stored, base, journalled)
    const plan = planFor(c.local, withJournal(base, journalled), c.config, c.release, c.now(), c.commit)
    addJournalInvalidations(plan, base, journalled)
    dropUnknown(plan.ledger)
    const hint = storeHint(storage, lock, base)
    if (hint) plan.ledger.store = hint
    const report = reportFromPlan(plan, { ...c.base, ledger: ledgerState })
    report.changed ||= repaired || ledgerState !== 'read'
    report.warnings.push(...warnings)
    // A repair that found nothing to fix is a no-op too: a release with no change
    // would only advance the retention count of files dropped earlier.
    if (isNoop(plan) && ledgerState === 'read' && !repaired) {
      await journal.clear()
      return await finish(report, c.options, c.started, c.env)
    }
    const result = await executePlan({ storage, plan, concurrency: c.config.concurrency, reporter: c.reporter, journal, signal: heartbeat.signal, ...(c.invalidator ? { invalidator: c.invalidator } : {}), ...commitCondition(lock, read) })
    report.committed = result.committed
    report.deleted = result.deleted
    report.warnings.push(...result.warnings)
    report.invalidation = { provider: c.invalidator?.name ?? 'none', ...result.invalidation }
    await finish(report, c.options, c.started, c.env)
    if (result.invalidationError) {
      const cause = result.invalidationError
      throw new CdnDeployError('deploy', `release ${plan.release} is live, but invalidation failed: ${(cause as Error).message ?? cause}; the next deploy retries the ${plan.invalidate.length} pending paths (or run \`cdn-deploy invalidate\`)`, { cause })
    }
    return report
  } finally {
    // Wait for a renewal in flight: it would otherwise rewrite the lock after the release.
    await heartbeat.stop()
    await storage.releaseLock(lock).catch(() => false)
  }
}

export const DEFAULT_LOCK_TTL_MS = 120_000

/**
 * A journalled mutable file replaced bytes the CDN may still serve: the plan
 * sees it as unchanged (the journal says it is up already), so add its purge.
 */
function addJournalInvalidations(plan: DeployPlan, ledger: Ledger, journalled: Record<string, LedgerEntry>): void {
  const extra = Object.entries(journalled)
    .filter(([rel, entry]) => {
      const old = ledger.files[rel]
      return old && !entry.immutable && (old.sha256 !== entry.sha256 || old.cacheControl !== entry.cacheControl)
    })
    .map(([rel]) => rel)
  if (extra.length === 0) return
  plan.invalidate = [...new Set([...plan.invalidate, ...extra])].sort()
  plan.ledger.pendingInvalidations = plan.invalidate
}

async function finish(report: DeployReport, options: DeployOptions, started: number, env: Record<string, string | undefined>): Promise<DeployReport> {
  report.durationMs = Date.now() - started
  if (options.reportFile) await writeJsonReport(options.reportFile, report)
  await appendStepSummary(report, env)
  return report
}

export { readBuildManifest } from '../build/manifest.js'

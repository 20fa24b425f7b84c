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
import { releaseId } from '../emit/hash.js'
import { loadConfigFile } from '../config/load.js'
import { resolveConfig } from '../config/resolve.js'
import type { ResolvedCdnConfig } from '../config/types.js'
import { CdnDeployError } from '../errors.js'
import { estimateCloudFrontCost } from '../plan/invalidation.js'
import type { Ledger } from '../plan/types.js'
import { createInvalidator, isCustomProvider, loadProvider, planInvalidationFor, waitMsFor } from '../providers/index.js'
import { createStorage } from '../storage/index.js'
import type { Invalidator } from './execute.js'
import { underLock } from './locked.js'
import { preflight } from './preflight.js'
import type { DeployInternals, DeployOptions, DeployOutcome } from './options.js'
import { silentReporter } from './progress.js'
import { buildReport, type DeployReport } from './report.js'
import { bootstrapped, isNoop, planFor, policyWarnings, type Run } from './run.js'
import { scanBuild } from './scan.js'

export type { DeployInternals, DeployOptions, DeployOutcome } from './options.js'
export { DEFAULT_LOCK_TTL_MS } from './locked.js'

export async function resolveFor(options: DeployOptions, env: Record<string, string | undefined>): Promise<ResolvedCdnConfig> {
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
  const waitMs = waitMsFor(p)
  return createInvalidator(provider, { publicBase: config.publicBase, ...config.invalidate, ...(waitMs ? { waitMs } : {}), ...(signal ? { signal } : {}) })
}

export const providerName = (config: ResolvedCdnConfig): string => (isCustomProvider(config.provider) ? config.provider.name : config.provider.type)

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
    const { files: local, excluded } = await scanBuild(options.dir, {
      includeVite: !!options.includeVite,
      include: config.include,
      exclude: config.exclude,
      ...(options.manifest ? { manifest: options.manifest } : {}),
    })
    if (local.length === 0) {
      throw new CdnDeployError(
        'deploy',
        `nothing to deploy: ${options.dir} is empty${excluded.length ? ` once include/exclude leave out its ${excluded.length} files` : ' (build first)'}`,
      )
    }
    const run: Run = {
      options,
      config,
      storage,
      local,
      excluded,
      release:
        options.manifest?.release ??
        releaseId(
          now(),
          local.map((f) => [f.rel, f.sha256]),
        ),
      commit: await committing,
      now,
      env,
      reporter: options.reporter ?? silentReporter,
      context: { bucket, publicBase: config.publicBase, dryRun: !!options.dryRun, provider: providerName(config), started },
    }
    const read = await reading
    // A ledger with `pending` names a deploy that stopped mid-way: never a no-op, the lock path puts its pages back.
    const noop = !options.repair && read && !read.ledger.pending ? noopReport(run, read.ledger) : undefined
    if (noop) return { report: noop }
    if (options.dryRun) return { report: await dryRun(run, read?.ledger) }
    const invalidator = internals.invalidator ?? (await invalidatorFor(config, options.signal))
    await preflight({ ...(options.reportFile ? { reportFile: options.reportFile } : {}), ...(invalidator ? { invalidator } : {}) })
    return await underLock(run, read, invalidator)
  } finally {
    storage.destroy()
  }
}

/**
 * The report of a deploy with nothing to do, else undefined. The plan is not
 * kept: the deploy plans again under the lock, and a big site's plan is tens
 * of MB (100,000 files: ~40 MB) that would otherwise stay alive all along.
 */
function noopReport(run: Run, ledger: Ledger): DeployReport | undefined {
  const plan = planFor(run, ledger)
  return isNoop(plan) ? buildReport(plan, { ...run.context, ledger: 'read', warnings: policyWarnings(run.config) }) : undefined
}

/** The dry run: the plan against the ledger (bootstrapped or repaired as a deploy would), and the exact purge. */
export async function dryRun(run: Run, read: Ledger | undefined): Promise<DeployReport> {
  const boot = !read || run.options.repair ? await bootstrapped(run, read) : undefined
  const plan = planFor(run, boot?.ledger ?? read)
  const name = run.context.provider
  let preview: Pick<DeployReport['invalidation'], 'paths' | 'estimate'> | undefined
  if (name !== 'none' && plan.invalidate.length > 0) {
    const paths = planInvalidationFor(
      name,
      plan.invalidate,
      { publicBase: run.config.publicBase, ...run.config.invalidate },
      Object.keys(plan.ledger.files),
    ).paths
    // Worst case: the month's free paths already used, so every path is billed.
    preview = { paths, ...(name === 'cloudfront' ? { estimate: estimateCloudFrontCost(paths, undefined, 1000) } : {}) }
  }
  return buildReport(
    plan,
    {
      ...run.context,
      ledger: boot?.state === 'new' ? 'bootstrapped' : (boot?.state ?? 'read'),
      repaired: !!boot?.repaired,
      warnings: policyWarnings(run.config),
    },
    undefined,
    preview,
  )
}

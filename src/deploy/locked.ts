/**
 * The deploy under the lock: take it (and keep it: the heartbeat and the
 * fence), read the ledger again and the journal, put back the pages of an
 * earlier deploy that stopped mid-way, plan with what they say, execute, and
 * release the lock (a release that fails is said, not swallowed).
 */
import { CdnDeployError } from '../errors.js'
import { describeHolder, type Fence, type LedgerVersion } from '../storage/index.js'
import type { DeployPlan } from '../plan/types.js'
import { executePlan, type ExecuteResult, type Invalidator } from './execute.js'
import type { DeployOutcome } from './options.js'
import { journalFiles, openJournal, readJournal } from './journal.js'
import { commitCondition, startHeartbeat } from './lock.js'
import { restorePending } from './pages.js'
import { buildReport, type DeployReport, type ReportContext } from './report.js'
import { bootstrapped, isNoop, planFor, policyWarnings, type Run } from './run.js'

/** Lock lifetime when `lockTtlMs` is not given. */
export const DEFAULT_LOCK_TTL_MS = 120_000

/** Put back the pages of a deploy that stopped before its commit (its intent is in the ledger). */
async function recover(run: Run, read: LedgerVersion, fence: Fence, warn: (w: string) => void): Promise<LedgerVersion> {
  const release = read.ledger.pending!.release
  const { version, restored, warnings } = await restorePending(run.storage, read, run.storage.flow, fence)
  warn(`the deploy of release ${release} stopped before its commit: put back the ${restored} page files it may have changed`)
  for (const w of warnings) warn(w)
  return version
}

export async function underLock(run: Run, before: LedgerVersion | undefined, invalidator: Invalidator | undefined): Promise<DeployOutcome> {
  const { storage, reporter, options } = run
  const ttl = options.lockTtlMs ?? DEFAULT_LOCK_TTL_MS
  const lock = await storage.acquireLock(run.env.CDN_DEPLOY_OWNER || undefined, ttl)
  const heartbeat = startHeartbeat(storage, lock, ttl, options.signal)
  const warnings: string[] = []
  const warn = (w: string) => {
    warnings.push(w)
    reporter.warn?.(w)
  }
  for (const w of policyWarnings(run.config)) warn(w)
  const old = lock.tookOver
  if (old)
    warn(
      old.reason === 'dead'
        ? `took over the lock of ${describeHolder(old)}: that process no longer runs on this machine`
        : `took over an expired lock held by ${describeHolder(old)} (expired ${old.expires})`,
    )
  let done: { plan: DeployPlan; context: ReportContext; result?: ExecuteResult }
  try {
    // Both under the lock, at once: the journal, and the ledger again (304 if nobody committed since).
    const [stored, found] = await Promise.all([readJournal(storage), storage.readLedgerVersion(before)])
    // Before anything else: an earlier deploy that stopped between its first page write and its commit.
    const read = found?.ledger.pending ? await recover(run, found, heartbeat.fence, warn) : found
    let ledger = read?.ledger
    let state: DeployReport['ledger'] = ledger ? 'read' : 'new'
    let repaired = false
    if (!ledger || options.repair) {
      const boot = await bootstrapped(run, ledger)
      if (boot.adopted || boot.dropped)
        reporter.info?.(`[cdn-deploy] ledger ${ledger ? 'repaired' : 'bootstrapped'}: ${boot.adopted} objects adopted, ${boot.dropped} dropped`)
      ;({ ledger, state, repaired } = boot)
    }
    const { files: journalled, distrusted } = journalFiles(ledger, stored)
    if (distrusted > 0) {
      warn(
        `the upload journal predates the last release (written by a deploy that lost its lock, or left by a failed cleanup): its ${distrusted} files are not trusted and go up again where this build has them`,
      )
    }
    const journal = openJournal(storage, stored, ledger, journalled)
    const plan = planFor(run, ledger, journalled)
    const context: ReportContext = { ...run.context, ledger: state, repaired, warnings }
    // A repair that found nothing to fix is a no-op too: a release with no change
    // would only advance the retention count of files dropped earlier.
    if (isNoop(plan) && state === 'read' && !repaired) {
      await journal.clear()
      done = { plan, context }
    } else {
      const result = await executePlan({
        storage,
        plan,
        reporter,
        journal,
        signal: heartbeat.signal,
        fence: heartbeat.fence,
        base: ledger,
        condition: commitCondition(read),
        ...(invalidator ? { invalidator } : {}),
      })
      done = { plan, context: { ...context, provider: invalidator?.name ?? 'none' }, result }
    }
  } finally {
    // Wait for a renewal in flight: it would otherwise rewrite the lock after the release.
    await heartbeat.stop()
    const failed = await storage.releaseLock(lock).then(
      () => undefined,
      (error: unknown) => error as Error,
    )
    if (failed)
      warn(`could not release the deploy lock (${failed.message}): it blocks the next deploy until ${lock.info.expires}, or until \`cdn-deploy unlock\``)
  }
  const { plan, context, result } = done
  const report = buildReport(plan, context, result)
  if (result?.invalidationError === undefined) return { report }
  const cause = result.invalidationError as Error
  const error = new CdnDeployError(
    'deploy',
    `release ${plan.release} is live, but invalidation failed: ${cause?.message ?? String(cause)}; the next deploy retries the ${plan.invalidate.length} pending paths (or run \`cdn-deploy invalidate --pending\`)`,
    { cause },
  )
  return { report, error }
}

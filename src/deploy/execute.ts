/**
 * Runs a plan in the order that never breaks a live site:
 *   1 immutable files → 2 other mutable files → 3 HTML and entry documents
 *   → 4 ledger commit (the release exists from here) → 5 invalidation → 6 prune.
 * A failure before 4 leaves the previous release whole: nothing was deleted or
 * invalidated and the ledger is unchanged. What did go up is recorded in the
 * journal, so the re-run uploads only what is missing.
 */
import { CdnDeployError } from '../errors.js'
import { pruneStop } from '../plan/prune.js'
import type { DeployPlan, Ledger, LedgerEntry, Phase, PlannedUpload } from '../plan/types.js'
import type { Fence, LedgerCondition, Storage } from '../storage/index.js'
import { withEncodedBody } from './compress.js'
import type { Journal } from './journal.js'
import { runPool } from '../pool.js'
import type { DeployReporter } from './progress.js'
import type { ExecutionOutcome } from './report.js'

const STEP_NAMES: Record<Phase, string> = {
  1: 'uploading immutable (content-hashed) files',
  2: 'uploading other files',
  3: 'uploading HTML and entry documents',
}

/**
 * Journal writes at most this often while uploading, plus once on failure. No
 * write at the end of a phase: a deploy that takes less than this writes none,
 * and one that dies without its failure write (killed, or its server gone) only
 * costs the re-run those few seconds of uploads again.
 */
const JOURNAL_INTERVAL_MS = 5_000

export interface Invalidator {
  readonly name: string
  /**
   * Purge these file paths (relative to the prefix); returns the provider's ids.
   * `universe` (every file the ledger knows) lets collapsing spare unchanged directories.
   */
  invalidate(rels: string[], release: string, universe?: readonly string[]): Promise<{ ids: string[]; paths: string[]; waitError?: string }>
}

export interface ExecuteOptions {
  storage: Storage
  plan: DeployPlan
  concurrency: number
  reporter: DeployReporter
  journal: Journal
  invalidator?: Invalidator
  signal?: AbortSignal
  /** The lock fence: every write visitors can see (phases 2–3, the commit) waits for it. */
  fence?: Fence
  /**
   * Commit only over the ledger version this deploy planned from (`If-Match`
   * its ETag, or `If-None-Match: *` when there was none).
   */
  commitCondition?: LedgerCondition | undefined
}

export interface ExecuteResult extends ExecutionOutcome {
  /** Set when the purge failed: the release is live, the paths stay pending for the next deploy. */
  invalidationError?: unknown
}

const entryOf = (u: PlannedUpload, release: string): LedgerEntry => ({
  sha256: u.sha256,
  size: u.size,
  contentType: u.contentType,
  cacheControl: u.cacheControl,
  ...(u.contentEncoding ? { contentEncoding: u.contentEncoding } : {}),
  ...(u.params ? { params: u.params } : {}),
  immutable: u.immutable,
  release,
})

export async function executePlan(options: ExecuteOptions): Promise<ExecuteResult> {
  const { storage, plan, reporter, journal } = options
  // The delete guard (maxDeletes, a nearly empty build): decided by the plan, enforced before any write.
  const stop = pruneStop(plan.prune)
  if (stop) throw stop
  const warnings: string[] = []
  reporter.start?.(plan)

  let lastJournal = Date.now()
  const record = async (): Promise<void> => {
    if (!journal.dirty || Date.now() - lastJournal < JOURNAL_INTERVAL_MS) return
    lastJournal = Date.now()
    await journal.save()
  }
  const ledger = structuredClone(plan.ledger)
  if (!options.invalidator) ledger.pendingInvalidations = []
  let etag: string | undefined
  try {
    for (const phase of [1, 2, 3] as const) {
      const uploads = plan.uploads.filter((u) => u.phase === phase)
      if (uploads.length === 0) continue
      reporter.step?.(`${STEP_NAMES[phase]} (${uploads.length})`)
      await runPool(uploads, options.concurrency, async (upload) => {
        const fence = phase > 1 && options.fence ? { fence: options.fence } : {}
        await withEncodedBody(upload, (stored) => storage.putFile(stored, { ...fence, ...(stored.contentEncoding ? { contentEncoding: stored.contentEncoding } : {}) }))
        journal.add(upload.rel, entryOf(upload, 'journal'))
        reporter.bytes?.(upload.size)
        reporter.uploaded?.(upload)
        await record()
      }, options.signal)
    }

    // 4: commit. Pending invalidations are written ahead so a crash before the purge retries it.
    // A lost lock (or a cancel) aborts the signal: never commit over another deploy.
    options.signal?.throwIfAborted()
    reporter.step?.(`committing release ${plan.release}`)
    etag = await commit(storage, ledger, plan.release, options.commitCondition, options.fence)
  } catch (error) {
    // Best effort: the server may be the thing that failed. Not once the lock is
    // lost: the journal is the lock holder's now.
    if (!lostLock(error, options.signal)) await journal.save().catch(() => {})
    throw error
  }
  await journal.clear().catch((error: Error) => warnings.push(`could not remove the upload journal: ${error.message}`))

  // 5: invalidate changed mutable URLs. A failure fails the deploy loudly, but the release stands.
  const invalidation = { ids: [] as string[], paths: [] as string[], pending: [] as string[] }
  let invalidationError: unknown
  if (options.invalidator && plan.invalidate.length > 0) {
    reporter.step?.(`invalidating ${plan.invalidate.length} changed paths (${options.invalidator.name})`)
    try {
      const result = await options.invalidator.invalidate(plan.invalidate, plan.release, Object.keys(ledger.files))
      invalidation.ids = result.ids
      invalidation.paths = result.paths
      if (result.waitError) warnings.push(`invalidation submitted but not confirmed complete: ${result.waitError}`)
      const release = ledger.releases.find((r) => r.id === plan.release)
      if (release) release.invalidations = result.ids
      ledger.pendingInvalidations = []
      await storage.writeLedger(ledger, etag ? { ifMatch: etag } : undefined)
    } catch (error) {
      // The committed ledger keeps the paths pending: the next deploy purges them.
      invalidationError = error
      invalidation.pending = [...plan.invalidate]
    }
  }

  // 6: prune what has been absent past the retention window (owned keys only).
  let deleted: string[] = []
  if (plan.deletes.length > 0) {
    reporter.step?.(`deleting ${plan.deletes.length} files past retention`)
    const result = await storage.deleteKeys(plan.deletes)
    deleted = result.deleted
    for (const e of result.errors) warnings.push(`could not delete ${e.key}: ${e.code} ${e.message}`)
  }
  return { committed: true, invalidation, invalidationError, deleted, warnings }
}

/**
 * The ledger commit. When it fails, the ledger is read again: if it names our
 * release last, the commit landed and only its answer was lost (a retry then
 * met its own write: 412), so the release is live and the deploy goes on.
 */
async function commit(storage: Storage, ledger: Ledger, release: string, condition: LedgerCondition | undefined, fence: Fence | undefined): Promise<string | undefined> {
  try {
    return await storage.writeLedger(ledger, condition, fence)
  } catch (error) {
    const now = await storage.readLedgerVersion().catch(() => undefined)
    if (now?.ledger.releases.at(-1)?.id === release) return now.etag
    throw error
  }
}

/** The deploy lost its lock (taken over, or the commit found another one's ledger). */
function lostLock(error: unknown, signal: AbortSignal | undefined): boolean {
  const isLock = (e: unknown) => e instanceof CdnDeployError && e.scope === 'lock'
  return isLock(error) || (!!signal?.aborted && isLock(signal.reason))
}

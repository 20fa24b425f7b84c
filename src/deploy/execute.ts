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
import type { DeployPlan, Ledger, Phase } from '../plan/types.js'
import type { Fence, LedgerCondition, LedgerVersion, Storage } from '../storage/index.js'
import { recordKey } from '../plan/blobs.js'
import type { Journal } from './journal.js'
import { keepBlobs, markPending, restorePending } from './pages.js'
import { pruneAfterCommit } from './prune.js'
import { entryOf, sendUpload } from './send.js'
import { runPool } from '../pool.js'
import { uploadBytesHeld } from '../storage/limits.js'
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
  /** The target exists and answers (run before the first write); throws with the fix. */
  check?(): Promise<void>
}

export interface ExecuteOptions {
  storage: Storage
  plan: DeployPlan
  /** A fixed number of requests in flight instead of the storage's flow (which grows to `concurrency` and backs off on throttling). */
  concurrency?: number
  reporter: DeployReporter
  journal: Journal
  invalidator?: Invalidator
  signal?: AbortSignal
  /** The lock fence: every write visitors can see (phases 2–3, the commit) waits for it. */
  fence?: Fence
  /** The ledger the plan was made from: the intent to change pages is written over it. */
  base: Ledger
  /**
   * Write only over the ledger version this deploy planned from (`If-Match`
   * its ETag, or `If-None-Match: *` when there was none).
   */
  condition?: LedgerCondition | undefined
}

export interface ExecuteResult extends ExecutionOutcome {
  /** Set when the purge failed: the release is live, the paths stay pending for the next deploy. */
  invalidationError?: unknown
}

export async function executePlan(options: ExecuteOptions): Promise<ExecuteResult> {
  const { storage, plan, reporter, journal } = options
  // The delete guard (maxDeletes, a nearly empty build): decided by the plan, enforced before any write.
  const stop = pruneStop(plan.prune)
  if (stop) throw stop
  const lanes = options.concurrency ?? storage.flow
  let etag: string | undefined
  const warnings: string[] = []
  const warn = (line: string) => {
    warnings.push(line)
    reporter.warn?.(line)
  }
  reporter.start?.(plan)

  let lastJournal = Date.now()
  let journalEvery = JOURNAL_INTERVAL_MS
  const record = async (): Promise<void> => {
    if (!journal.dirty || Date.now() - lastJournal < journalEvery) return
    lastJournal = Date.now()
    await journal.save()
    // The journal of a big deploy takes a while to write (100,000 files: ~20 MB): at most a fifth of the time.
    journalEvery = Math.max(JOURNAL_INTERVAL_MS, 4 * (Date.now() - lastJournal))
  }
  const pages = plan.uploads.filter((u) => u.phase > 1)
  let committed: Ledger
  let condition = options.condition
  let marked: LedgerVersion | undefined
  let missing: readonly string[] = []
  try {
    for (const phase of [1, 2, 3] as const) {
      const uploads = plan.uploads.filter((u) => u.phase === phase)
      if (uploads.length === 0) continue
      if (phase > 1 && !marked) {
        // Before the first page write: keep what it replaces, and say so in the ledger.
        if (plan.keep.length > 0) reporter.step?.(`keeping ${plan.keep.length} page versions about to be replaced`)
        const kept = await keepBlobs(storage, plan.keep, lanes, options.fence)
        missing = kept.missing
        kept.warnings.forEach(warn)
        const blobs = withoutMissing({ ...options.base.blobs, ...plan.ledger.blobs }, missing)
        marked = await markPending(storage, options.base, condition, { release: plan.release, rels: pages.map((u) => u.rel).sort() }, blobs, options.fence)
        condition = marked.etag ? { ifMatch: marked.etag } : undefined
      }
      reporter.step?.(`${STEP_NAMES[phase]} (${uploads.length})`)
      await runPool(
        uploads,
        lanes,
        async (upload) => {
          // Files are read whole (and parts held): wait for their bytes in the memory budget first.
          const release = await storage.reserve(uploadBytesHeld(upload.size, storage.settings) * (upload.contentEncoding ? 2 : 1))
          try {
            await sendUpload(storage, upload, phase, options.fence, warn)
          } finally {
            release()
          }
          // Only phase 1 is journalled: a failed deploy puts the pages of phases 2–3 back.
          if (phase === 1) journal.add(upload.rel, entryOf(upload, 'journal'))
          reporter.bytes?.(upload.size)
          reporter.uploaded?.(upload)
          await record()
        },
        options.signal,
      )
    }

    // 4: commit (it clears `pending`). Pending invalidations are written ahead so a crash before the purge retries it.
    // A lost lock (or a cancel) aborts the signal: never commit over another deploy.
    options.signal?.throwIfAborted()
    // The release's file map, before the release exists: every committed release can be rolled back to.
    await storage.writeJson(recordKey(storage.statePrefix, plan.release), plan.record)
    reporter.step?.(`committing release ${plan.release}`)
    committed = toCommit(plan.ledger, missing, !!options.invalidator)
    etag = await commit(storage, committed, plan.release, condition, options.fence)
  } catch (error) {
    // Best effort: the server may be the thing that failed. Not once the lock is
    // lost: the journal, and putting the pages back, are the lock holder's now.
    if (lostLock(error, options.signal)) throw error
    await journal.save().catch(() => {})
    if (!marked) throw error
    throw await putBack(storage, marked, options, error)
  }
  await journal.clear().catch((error: Error) => warn(`could not remove the upload journal: ${error.message}`))

  // 5: invalidate changed mutable URLs. A failure fails the deploy loudly, but the release stands.
  const invalidation = { ids: [] as string[], paths: [] as string[], pending: [] as string[] }
  let invalidationError: unknown
  if (options.invalidator && plan.invalidate.length > 0) {
    reporter.step?.(`invalidating ${plan.invalidate.length} changed paths (${options.invalidator.name})`)
    try {
      const ledger = structuredClone(committed)
      const result = await options.invalidator.invalidate(plan.invalidate, plan.release, Object.keys(ledger.files))
      invalidation.ids = result.ids
      invalidation.paths = result.paths
      if (result.waitError) warn(`invalidation submitted but not confirmed complete: ${result.waitError}`)
      const release = ledger.releases.find((r) => r.id === plan.release)
      if (release) release.invalidations = result.ids
      ledger.pendingInvalidations = []
      etag = await storage.writeLedger(ledger, etag ? { ifMatch: etag } : undefined)
      committed = ledger
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
    deleted = await pruneAfterCommit({ storage, plan, lanes, fence: options.fence, ledger: committed, etag, base: options.base, warn })
  }
  if (plan.stateDeletes.length > 0) {
    const result = await storage
      .deleteKeys(plan.stateDeletes, options.fence)
      .catch((error: Error) => ({ errors: [{ key: plan.stateDeletes[0]!, code: 'error', message: error.message }] }))
    for (const e of result.errors) warn(`could not delete ${e.key}: ${e.code} ${e.message}`)
  }
  return { committed: true, invalidation, invalidationError, deleted, warnings }
}

/** The ledger to commit: the plan's, without blobs that could not be kept (and no pending purge without a purge step). */
function toCommit(planned: Ledger, missing: readonly string[], purges: boolean): Ledger {
  const ledger: Ledger = { ...planned }
  const blobs = withoutMissing(planned.blobs, missing)
  if (blobs) ledger.blobs = blobs
  else delete ledger.blobs
  if (!purges) ledger.pendingInvalidations = []
  return ledger
}

function withoutMissing(blobs: Record<string, string> | undefined, missing: readonly string[]): Record<string, string> | undefined {
  if (!blobs) return undefined
  const out = Object.fromEntries(Object.entries(blobs).filter(([name]) => !missing.includes(name)))
  return Object.keys(out).length > 0 ? out : undefined
}

/** After a failure past the intent: put the pages back, and say in the error what the bucket holds now. */
async function putBack(storage: Storage, marked: LedgerVersion, options: ExecuteOptions, error: unknown): Promise<CdnDeployError> {
  const first = error instanceof CdnDeployError ? error : new CdnDeployError('deploy', (error as Error)?.message ?? String(error), { cause: error })
  try {
    const { restored } = await restorePending(storage, marked, options.concurrency ?? storage.flow, options.fence)
    return new CdnDeployError(
      first.scope,
      `${strip(first.message)}; the ${restored} page files this deploy had started to change were put back: the previous release is whole and served`,
      { cause: error },
    )
  } catch (restoreError) {
    const why = (restoreError as Error)?.message ?? String(restoreError)
    return new CdnDeployError(
      first.scope,
      `${strip(first.message)}; putting back the page files it had changed failed too (${strip(why)}): the next deploy does that first`,
      { cause: error },
    )
  }
}

const strip = (message: string) => message.replace(/^\[cdn-deploy\] \[[a-z0-9]+\] /, '')

/**
 * The ledger commit. When it fails, the ledger is read again: if it names our
 * release last, the commit landed and only its answer was lost (a retry then
 * met its own write: 412), so the release is live and the deploy goes on.
 */
async function commit(
  storage: Storage,
  ledger: Ledger,
  release: string,
  condition: LedgerCondition | undefined,
  fence: Fence | undefined,
): Promise<string | undefined> {
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

/**
 * All-or-nothing for pages. Before a deploy changes its first mutable file
 * (phase 2–3), it keeps the bytes of every version it will replace
 * (`<statePrefix>blobs/`, by server-side copy) and records its intent in the
 * ledger (`pending`: the release and the paths), with one conditional PUT.
 * If it then fails before its commit, it puts every one of those files back
 * (HTML first) and clears the intent; if it cannot (killed, its server gone),
 * the next deploy finds `pending` in the ledger, which it reads anyway, and does
 * it before anything else. The commit clears `pending` in the same PUT that
 * makes the release live, so "committed or not" never needs a second object.
 *
 * Why in the ledger and not in journal.json: the ledger is the one object every
 * run reads first, even a no-op one, so an interrupted deploy is noticed at no
 * extra request; and the PUT that records the intent is conditional on the
 * ledger version read under the lock, so it fences the start of the page writes
 * like the commit fences their end. The journal keeps only what phase 1 (new
 * hashed files, harmless if left) already uploaded.
 */
import { blobKey } from '../plan/blobs.js'
import { isHtml } from '../plan/content-type.js'
import { keyFor } from '../plan/paths.js'
import { blobName, type Ledger, type PendingChange, type PlannedBlob } from '../plan/types.js'
import type { Limit } from '../flow.js'
import { runPool } from '../pool.js'
import type { Fence, LedgerCondition, LedgerVersion, Storage } from '../storage/index.js'

/**
 * Store the blobs the plan needs. A live object that no longer holds the bytes
 * the ledger lists (changed by hand) cannot be kept: its name is returned, so
 * the commit does not list it, with a line saying the file could not be put back.
 */
export async function keepBlobs(
  storage: Storage,
  keep: readonly PlannedBlob[],
  concurrency: number | Limit,
  fence?: Fence,
): Promise<{ missing: string[]; warnings: string[] }> {
  const missing: string[] = []
  const warnings: string[] = []
  await runPool(keep, concurrency, async (blob) => {
    const head = await storage.head(blob.from)
    if (!head || head.sha256 !== blob.sha256) {
      missing.push(blob.name)
      warnings.push(
        `s3://${storage.bucket}/${blob.from} no longer holds the bytes the ledger lists (changed outside the tool): it could not be kept, so neither a failure nor a rollback can put that version back`,
      )
      return
    }
    // If-Match the version just checked: the copy is exactly those bytes.
    await storage.copyObject(blob.from, blob.key, undefined, { ifSourceMatch: head.etag, size: head.size, internal: true, ...(fence ? { fence } : {}) })
  })
  return { missing, warnings }
}

/**
 * Record the intent in the ledger (over the version read under the lock). A
 * failure whose answer may be lost is checked by reading the ledger again.
 */
export async function markPending(
  storage: Storage,
  base: Ledger,
  condition: LedgerCondition | undefined,
  change: PendingChange,
  blobs: Record<string, string> | undefined,
  fence?: Fence,
): Promise<LedgerVersion> {
  const ledger: Ledger = { ...base, ...(blobs ? { blobs } : {}), pending: change }
  try {
    const etag = await storage.writeLedger(ledger, condition, fence)
    return { ledger, ...(etag ? { etag } : {}) }
  } catch (error) {
    const now = await storage.readLedgerVersion().catch(() => undefined)
    if (now?.ledger.pending?.release === change.release && now.ledger.releases.at(-1)?.id === base.releases.at(-1)?.id) return now
    throw error
  }
}

/**
 * Put back every file a pending (uncommitted) change may have written: HTML
 * and entry documents first, so no page is left pointing at what the others
 * no longer hold; a file that was new is deleted. Then clear `pending`. A file
 * whose kept bytes are missing is left as it is, with a line. Throws (and the
 * intent stays for the next run) when the store fails.
 */
export async function restorePending(
  storage: Storage,
  read: LedgerVersion,
  concurrency: number | Limit,
  fence?: Fence,
): Promise<{ version: LedgerVersion; restored: number; warnings: string[] }> {
  const { ledger } = read
  const pending = ledger.pending
  if (!pending) return { version: read, restored: 0, warnings: [] }
  const warnings: string[] = []
  const pages = pending.rels.filter((rel) => isHtml(rel))
  const others = pending.rels.filter((rel) => !isHtml(rel))
  for (const group of [pages, others]) {
    await runPool(group, concurrency, async (rel) => {
      const key = keyFor(rel, storage.prefix)
      const previous = ledger.files[rel]
      if (!previous) {
        const result = await storage.deleteKeys([key], fence)
        for (const e of result.errors) throw new Error(`could not delete ${e.key}: ${e.code} ${e.message}`)
        return
      }
      const name = blobName(previous)
      if (!ledger.blobs?.[name]) {
        warnings.push(`${rel}: no kept copy of its previous version, left as it is`)
        return
      }
      // Its old headers, the `headers` rules' parameters included (Content-Disposition, metadata…).
      const headers = {
        contentType: previous.contentType,
        cacheControl: previous.cacheControl,
        sha256: previous.sha256,
        ...(previous.contentEncoding ? { contentEncoding: previous.contentEncoding } : {}),
        ...(previous.params ? { params: previous.params } : {}),
      }
      await storage.copyObject(blobKey(storage.statePrefix, name), key, headers, { size: previous.size, ...(fence ? { fence } : {}) })
    })
  }
  const { pending: _, ...cleared } = ledger
  const etag = await storage.writeLedger(cleared, read.etag ? { ifMatch: read.etag } : undefined, fence)
  return { version: { ledger: cleared, ...(etag ? { etag } : {}) }, restored: pending.rels.length, warnings }
}

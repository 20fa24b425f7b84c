/**
 * Ownership checks around writes and deletes: prune deletes a key only while it
 * holds what the tool wrote, and an object the tool did not write at a build
 * key is named before it is overwritten.
 */
import { CdnDeployError } from '../errors.js'
import type { DeployPlan, Ledger } from '../plan/types.js'
import type { Limit } from '../flow.js'
import { runPool } from '../pool.js'
import type { Fence, ObjectHead, Storage } from '../storage/index.js'

/** The line a foreign object at a build key gets, before it is overwritten. */
export const foreignLine = (storage: Storage, head: ObjectHead) =>
  `s3://${storage.bucket}/${head.key} held an object this tool did not write (${head.size} bytes${head.lastModified ? `, modified ${head.lastModified.toISOString()}` : ''}${head.sha256 ? `, sha256 ${head.sha256.slice(0, 12)}…` : ''}): replacing it with this build's file`

/**
 * The keys to prune that still hold what the tool wrote (HEAD: sha256 metadata,
 * or the ETag an adopted object had). One changed by someone else is left, with
 * a line; the committed ledger no longer lists it either way, so it is unowned.
 */
export async function stillOurs(storage: Storage, plan: DeployPlan, concurrency: number | Limit, warn: (line: string) => void): Promise<string[]> {
  const ours: string[] = []
  await runPool(plan.deletes, concurrency, async (key) => {
    const head = await storage.head(key)
    if (!head) return
    const want = plan.pruneChecks[key]
    if (want && (head.sha256 ? head.sha256 === want.sha256 : !!want.etag && head.etag === want.etag)) ours.push(key)
    else warn(`left s3://${storage.bucket}/${key}: it no longer holds what this tool wrote (changed by someone else), so it is not deleted and no longer owned`)
  })
  return ours.sort()
}

export interface PruneInput {
  storage: Storage
  plan: DeployPlan
  lanes: number | Limit
  fence: Fence | undefined
  /** The ledger as committed (with the purge's ids, if it ran), and its ETag. */
  ledger: Ledger
  etag: string | undefined
  /** The ledger the plan was made from: what it said of the keys to delete. */
  base: Ledger
  warn: (line: string) => void
}

/**
 * Step 6, after the commit: delete the owned keys past retention, fenced like
 * the page writes (a deploy stalled past its lock's lifetime here must not
 * delete files the next deploy's release serves again). The release is live,
 * so a failure is a warning, never a failed deploy, and the keys that could not
 * be deleted go back into the ledger as the release before listed them: the
 * next deploy past retention tries again rather than leaving them in the
 * bucket, unlisted, for good. Returns the keys deleted.
 */
export async function pruneAfterCommit(input: PruneInput): Promise<string[]> {
  const { storage, plan, warn } = input
  let ours = plan.deletes
  let deleted: string[] = []
  try {
    ours = await stillOurs(storage, plan, input.lanes, warn)
    const result = await storage.deleteKeys(ours, input.fence)
    deleted = result.deleted
    for (const e of result.errors) warn(`could not delete ${e.key}: ${e.code} ${e.message}`)
  } catch (error) {
    warn(`could not delete ${ours[0]}${ours.length > 1 ? ` and ${ours.length - 1} more` : ''}: ${(error as Error).message}`)
    // The lock is lost: the ledger is the next deploy's now, and it decides what it owns.
    if (error instanceof CdnDeployError && error.scope === 'lock') return deleted
  }
  const gone = new Set(deleted)
  const left = ours
    .filter((key) => !gone.has(key))
    .map((key) => key.slice(plan.prefix.length))
    .filter((rel) => input.base.files[rel])
  if (left.length === 0) return deleted
  const files = { ...input.ledger.files }
  for (const rel of left) files[rel] = input.base.files[rel]!
  try {
    await storage.writeLedger({ ...input.ledger, files }, input.etag ? { ifMatch: input.etag } : undefined, input.fence)
  } catch (error) {
    warn(`could not list the ${left.length} files left undeleted in the ledger again (${(error as Error).message}): they stay in the bucket, no longer owned`)
  }
  return deleted
}

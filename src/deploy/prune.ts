/**
 * Ownership checks around writes and deletes: prune deletes a key only while it
 * holds what the tool wrote, and an object the tool did not write at a build
 * key is named before it is overwritten.
 */
import type { DeployPlan } from '../plan/types.js'
import type { Limit } from '../flow.js'
import { runPool } from '../pool.js'
import type { ObjectHead, Storage } from '../storage/index.js'

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

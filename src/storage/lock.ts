/**
 * The deploy lock, `<prefix>.cdn-deploy/lock`: a small JSON object created with a
 * conditional PUT (`If-None-Match: *`), so two deploys of the same prefix cannot
 * both run. An expired lock (its holder died) is taken over with `If-Match` on
 * the ETag read, so two deploys taking over at once cannot both win.
 *
 * What the test servers do (checked in test/integration/storage.test.ts):
 * - moto 5.x honours both: `If-None-Match: *` on an existing key → 412
 *   PreconditionFailed; `If-Match` with a stale ETag → 412; `If-Match` on a
 *   missing key → 404 NoSuchKey. Same as AWS S3 (conditional writes, 2024).
 * - s3rver 3.7 ignores both on PUT (it only reads If-None-Match on GET): every
 *   conditional PUT succeeds and overwrites. We detect that with a second
 *   conditional PUT (it must fail) and report `conditionalWrites: false`; the
 *   lock is then only a read-check-write (racy), and the caller should warn.
 */
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { CdnDeployError } from '../errors.js'
import { LOCK_KEY } from '../plan/types.js'
import type { StorageContext } from './client.js'
import { errorCode, httpStatus, isNotFound, isPreconditionFailed } from './errors.js'
import { internalAcl } from './ledger.js'
import { getText } from './objects.js'

export interface LockInfo {
  owner: string
  host: string
  pid: number
  /** Random id of this acquisition; release only deletes a lock carrying it. */
  token: string
  /** ISO times. */
  acquired: string
  expires: string
}

export interface LockHandle {
  key: string
  token: string
  /** The lock's contents as last written (renewLock moves `expires`). */
  info: LockInfo
  /**
   * False when the store ignored a conditional write: the lock then cannot stop
   * two deploys racing each other. Warn the user once.
   */
  conditionalWrites: boolean
  /** The expired lock this acquisition replaced. */
  tookOver?: LockInfo
}

export function lockKey(prefix: string): string {
  return `${prefix}${LOCK_KEY}`
}

function parseLock(body: string): LockInfo | undefined {
  try {
    const v = JSON.parse(body) as Partial<LockInfo> | null
    const valid = v && typeof v.owner === 'string' && typeof v.token === 'string' && Number.isFinite(Date.parse(String(v.expires)))
    return valid ? (v as LockInfo) : undefined
  } catch {
    return undefined
  }
}

function heldError(ctx: StorageContext, key: string, held: LockInfo | undefined, expiresAt: number): CdnDeployError {
  const mins = Math.max(1, Math.ceil((expiresAt - Date.now()) / 60_000))
  const who = held ? `${held.owner} on ${held.host} (pid ${held.pid}) since ${held.acquired}` : 'an unreadable lock object'
  return new CdnDeployError(
    'lock',
    `another deploy holds s3://${ctx.bucket}/${key}: ${who}, expires ${new Date(expiresAt).toISOString()} (in ${mins} min). ` +
      'Wait for it to finish, or delete the lock object if that deploy died.',
  )
}

/** Conditional write outcome that means "someone else got there first": look again. */
function lostRace(err: unknown, usedIfMatch: boolean): boolean {
  return isPreconditionFailed(err) || errorCode(err) === 'ConditionalRequestConflict' || (usedIfMatch && isNotFound(err))
}

const notImplemented = (err: unknown) => errorCode(err) === 'NotImplemented' || httpStatus(err) === 501

type Condition = { IfNoneMatch: '*' } | { IfMatch: string } | Record<string, never>

export async function acquireLock(ctx: StorageContext, owner: string, ttlMs: number): Promise<LockHandle> {
  const key = lockKey(ctx.prefix)
  const put = (body: string, condition: Condition) =>
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html (conditional writes:
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html)
    ctx.client.send(
      new PutObjectCommand({
        Bucket: ctx.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/json; charset=utf-8',
        CacheControl: 'no-store',
        ...internalAcl(ctx),
        ...condition,
      }),
    )

  // Turned off when the store answers 501 to a conditional header at all.
  let conditions = true
  for (let round = 0; round < 5; round++) {
    // Read first: a store that ignores conditions must still not clobber a live lock.
    const current = await getText(ctx, key)
    let tookOver: LockInfo | undefined
    let condition: Condition = conditions ? { IfNoneMatch: '*' } : {}
    if (current) {
      const held = parseLock(current.body)
      const expiresAt = held ? Date.parse(held.expires) : (current.lastModified?.getTime() ?? Date.now()) + ttlMs
      if (!(expiresAt <= Date.now())) throw heldError(ctx, key, held, expiresAt)
      tookOver = held
      if (conditions) condition = current.etag ? { IfMatch: current.etag } : {}
    }
    const now = Date.now()
    const info: LockInfo = {
      owner,
      host: hostname(),
      pid: process.pid,
      token: randomUUID(),
      acquired: new Date(now).toISOString(),
      expires: new Date(now + ttlMs).toISOString(),
    }
    const body = `${JSON.stringify(info, null, 2)}\n`
    try {
      await put(body, condition)
    } catch (err) {
      const usedIfMatch = 'IfMatch' in condition
      if (lostRace(err, usedIfMatch)) continue
      if (usedIfMatch && notImplemented(err)) {
        // Store without If-Match on PUT: drop the expired lock, then create it with If-None-Match.
        await deleteLockObject(ctx, key)
        continue
      }
      if ('IfNoneMatch' in condition && notImplemented(err)) {
        conditions = false
        continue
      }
      throw ctx.fail(err, 'PutObject', key)
    }

    // Probe: the same conditional create again must fail now that the key exists.
    let conditionalWrites = false
    if (conditions) {
      try {
        await put(body, { IfNoneMatch: '*' })
      } catch (err) {
        if (!lostRace(err, false) && !notImplemented(err)) throw ctx.fail(err, 'PutObject', key)
        conditionalWrites = lostRace(err, false)
      }
    }
    if (!conditionalWrites) {
      // Best effort without conditions: make sure our write is the one that stayed.
      const after = await getText(ctx, key)
      const holder = after ? parseLock(after.body) : undefined
      if (holder && holder.token !== info.token) throw heldError(ctx, key, holder, Date.parse(holder.expires))
    }
    return { key, token: info.token, info, conditionalWrites, ...(tookOver ? { tookOver } : {}) }
  }
  throw new CdnDeployError('lock', `could not take s3://${ctx.bucket}/${key}: other deploys kept changing it; try again`)
}

async function deleteLockObject(ctx: StorageContext, key: string): Promise<void> {
  try {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html
    await ctx.client.send(new DeleteObjectCommand({ Bucket: ctx.bucket, Key: key }))
  } catch (err) {
    throw ctx.fail(err, 'DeleteObject', key)
  }
}

/**
 * Release a lock taken by `acquireLock`. Deletes it only if it still carries our
 * token; returns false when it was gone or taken over (our deploy outlived the TTL).
 */
export async function releaseLock(ctx: StorageContext, lock: LockHandle | string): Promise<boolean> {
  const token = typeof lock === 'string' ? lock : lock.token
  const key = lockKey(ctx.prefix)
  const current = await getText(ctx, key)
  if (!current || parseLock(current.body)?.token !== token) return false
  await deleteLockObject(ctx, key)
  return true
}

/**
 * Extend our lock while the deploy runs (a heartbeat), so the lock can be short
 * (a dead deploy blocks others for minutes, not half an hour) without expiring
 * under a long upload. Throws `[lock]` if the lock is no longer ours: another
 * deploy took it over, and this one must not commit.
 */
export async function renewLock(ctx: StorageContext, lock: LockHandle, ttlMs: number): Promise<void> {
  const key = lockKey(ctx.prefix)
  const current = await getText(ctx, key)
  const held = current ? parseLock(current.body) : undefined
  if (!current || held?.token !== lock.token) {
    throw new CdnDeployError('lock', `lost s3://${ctx.bucket}/${key}: ${held ? `taken over by ${held.owner} on ${held.host}` : 'it was deleted'}; stopping before the commit so the two deploys do not mix`)
  }
  const info: LockInfo = { ...lock.info, expires: new Date(Date.now() + ttlMs).toISOString() }
  try {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html (If-Match: only over our own lock)
    await ctx.client.send(
      new PutObjectCommand({
        Bucket: ctx.bucket,
        Key: key,
        Body: `${JSON.stringify(info, null, 2)}\n`,
        ContentType: 'application/json; charset=utf-8',
        CacheControl: 'no-store',
        ...internalAcl(ctx),
        ...(lock.conditionalWrites && current.etag ? { IfMatch: current.etag } : {}),
      }),
    )
  } catch (err) {
    if (lostRace(err, true)) throw new CdnDeployError('lock', `lost s3://${ctx.bucket}/${key} while renewing it; stopping before the commit`, { cause: err })
    throw ctx.fail(err, 'PutObject', key)
  }
  lock.info = info
}

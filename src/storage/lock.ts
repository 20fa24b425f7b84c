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
 *   DeleteObject with a stale `If-Match` → 412 too (AWS: general purpose buckets).
 * - s3rver 3.7 ignores all three (it only reads If-None-Match on GET): every
 *   conditional PUT succeeds and overwrites. We detect that with a second
 *   conditional PUT (it must fail) and report `conditionalWrites: false`; the
 *   lock is then only a read-check-write (racy), and the caller should warn.
 *
 * Requests, when the caller knows the store honours conditions (the ledger's
 * hint): acquire = 1 PUT, release = 1 DELETE (If-Match on our own ETag), renew
 * = 1 PUT (If-Match). Without the hint: acquire = GET + PUT + probe PUT, release
 * = GET + DELETE, renew = GET + PUT. A failed condition always falls back to a
 * read, so a wrong hint costs requests, not safety — except on a store that
 * silently ignores the header, which is why the hint is tied to the endpoint
 * it was learned on.
 */
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { DeleteObjectCommand } from '@aws-sdk/client-s3'
import { CdnDeployError } from '../errors.js'
import { LOCK_KEY } from '../plan/types.js'
import type { StorageContext } from './client.js'
import { errorCode, httpStatus, isNotFound, isPreconditionFailed } from './errors.js'
import { putJson } from './ledger.js'
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
  /** The lifetime asked for; a renewal extends the lock by as much. */
  ttlMs: number
  /**
   * ETag of the lock object as we last wrote it (acquire, renew): on a store
   * that honours conditions, `If-Match` on it renews or deletes the lock only
   * while it is exactly ours, without reading it first.
   */
  etag?: string
  /**
   * False when the store ignored a conditional write: the lock then cannot stop
   * two deploys racing each other. Warn the user once.
   */
  conditionalWrites: boolean
  /**
   * This acquisition saw how the store answers a condition that had to fail
   * (the probe, a 412 or a 501), so `conditionalWrites` is fresh knowledge, not
   * the caller's hint taken on trust.
   */
  checked: boolean
  /** The expired lock this acquisition replaced. */
  tookOver?: LockInfo
}

export interface AcquireOptions {
  /**
   * The store is known to honour conditional writes (the ledger's hint for this
   * endpoint): create the lock with one `If-None-Match: *` PUT and read it only
   * if that fails. Without it the lock is read first and the store probed: on a
   * store that ignores the condition, a blind PUT would overwrite a live lock.
   */
  conditionalWrites?: boolean
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

function newInfo(owner: string, ttlMs: number): LockInfo {
  const now = Date.now()
  return {
    owner,
    host: hostname(),
    pid: process.pid,
    token: randomUUID(),
    acquired: new Date(now).toISOString(),
    expires: new Date(now + ttlMs).toISOString(),
  }
}

/** One PUT of the lock object; returns its new ETag. Errors are the SDK's (callers tell races apart). */
const putLock = (ctx: StorageContext, key: string, info: LockInfo, condition: Condition): Promise<string | undefined> => putJson(ctx, key, info, condition)

export async function acquireLock(ctx: StorageContext, owner: string, ttlMs: number, options: AcquireOptions = {}): Promise<LockHandle> {
  const key = lockKey(ctx.prefix)
  const handle = (info: LockInfo, etag: string | undefined, conditionalWrites: boolean, checked: boolean, tookOver?: LockInfo): LockHandle => ({
    key, token: info.token, info, ttlMs, ...(etag ? { etag } : {}), conditionalWrites, checked, ...(tookOver ? { tookOver } : {}),
  })
  // A condition that failed proves the store honours them: no probe needed then.
  let proven = false
  // Turned off when the store answers 501 to a conditional header at all.
  let conditions = true

  if (options.conditionalWrites) {
    // The common case, one request: nobody holds the lock. A 412 only means "look at it".
    const info = newInfo(owner, ttlMs)
    try {
      return handle(info, await putLock(ctx, key, info, { IfNoneMatch: '*' }), true, false)
    } catch (err) {
      if (lostRace(err, false)) proven = true
      else if (notImplemented(err)) conditions = false // the hint is stale: the careful path below
      else throw ctx.fail(err, 'PutObject', key)
    }
  }

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
    const info = newInfo(owner, ttlMs)
    let etag: string | undefined
    try {
      etag = await putLock(ctx, key, info, condition)
    } catch (err) {
      const usedIfMatch = 'IfMatch' in condition
      if (lostRace(err, usedIfMatch)) {
        proven = true
        continue
      }
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
    let conditionalWrites = proven && conditions
    if (conditions && !proven) {
      try {
        await putLock(ctx, key, info, { IfNoneMatch: '*' })
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
      etag = after?.etag ?? etag
    }
    return handle(info, etag, conditionalWrites, true, tookOver)
  }
  throw new CdnDeployError('lock', `could not take s3://${ctx.bucket}/${key}: other deploys kept changing it; try again`)
}

/** Delete the lock object. With `ifMatch`, errors are the SDK's, so the caller can tell a 412 apart. */
async function deleteLockObject(ctx: StorageContext, key: string, ifMatch?: string): Promise<void> {
  try {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html (If-Match: 412 unless the ETag is current)
    await ctx.client.send(new DeleteObjectCommand({ Bucket: ctx.bucket, Key: key, ...(ifMatch ? { IfMatch: ifMatch } : {}) }))
  } catch (err) {
    throw ifMatch ? err : ctx.fail(err, 'DeleteObject', key)
  }
}

/**
 * While this holds, nobody can have taken our lock over: takeovers wait for
 * `expires`, and a third of the lifetime is left (the margin absorbs clock skew
 * between machines up to that much). Together with `If-Match` on our own ETag,
 * which the store checks where it supports it, a release then needs no read.
 */
function surelyOurs(lock: LockHandle): boolean {
  return lock.conditionalWrites && !!lock.etag && Date.now() < Date.parse(lock.info.expires) - lock.ttlMs / 3
}

/**
 * Release a lock taken by `acquireLock`. Deletes it only if it still carries our
 * token; returns false when it was gone or taken over (our deploy outlived the TTL).
 */
export async function releaseLock(ctx: StorageContext, lock: LockHandle | string): Promise<boolean> {
  const key = lockKey(ctx.prefix)
  const handle = typeof lock === 'string' ? undefined : lock
  if (handle && surelyOurs(handle)) {
    try {
      await deleteLockObject(ctx, key, handle.etag)
      return true
    } catch (err) {
      if (isNotFound(err)) return false
      // 412: not the version we wrote (a renewal whose answer was lost, or someone
      // else's lock). Anything else (no conditional deletes on this store, a blip):
      // a lock left behind would block the next deploy, so look, as below.
    }
  }
  const token = handle?.token ?? (lock as string)
  const current = await getText(ctx, key)
  if (!current || parseLock(current.body)?.token !== token) return false
  await deleteLockObject(ctx, key)
  return true
}

/**
 * Extend our lock while the deploy runs (a heartbeat), so the lock can be short
 * (a dead deploy blocks others for minutes, not half an hour) without expiring
 * under a long upload. Throws `[lock]` if the lock is no longer ours: another
 * deploy took it over, and this one must not commit. Where the store honours
 * conditions, one PUT with `If-Match` on our last ETag; a 412 is then checked
 * with a read (it may be our own renewal whose answer was lost).
 */
export async function renewLock(ctx: StorageContext, lock: LockHandle, ttlMs: number): Promise<void> {
  const key = lockKey(ctx.prefix)
  const info: LockInfo = { ...lock.info, expires: new Date(Date.now() + ttlMs).toISOString() }
  let ifMatch = lock.conditionalWrites
  if (ifMatch && lock.etag) {
    try {
      lock.etag = await putLock(ctx, key, info, { IfMatch: lock.etag })
      lock.info = info
      return
    } catch (err) {
      if (notImplemented(err)) ifMatch = false
      else if (!lostRace(err, true)) throw ctx.fail(err, 'PutObject', key)
    }
  }
  const current = await getText(ctx, key)
  const held = current ? parseLock(current.body) : undefined
  if (!current || held?.token !== lock.token) {
    throw new CdnDeployError('lock', `lost s3://${ctx.bucket}/${key}: ${held ? `taken over by ${held.owner} on ${held.host}` : 'it was deleted'}; stopping before the commit so the two deploys do not mix`)
  }
  try {
    // If-Match: only over our own lock, as just read.
    lock.etag = await putLock(ctx, key, info, ifMatch && current.etag ? { IfMatch: current.etag } : {})
  } catch (err) {
    if (lostRace(err, true)) throw new CdnDeployError('lock', `lost s3://${ctx.bucket}/${key} while renewing it; stopping before the commit`, { cause: err })
    throw ctx.fail(err, 'PutObject', key)
  }
  lock.info = info
}

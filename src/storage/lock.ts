/**
 * The deploy lock, `<prefix>.cdn-deploy/lock`: a small JSON object holding a
 * random token. Acquire reads it, then creates it with `If-None-Match: *` (none
 * there) or replaces an expired one with `If-Match` on the ETag read, so two
 * deploys starting or taking over at once cannot both win. Renew and release
 * read it first and act only on a lock carrying our token.
 *
 * A store that ignores conditional writes (s3rver 3.7 does; AWS S3 and moto 5
 * honour them: 412 PreconditionFailed, or 404 for `If-Match` on a missing key)
 * makes this a read-check-write that two deploys can race; `cdn-deploy status`
 * probes the store and says so. A store that answers 501 to the condition gets
 * the same read-check-write without it.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 */
import { createHash, randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { DeleteObjectCommand } from './sdk.js'
import { CdnDeployError } from '../errors.js'
import type { StorageContext } from './client.js'
import { errorCode, httpStatus, isNotFound, isPreconditionFailed } from './errors.js'
import { putJson } from './ledger.js'
import { getText } from './objects.js'

/**
 * The lock object. No user name or host name: `host` is a hash of the host
 * name, enough to tell "a process on this machine" (whose death can be checked)
 * from any other; `owner` is a label only when the user sets one
 * (`CDN_DEPLOY_OWNER`).
 */
export interface LockInfo {
  owner?: string
  /** sha256 of the host name, 16 hex digits. */
  host: string
  pid: number
  /** Random id of this acquisition; renew and release only touch a lock carrying it. */
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
  /** The lock this acquisition replaced: expired, or its holder a dead process on this machine. */
  tookOver?: LockInfo & { reason: 'expired' | 'dead' }
}

/**
 * What a lock GET is sized for (its deadline): a lock object is a few hundred
 * bytes, and a renewal whose GET hangs must give up well within the lock's lifetime.
 */
const LOCK_BYTES = 64 * 1024

export function lockKey(statePrefix: string): string {
  return `${statePrefix}lock`
}

/** This machine in lock objects: a hash of the host name (the name itself is not written). */
export function hostId(name = hostname()): string {
  return createHash('sha256').update(name).digest('hex').slice(0, 16)
}

export function parseLock(body: string): LockInfo | undefined {
  try {
    const v = JSON.parse(body) as Partial<LockInfo> | null
    const valid = v && typeof v.token === 'string' && Number.isFinite(Date.parse(String(v.expires)))
    return valid ? (v as LockInfo) : undefined
  } catch {
    return undefined
  }
}

function heldError(ctx: StorageContext, key: string, held: LockInfo | undefined, expiresAt: number): CdnDeployError {
  const mins = Math.max(1, Math.ceil((expiresAt - Date.now()) / 60_000))
  const who = held ? `${describeHolder(held)} since ${held.acquired}` : 'an unreadable lock object'
  return new CdnDeployError(
    'lock',
    `another deploy holds s3://${ctx.bucket}/${key}: ${who}, expires ${new Date(expiresAt).toISOString()} (in ${mins} min). ` +
      'Wait for it to finish, or run `cdn-deploy unlock` if that deploy died.',
  )
}

/** `CI run 42 on host 1a2b… (pid 7)`, or `a deploy on host … (pid 7)` without a label. */
export function describeHolder(held: LockInfo): string {
  return `${held.owner ?? 'a deploy'} on host ${held.host} (pid ${held.pid})`
}

/** A conditional write that lost to another writer: look again. */
const lostRace = (err: unknown, usedIfMatch: boolean) =>
  isPreconditionFailed(err) || errorCode(err) === 'ConditionalRequestConflict' || (usedIfMatch && isNotFound(err))

const notImplemented = (err: unknown) => errorCode(err) === 'NotImplemented' || httpStatus(err) === 501

type Condition = { IfNoneMatch: '*' } | { IfMatch: string } | Record<string, never>

/** One conditional PUT of the lock; a store that answers 501 to the condition gets it without. Errors are the SDK's. */
async function putLock(ctx: StorageContext, key: string, info: LockInfo, condition: Condition): Promise<void> {
  try {
    await putJson(ctx, key, info, condition)
  } catch (err) {
    if (!notImplemented(err) || Object.keys(condition).length === 0) throw err
    await putJson(ctx, key, info, {})
  }
}

/** Whether `pid` is a running process on this machine (EPERM: it runs, under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The holder is a process of this machine that no longer runs (a deploy killed with -9): its lock protects nothing. */
export function holderIsDead(held: LockInfo): boolean {
  return held.host === hostId() && held.pid !== process.pid && Number.isInteger(held.pid) && held.pid > 0 && !processAlive(held.pid)
}

/**
 * Take the lock: read it; none → create it (`If-None-Match: *`); expired, or
 * held by a dead process on this machine → replace it (`If-Match` its ETag);
 * else fail naming the holder. A failed condition means another writer, or our
 * own PUT whose answer was lost (and retried): the next read tells them apart
 * by the token, which stays the same across rounds.
 */
export async function acquireLock(ctx: StorageContext, owner: string | undefined, ttlMs: number): Promise<LockHandle> {
  const key = lockKey(ctx.statePrefix)
  const token = randomUUID()
  for (let round = 0; round < 5; round++) {
    const current = await getText(ctx, key, LOCK_BYTES)
    let tookOver: LockHandle['tookOver']
    let condition: Condition = { IfNoneMatch: '*' }
    if (current) {
      const held = parseLock(current.body)
      if (held?.token === token) return { key, token, info: held, ttlMs } // ours: the answer to our PUT was lost
      const expiresAt = held ? Date.parse(held.expires) : (current.lastModified?.getTime() ?? Date.now()) + ttlMs
      const dead = !!held && holderIsDead(held)
      if (!(expiresAt <= Date.now()) && !dead) throw heldError(ctx, key, held, expiresAt)
      if (held) tookOver = { ...held, reason: dead ? 'dead' : 'expired' }
      condition = current.etag ? { IfMatch: current.etag } : {}
    }
    const now = Date.now()
    const info: LockInfo = {
      ...(owner ? { owner } : {}),
      host: hostId(),
      pid: process.pid,
      token,
      acquired: new Date(now).toISOString(),
      expires: new Date(now + ttlMs).toISOString(),
    }
    try {
      await putLock(ctx, key, info, condition)
    } catch (err) {
      if (lostRace(err, 'IfMatch' in condition)) continue
      throw ctx.fail(err, 'PutObject', key)
    }
    return { key, token, info, ttlMs, ...(tookOver ? { tookOver } : {}) }
  }
  throw new CdnDeployError('lock', `could not take s3://${ctx.bucket}/${key}: other deploys kept changing it; try again`)
}

/** Delete the lock object, `If-Match` its ETag where the store supports it. */
async function deleteLockObject(ctx: StorageContext, key: string, ifMatch: string | undefined): Promise<void> {
  try {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html (If-Match: 412 unless the ETag is current)
    const send = (condition: { IfMatch?: string }) =>
      ctx.send((abortSignal) => ctx.client.send(new DeleteObjectCommand({ Bucket: ctx.bucket, Key: key, ...condition }), { abortSignal }))
    await send(ifMatch ? { IfMatch: ifMatch } : {}).catch((err: unknown) => {
      if (ifMatch && notImplemented(err)) return send({})
      throw err
    })
  } catch (err) {
    if (isNotFound(err)) return
    throw ctx.fail(err, 'DeleteObject', key)
  }
}

/**
 * Release a lock taken by `acquireLock`: delete it only if it still carries our
 * token; false when it was gone or taken over (our deploy outlived its lifetime).
 */
export async function releaseLock(ctx: StorageContext, lock: LockHandle | string): Promise<boolean> {
  const key = lockKey(ctx.statePrefix)
  const token = typeof lock === 'string' ? lock : lock.token
  const current = await getText(ctx, key, LOCK_BYTES)
  if (!current || parseLock(current.body)?.token !== token) return false
  await deleteLockObject(ctx, key, current.etag)
  return true
}

/**
 * Extend our lock while the deploy runs (a heartbeat), so the lock can be short
 * (a dead deploy blocks others for minutes) without expiring under a long
 * upload. Throws `[lock]` if the lock is no longer ours: another deploy took it
 * over, and this one must not write on.
 */
export async function renewLock(ctx: StorageContext, lock: LockHandle, ttlMs: number): Promise<void> {
  const key = lockKey(ctx.statePrefix)
  const info: LockInfo = { ...lock.info, expires: new Date(Date.now() + ttlMs).toISOString() }
  const current = await getText(ctx, key, LOCK_BYTES)
  const held = current ? parseLock(current.body) : undefined
  if (!current || held?.token !== lock.token) {
    throw new CdnDeployError(
      'lock',
      `lost s3://${ctx.bucket}/${key}: ${held ? `taken over by ${describeHolder(held)}` : 'it was deleted'}; stopping before the commit so the two deploys do not mix`,
    )
  }
  try {
    await putLock(ctx, key, info, current.etag ? { IfMatch: current.etag } : {})
  } catch (err) {
    if (!lostRace(err, true)) throw ctx.fail(err, 'PutObject', key)
    // A failed condition is another writer, or our own PUT whose answer was lost and was retried: it is ours if it holds this renewal.
    const now = await getText(ctx, key, LOCK_BYTES)
    const held = now ? parseLock(now.body) : undefined
    if (held?.token !== lock.token || held.expires !== info.expires)
      throw new CdnDeployError('lock', `lost s3://${ctx.bucket}/${key} while renewing it; stopping before the commit`, { cause: err })
  }
  lock.info = info
}

/**
 * Whether the store honours `If-None-Match: *` on PUT (for `cdn-deploy status`):
 * a scratch object next to the lock is created twice, and the second create must
 * fail with 412 (or 409). A store that ignores the condition lets two deploys
 * race for the lock. The scratch object is removed either way.
 */
export async function probeConditionalWrites(ctx: StorageContext): Promise<boolean> {
  const key = `${lockKey(ctx.statePrefix)}-probe-${randomUUID()}`
  try {
    await putJson(ctx, key, { probe: true }, { IfNoneMatch: '*' })
    try {
      await putJson(ctx, key, { probe: true }, { IfNoneMatch: '*' })
      return false
    } catch (err) {
      if (lostRace(err, false)) return true
      if (notImplemented(err)) return false
      throw err
    }
  } catch (err) {
    throw ctx.fail(err, 'PutObject', key)
  } finally {
    await deleteLockObject(ctx, key, undefined).catch(() => {})
  }
}

/** The lock as stored (for `cdn-deploy unlock`): its contents (undefined when unreadable) and ETag; undefined when there is none. */
export async function readLock(ctx: StorageContext): Promise<{ info: LockInfo | undefined; etag: string | undefined } | undefined> {
  const current = await getText(ctx, lockKey(ctx.statePrefix), LOCK_BYTES)
  return current ? { info: parseLock(current.body), etag: current.etag } : undefined
}

/** Remove the lock, `If-Match` the version shown to the user (a lock taken meanwhile is left alone where the store honours it). */
export async function removeLock(ctx: StorageContext, etag: string | undefined): Promise<void> {
  await deleteLockObject(ctx, lockKey(ctx.statePrefix), etag)
}

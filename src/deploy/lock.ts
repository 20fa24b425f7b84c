/**
 * The deploy's side of the lock (the storage side is src/storage/lock.ts):
 * keeping it while the deploy runs (the heartbeat) and what the commit must
 * find (a conditional commit).
 */
import { CdnDeployError } from '../errors.js'
import type { LedgerCondition, LedgerVersion, LockHandle, Storage } from '../storage/index.js'

/**
 * The commit must find the ledger this deploy planned from: a deploy that lost
 * its lock without noticing (a stall past the lifetime, between two renewals)
 * then fails instead of overwriting the release of the one that took over.
 */
export function commitCondition(read: LedgerVersion | undefined): LedgerCondition | undefined {
  if (!read) return { ifNoneMatch: '*' }
  return read.etag ? { ifMatch: read.etag } : undefined
}

export interface Heartbeat {
  /** Aborted with the `[lock]` error when the lock turns out to be someone else's (or when `outer` aborts). */
  signal: AbortSignal
  /** Stop renewing; resolves once a renewal in flight has settled. */
  stop(): Promise<void>
}

/**
 * Renew the lock every third of its lifetime. If it turns out to be someone
 * else's (taken over after a stall), abort: this deploy must not commit over
 * theirs. A failed renewal for any other reason (a network blip) is retried by
 * the next beat; the lock still has two thirds of its life.
 */
export function startHeartbeat(storage: Storage, lock: LockHandle, ttl: number, outer?: AbortSignal): Heartbeat {
  const controller = new AbortController()
  const onAbort = () => controller.abort(outer?.reason)
  outer?.addEventListener('abort', onAbort, { once: true })
  let inflight: Promise<void> | undefined
  const timer = setInterval(() => {
    if (inflight) return
    inflight = storage.renewLock(lock, ttl).then(
      () => void (inflight = undefined),
      (error: unknown) => {
        inflight = undefined
        if (error instanceof CdnDeployError && error.scope === 'lock') controller.abort(error)
      },
    )
  }, Math.max(250, Math.floor(ttl / 3)))
  timer.unref()
  return {
    signal: controller.signal,
    async stop() {
      clearInterval(timer)
      outer?.removeEventListener('abort', onAbort)
      await inflight
    },
  }
}

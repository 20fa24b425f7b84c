/**
 * The deploy's side of the lock (the storage side is src/storage/lock.ts):
 * keeping it while the deploy runs (the heartbeat) and what the commit must
 * find (a conditional commit).
 */
import { CdnDeployError } from '../errors.js'
import type { Fence, LedgerCondition, LedgerVersion, LockHandle, Storage } from '../storage/index.js'

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
  /**
   * The fence of mutable writes: resolves (with the longest deadline the attempt
   * may have) only when the lock is confirmed ours with lifetime to spare,
   * renewing it first if its last confirmation is older than a third of its
   * lifetime; throws `[lock]` otherwise.
   */
  fence: Fence
  /** Stop renewing; resolves once a renewal in flight has settled. */
  stop(): Promise<void>
}

/**
 * Keep the lock while the deploy runs: renew it every third of its lifetime,
 * and on demand before each mutable write (the fence). One renewal in flight is
 * shared by the timer and every writer waiting on it. If the lock turns out to
 * be someone else's (taken over after a stall), abort: this deploy must not
 * write on. A renewal that fails for another reason (a network blip) is tried
 * again by the next beat or fence.
 *
 * Why the fence: a deploy paused past its lock's lifetime (a suspended CI
 * runner) wakes up with its timers late; without a fresh confirmation it would
 * overwrite the HTML of the deploy that took its lock over meanwhile.
 */
export function startHeartbeat(storage: Storage, lock: LockHandle, ttl: number, outer?: AbortSignal): Heartbeat {
  const controller = new AbortController()
  const onAbort = () => controller.abort(outer?.reason)
  outer?.addEventListener('abort', onAbort, { once: true })
  /** When the last successful acquire or renewal was sent: the lock lives until this + ttl at least. */
  let confirmedAt = Date.parse(lock.info.acquired)
  // Room for clock skew between machines and for the write's answer to come back.
  const margin = Math.min(5_000, ttl / 10)
  let inflight: Promise<void> | undefined
  const renew = (): Promise<void> =>
    (inflight ??= (async () => {
      const sent = Date.now()
      try {
        await storage.renewLock(lock, ttl)
        confirmedAt = sent
      } catch (error) {
        if (error instanceof CdnDeployError && error.scope === 'lock') controller.abort(error)
        throw error
      } finally {
        inflight = undefined
      }
    })())
  const timer = setInterval(() => void renew().catch(() => {}), Math.max(250, Math.floor(ttl / 3)))
  timer.unref()
  const left = () => confirmedAt + ttl - margin - Date.now()
  return {
    signal: controller.signal,
    async fence(deadlineMs) {
      controller.signal.throwIfAborted()
      if (Date.now() - confirmedAt > ttl / 3 || left() < deadlineMs) await renew()
      controller.signal.throwIfAborted()
      const room = left()
      if (room <= 0) throw new CdnDeployError('lock', `${lock.key}: the lock could not be confirmed in time; stopping before the next write`)
      return Math.min(deadlineMs, room)
    },
    async stop() {
      clearInterval(timer)
      outer?.removeEventListener('abort', onAbort)
      await inflight?.catch(() => {})
    },
  }
}

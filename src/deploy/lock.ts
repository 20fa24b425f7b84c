/**
 * The deploy's side of the lock (the storage side is src/storage/lock.ts): which
 * way to take it (the ledger's store hint), keeping it while the deploy runs (the
 * heartbeat), what the commit must find (a conditional commit), and what the
 * next deploy should know about the store.
 */
import { CdnDeployError } from '../errors.js'
import type { Ledger } from '../plan/types.js'
import type { LedgerCondition, LedgerVersion, LockHandle, Storage } from '../storage/index.js'

/**
 * How long the ledger's `store` hint is trusted. A store that stops honouring
 * conditional writes behind the same endpoint would let a blind lock PUT
 * overwrite a live lock, and nothing else shows it; so the hint is checked
 * again (the lock's probe: two requests) on the first deploy after this.
 */
export const STORE_HINT_MAX_AGE_MS = 24 * 60 * 60 * 1000

/**
 * The ledger's hint that this store honours conditional writes: learned on the
 * endpoint this deploy talks to (a copied bucket gets none), and recently.
 */
export function conditionalWritesHint(ledger: Ledger | undefined, origin: string | undefined): boolean {
  const hint = ledger?.store
  if (!origin || hint?.endpoint !== origin || hint.conditionalWrites !== true) return false
  const age = Date.now() - Date.parse(hint.checked)
  return age >= 0 && age < STORE_HINT_MAX_AGE_MS
}

/**
 * What this deploy learned about the store, for the next one. A lock taken on
 * the hint's word learned nothing new: the hint keeps its `checked` time.
 */
export function storeHint(storage: Storage, lock: LockHandle, previous: Ledger): Ledger['store'] {
  if (!storage.origin) return previous.store
  const checked = lock.checked ? new Date().toISOString() : previous.store?.checked
  return checked ? { endpoint: storage.origin, conditionalWrites: lock.conditionalWrites, checked } : previous.store
}

/**
 * The commit must find the ledger this deploy planned from: a deploy that lost
 * its lock without noticing (a stall past the lifetime, between two renewals)
 * then fails instead of overwriting the release of the one that took over.
 */
export function commitCondition(lock: LockHandle, read: LedgerVersion | undefined): { commitCondition?: LedgerCondition } {
  if (!lock.conditionalWrites) return {}
  if (!read) return { commitCondition: { ifNoneMatch: '*' } }
  return read.etag ? { commitCondition: { ifMatch: read.etag } } : {}
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

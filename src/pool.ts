import type { Limit } from './flow.js'

/**
 * The one concurrency pool (uploads, parts, the scan's hashing, verify's
 * fetches). Bounded concurrency with fail-fast: at most `concurrency` workers in
 * flight; the first failure aborts the shared signal so no new work starts,
 * waits for what is in flight to settle, then rethrows that first failure.
 */
export async function runPool<T>(
  items: readonly T[],
  /** A fixed number of workers, or a limit that moves (the deploy's flow, src/flow.ts): its `max` workers wait for a slot each. */
  concurrency: number | Limit,
  worker: (item: T, signal: AbortSignal) => Promise<void>,
  outer?: AbortSignal,
): Promise<void> {
  const controller = new AbortController()
  const onAbort = () => controller.abort(outer?.reason)
  outer?.addEventListener('abort', onAbort, { once: true })
  let next = 0
  let failure: { error: unknown } | undefined
  const limit = typeof concurrency === 'number' ? undefined : concurrency
  const lane = async (): Promise<void> => {
    while (!controller.signal.aborted && next < items.length) {
      const release = limit ? await limit.acquire() : undefined
      if (controller.signal.aborted || next >= items.length) {
        release?.()
        break
      }
      const item = items[next++]!
      try {
        await worker(item, controller.signal)
      } catch (error) {
        failure ??= { error }
        controller.abort(error)
      } finally {
        release?.()
      }
    }
  }
  const lanes = typeof concurrency === 'number' ? concurrency : concurrency.max
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes, items.length)) }, lane))
  } finally {
    outer?.removeEventListener('abort', onAbort)
  }
  if (failure) throw failure.error
  if (outer?.aborted) throw outer.reason
}

/** `runPool` that collects each worker's result, in the order of `items`. */
export async function mapPool<T, R>(
  items: readonly T[],
  concurrency: number | Limit,
  worker: (item: T, signal: AbortSignal) => Promise<R>,
  outer?: AbortSignal,
): Promise<R[]> {
  const results = new Array<R>(items.length)
  const indexed = items.map((item, index) => ({ item, index }))
  await runPool(indexed, concurrency, async ({ item, index }, signal) => void (results[index] = await worker(item, signal)), outer)
  return results
}

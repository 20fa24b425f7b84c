/**
 * The one concurrency pool (uploads, parts, the scan's hashing, verify's
 * fetches). Bounded concurrency with fail-fast: at most `concurrency` workers in
 * flight; the first failure aborts the shared signal so no new work starts,
 * waits for what is in flight to settle, then rethrows that first failure.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T, signal: AbortSignal) => Promise<void>,
  outer?: AbortSignal,
): Promise<void> {
  const controller = new AbortController()
  const onAbort = () => controller.abort(outer?.reason)
  outer?.addEventListener('abort', onAbort, { once: true })
  let next = 0
  let failure: { error: unknown } | undefined
  const lane = async (): Promise<void> => {
    while (!controller.signal.aborted && next < items.length) {
      const item = items[next++]!
      try {
        await worker(item, controller.signal)
      } catch (error) {
        failure ??= { error }
        controller.abort(error)
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane))
  } finally {
    outer?.removeEventListener('abort', onAbort)
  }
  if (failure) throw failure.error
  if (outer?.aborted) throw outer.reason
}

/** `runPool` that collects each worker's result, in the order of `items`. */
export async function mapPool<T, R>(items: readonly T[], concurrency: number, worker: (item: T, signal: AbortSignal) => Promise<R>, outer?: AbortSignal): Promise<R[]> {
  const results = new Array<R>(items.length)
  const indexed = items.map((item, index) => ({ item, index }))
  await runPool(indexed, concurrency, async ({ item, index }, signal) => void (results[index] = await worker(item, signal)), outer)
  return results
}

/**
 * How many requests a deploy keeps in flight: AIMD, as TCP does it. The limit
 * starts at `start` and grows by one for every request answered (slow start:
 * it doubles each round trip) up to `max`, the configured `concurrency`; a
 * throttling answer (503 SlowDown, 429, S3's other "reduce your rate" codes),
 * or none at all (a deadline passed, a connection reset: an overloaded store
 * that does not throttle), halves it, and from then on it grows by one per
 * round trip only. Throttles of requests sent before the last halving (still in
 * flight at the time) do not halve it again.
 *
 * Why: against S3, 10,000 small files at 30 ms a request need ≥ 64 in flight
 * to go up in 5 s (bench latency scenario, raw client: 16 → 19.4 s, 64 → 5.1 s),
 * while a fixed 128 could overrun a prefix's request rate (S3 answers SlowDown
 * from ~3,500 PUTs/s) or a small S3-compatible store; growing only on answers
 * and halving on throttles keeps both. A store that slows down without
 * throttling (moto, one Python process) is paced by its answers: more in flight
 * only queues there (bench first deploy: the same time at 16 and 128).
 */

/** What the request loop reports about each attempt. */
export interface FlowSignals {
  /** An answer that was not a throttle (success, or an error of another kind). */
  answered(): void
  /** A throttling answer (503 SlowDown, 429, …), or no answer (deadline, connection reset). */
  throttled(): void
}

/** A limit on work in flight that pools wait on (`runPool`). */
export interface Limit {
  /** The most that may be in flight now. */
  readonly current: number
  /** The ceiling: how many lanes a pool needs. */
  readonly max: number
  /** Wait for a slot; call the returned function when done. */
  acquire(): Promise<() => void>
}

export interface Flow extends Limit, FlowSignals {
  /** The highest limit reached and the number of halvings (for the report and the bench). */
  readonly stats: { peak: number; halvings: number }
}

/** Where the limit starts (or `max`, if lower): 16 was the fixed default before. */
export const FLOW_START = 16

/** `adaptive: false`: the limit stays at `max` (a test and bench seam: the same deploy without the flow). */
export function createFlow(max: number, start = FLOW_START, adaptive = true): Flow {
  const ceiling = Math.max(1, Math.floor(max))
  let limit = adaptive ? Math.min(ceiling, Math.max(1, start)) : ceiling
  let threshold = ceiling // slow start below it, one per round trip above
  let active = 0
  let ignore = 0 // answers still due from requests sent before the last halving
  const stats = { peak: limit, halvings: 0 }
  const waiting: Array<() => void> = []
  const wake = () => {
    while (waiting.length > 0 && active < Math.floor(limit)) {
      active++
      waiting.shift()!()
    }
  }
  const release = () => {
    active--
    wake()
  }
  const answered = () => {
    if (!adaptive) return
    if (ignore > 0) ignore--
    if (limit >= ceiling) return
    limit = Math.min(ceiling, limit < threshold ? limit + 1 : limit + 1 / limit)
    stats.peak = Math.max(stats.peak, Math.floor(limit))
    wake()
  }
  return {
    get current() {
      return Math.floor(limit)
    },
    max: ceiling,
    stats,
    acquire() {
      if (active < Math.floor(limit)) {
        active++
        return Promise.resolve(release)
      }
      return new Promise<() => void>((resolve) => waiting.push(() => resolve(release)))
    },
    answered,
    throttled() {
      if (!adaptive) return
      if (ignore > 0) {
        ignore--
        return
      }
      limit = Math.max(1, Math.floor(limit / 2))
      threshold = limit
      ignore = Math.max(0, active - 1) // the others in flight, sent at the old limit
      stats.halvings++
    },
  }
}

/**
 * Bytes held in memory by uploads in flight: a file below the multipart
 * threshold is read whole, so many lanes of big files would hold lanes × 16 MiB.
 * Uploads take their bytes first (first come, first served; one bigger than the
 * whole budget takes all of it) and give them back when done.
 */
export function createBudget(total: number): (bytes: number) => Promise<() => void> {
  let free = total
  const queue: Array<{ want: number; go: () => void }> = []
  const serve = () => {
    while (queue.length > 0 && queue[0]!.want <= free) {
      const next = queue.shift()!
      free -= next.want
      next.go()
    }
  }
  return (bytes) => {
    const want = Math.min(Math.max(0, bytes), total)
    const release = () => {
      free += want
      serve()
    }
    if (queue.length === 0 && want <= free) {
      free -= want
      return Promise.resolve(release)
    }
    return new Promise((resolve) => {
      queue.push({ want, go: () => resolve(release) })
    })
  }
}

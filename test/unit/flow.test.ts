/**
 * The deploy's flow (src/flow.ts): AIMD on requests in flight, the pool that
 * waits on it, and the memory budget of uploads in flight.
 */
import { describe, expect, it } from 'vitest'
import { createBudget, createFlow } from '../../src/flow.js'
import { runPool } from '../../src/pool.js'
import { isCongestion, DeadlineError } from '../../src/storage/request.js'

const answer = (flow: ReturnType<typeof createFlow>, n: number) => {
  for (let i = 0; i < n; i++) flow.answered()
}

describe('createFlow', () => {
  it('starts at 16 and doubles every round trip (one per answer) up to the ceiling', () => {
    const flow = createFlow(128)
    expect(flow.current).toBe(16)
    answer(flow, 16)
    expect(flow.current).toBe(32)
    answer(flow, 32)
    expect(flow.current).toBe(64)
    answer(flow, 1000)
    expect(flow.current).toBe(128)
    expect(flow.stats).toEqual({ peak: 128, halvings: 0 })
  })

  it('never exceeds a ceiling below the start (concurrency: 4 means 4)', () => {
    const flow = createFlow(4)
    answer(flow, 100)
    expect(flow.current).toBe(4)
  })

  it('halves on a throttle, ignores the throttles of requests already in flight, then grows by one per round trip', async () => {
    const flow = createFlow(128)
    answer(flow, 1000)
    const held = await Promise.all(Array.from({ length: 100 }, () => flow.acquire()))
    flow.throttled()
    expect(flow.current).toBe(64)
    // The other requests sent at 128 come back throttled too: one halving for all of them.
    for (let i = 0; i < 99; i++) flow.throttled()
    expect(flow.current).toBe(64)
    held.forEach((release) => release())
    flow.throttled() // sent after the halving: halves again
    expect(flow.current).toBe(32)
    answer(flow, 33) // a round trip at 32 (and a bit): +1
    expect(flow.current).toBe(33)
    expect(flow.stats.halvings).toBe(2)
  })

  it('never goes below one', () => {
    const flow = createFlow(8, 1)
    for (let i = 0; i < 10; i++) flow.throttled()
    expect(flow.current).toBe(1)
  })
})

describe('runPool under a flow', () => {
  it('keeps at most the current limit in flight, and more as it grows', async () => {
    const flow = createFlow(64, 2)
    let active = 0
    const seen: number[] = []
    await runPool(
      Array.from({ length: 200 }, (_, i) => i),
      flow,
      async () => {
        active++
        seen.push(active)
        expect(active).toBeLessThanOrEqual(flow.current)
        await new Promise((r) => setTimeout(r, 1))
        active--
        flow.answered()
      },
    )
    expect(seen[0]).toBe(1)
    expect(Math.max(...seen)).toBeGreaterThan(16)
    expect(Math.max(...seen)).toBeLessThanOrEqual(64)
  })
})

describe('createBudget', () => {
  it('lets uploads hold at most the budget, first come first served; one bigger than all of it takes all of it', async () => {
    const take = createBudget(100)
    const a = await take(60)
    const order: string[] = []
    const b = take(50).then((release) => (order.push('b'), release))
    const c = take(10).then((release) => (order.push('c'), release))
    await new Promise((r) => setTimeout(r, 5))
    expect(order).toEqual([]) // c fits, but waits behind b
    a()
    const [rb, rc] = await Promise.all([b, c])
    expect(order).toEqual(['b', 'c'])
    rb()
    rc()
    const huge = await take(1000)
    huge()
  })
})

describe('isCongestion', () => {
  const http = (status: number, name = 'Error') => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } })
  it.each<[string, unknown, boolean]>([
    ['503 SlowDown', http(503, 'SlowDown'), true],
    ['429', http(429, 'TooManyRequests'), true],
    ['400 with a throttling code', http(400, 'ThrottlingException'), true],
    ['a deadline passed', new DeadlineError('no answer within 10 ms'), true],
    ['a connection reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), true],
    ['500 InternalError', http(500, 'InternalError'), false],
    ['403 AccessDenied', http(403, 'AccessDenied'), false],
    ['a connection refused (nothing listening)', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), false],
  ])('%s: %s', (_name, err, congestion) => {
    expect(isCongestion(err)).toBe(congestion)
  })
})

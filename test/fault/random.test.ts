/**
 * Fault suite, scenario 1: deploys of a multi-release site through a proxy that
 * fails requests at a seeded rate (500, 503 SlowDown, resets inside the
 * request or the response body, lost answers, hangs, stalls).
 *
 * - The built CLI, as users run it (8 attempts per request, 10 s deadlines):
 *   every fault is transient at this rate, so every deploy must succeed, and
 *   leave the site exactly its build.
 * - The built engine with short deadlines and 4 attempts, at a higher rate,
 *   plus in some runs a request class that is refused for good (403): deploys
 *   fail, and put their pages back (or say the next run will); every state
 *   they leave keeps the invariants, and a clean re-run completes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hash32, prng, randomFaults, type ProxiedRequest, type ProxyAction, type RandomFaults } from '../helpers/fault-proxy.js'
import { context, replay, SEED, startWorld, type World } from './harness.js'

const FILE = 'random.test.ts'

/** The CLI's campaign: faults at 12% of requests, at most one hang (a 10 s deadline each). */
const CLI_FAULTS: RandomFaults = {
  rate: 0.12,
  weights: { internal: 2, slowdown: 2, 'reset-request': 2, 'reset-response': 2, lost: 3, stall: 2, hang: 1 },
  stallMs: [200, 1500],
  maxHangs: 1,
}
const CLI_DEPLOYS = 8

/** The engine's campaign: 1 s deadlines, 4 attempts; stalls up to past the deadline. */
const ENGINE_FAULTS: RandomFaults = {
  rate: 0.15,
  weights: { internal: 2, slowdown: 2, 'reset-request': 2, 'reset-response': 2, lost: 3, stall: 2, hang: 2 },
  stallMs: [100, 1500],
  maxHangs: 6,
}
const ENGINE_DEPLOYS = 10
/** Short, so the deploys renew their lock (and meet faults doing it). */
const ENGINE_LOCK_TTL_MS = 3_000
const ENGINE_STORAGE = { deadlineBaseMs: 1000, maxAttempts: 4, retryBaseDelayMs: 25 }

/** Request classes refused for good (403) in some engine runs: where a deploy can fail. */
const DENIALS: Array<{ name: string; matches: (r: ProxiedRequest, prefix: string) => boolean }> = [
  { name: 'the lock PUT', matches: (r, p) => r.method === 'PUT' && r.key === `${p}.cdn-deploy/lock` },
  { name: 'a hashed file PUT', matches: (r, p) => r.method === 'PUT' && !!r.key?.startsWith(`${p}assets/page_`) },
  { name: 'keeping a page version', matches: (r, p) => r.method === 'PUT' && !!r.key?.startsWith(`${p}.cdn-deploy/blobs/`) },
  { name: 'robots.txt', matches: (r, p) => r.method === 'PUT' && r.key === `${p}robots.txt` && !r.copySource },
  { name: 'an HTML page PUT', matches: (r, p) => r.method === 'PUT' && !!r.key?.startsWith(p) && r.key.endsWith('.html') && !r.copySource },
  { name: "the release's file map", matches: (r, p) => r.method === 'PUT' && !!r.key?.startsWith(`${p}.cdn-deploy/releases/`) },
  { name: 'the prune', matches: (r) => r.method === 'POST' && r.query.includes('delete') },
]

/** Count the faults of a run's proxy log by kind. */
function tally(kinds: Map<string, number>, log: readonly string[]): void {
  for (const line of log) {
    const kind = /^#\d+ \S+ \S+(?: \(copy of \S+\))? (\S+)/.exec(line)?.[1]
    if (kind && kind !== 'pass') kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
  }
}
/**
 * Why a deploy may fail: a request refused for good (403); one request (same
 * method, key, query) failing `attempts` times in a row (a fault, or an answer
 * that came after the client gave up); or its lock lapsing (`could not be
 * confirmed in time`) while requests on the lock failed.
 */
function explained(log: readonly string[], attempts: number, stderr: string): boolean {
  const streak = new Map<string, number>()
  let lockFailed = false
  for (const line of log) {
    const m = /^#\d+ (\S+ (\S+)(?: \(copy of \S+\))?) (\S+)/.exec(line)
    if (!m) continue
    const [, sig, key, kind] = m as unknown as [string, string, string, string]
    if (kind === 'deny') return true
    const failed = /\(client gone\)$/.test(line) || (kind !== 'pass' && kind !== 'stall')
    if (failed && key.endsWith('.cdn-deploy/lock')) lockFailed = true
    const n = failed ? (streak.get(sig) ?? 0) + 1 : 0
    streak.set(sig, n)
    if (n >= attempts) return true
  }
  return lockFailed && /\[lock\] .*the lock could not be confirmed in time/.test(stderr)
}

const summary = (kinds: Map<string, number>) => [...kinds].map(([k, n]) => `${k} ${n}`).join(', ')

describe('fault suite: random faults', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld(FILE)
  })
  afterAll(async () => {
    await world?.stop()
  })

  it(`the CLI: ${CLI_DEPLOYS} deploys, ${CLI_FAULTS.rate * 100}% of requests failing, every deploy succeeds and leaves its build`, async () => {
    const prefix = 'cli/'
    const proxy = await world.proxy()
    const config = await world.config(prefix, proxy.endpoint)
    const hangs = { count: 0 }
    const kinds = new Map<string, number>()
    let faults = 0
    for (let i = 0; i < CLI_DEPLOYS; i++) {
      const build = await world.build(i + 1)
      proxy.decide = randomFaults(SEED, `cli-${i}`, CLI_FAULTS, hangs)
      proxy.log.length = 0
      const d = world.cli(`cli deploy ${i + 1}`, build, config)
      const result = await d.done
      faults += proxy.log.filter((l) => !/ pass → /.test(l)).length
      tally(kinds, proxy.log)
      const more = context([d], proxy, [result])
      // Every fault here is transient (at most a few in a row, 8 attempts): a failed deploy is a misread fault.
      expect(result.code, `deploy ${i + 1} failed under transient faults (${replay(FILE)})\n${more}`).toBe(0)
      await world.checkExact(prefix, `CLI deploy ${i + 1} (${build.name}) under random faults`, build, more)
    }
    // The campaign did inject faults (a seed that injects none tests nothing).
    console.log(`[fault suite] CLI campaign (${replay(FILE)}): ${faults} faults injected (${summary(kinds)}), ${CLI_DEPLOYS} deploys, all succeeded`)
    expect(faults, replay(FILE)).toBeGreaterThan(CLI_DEPLOYS)
  }, 120_000)

  it(`the engine with 1 s deadlines: ${ENGINE_DEPLOYS} deploys, ${ENGINE_FAULTS.rate * 100}% failing and some requests refused; each state keeps the invariants and a clean re-run completes`, async () => {
    const prefix = 'engine/'
    const proxy = await world.proxy()
    const config = await world.config(prefix, proxy.endpoint)
    const hangs = { count: 0 }
    const kinds = new Map<string, number>()
    const pick = prng(hash32(SEED, 'denials'))
    let live: string | undefined
    let failed = 0
    for (let i = 0; i < ENGINE_DEPLOYS; i++) {
      // Releases go forward, with a step back now and then (a redeploy of an older build).
      const build = await world.build(i % 4 === 3 ? i - 1 : i + 1)
      const random = randomFaults(SEED, `engine-${i}`, ENGINE_FAULTS, hangs)
      const denial = pick() < 0.4 ? DENIALS[Math.floor(pick() * DENIALS.length)] : undefined
      proxy.decide = (r): ProxyAction | undefined => (denial?.matches(r, prefix) ? { kind: 'deny' } : random(r))
      proxy.log.length = 0
      const d = world.engine(`engine deploy ${i + 1}${denial ? `, ${denial.name} refused` : ''}`, build, config, {
        lockTtlMs: ENGINE_LOCK_TTL_MS,
        storage: ENGINE_STORAGE,
      })
      const result = await d.done
      tally(kinds, proxy.log)
      const more = context([d], proxy, [result])
      const step = `engine deploy ${i + 1} (${build.name}${denial ? `, ${denial.name} refused` : ''}) under random faults`
      if (result.code === 0) {
        await world.checkExact(prefix, step, build, more)
        live = build.name
        continue
      }
      failed++
      // A deploy fails only for a reason: a request refused for good, or one that failed every attempt.
      // Anything else is a transient fault misread (a lost answer taken for a refusal…).
      expect(
        explained(proxy.log, ENGINE_STORAGE.maxAttempts, result.stderr),
        `${step} failed, but no request was refused or failed ${ENGINE_STORAGE.maxAttempts} times (${replay(FILE)})\n${more}`,
      ).toBe(true)
      // Failed: the previous release is whole and served (or, if it said so, the next run puts the pages back).
      const saidPending = /the next deploy does that first/.test(result.stderr)
      await world.check(prefix, step, { ...(live ? { live } : {}), ended: 'settled', saidPending, inflight: [build] }, more)
      // A clean re-run of the same build completes.
      proxy.decide = () => undefined
      proxy.log.length = 0
      const again = world.engine(`clean re-run of ${build.name}`, build, config, { storage: ENGINE_STORAGE })
      const rerun = await again.done
      const rerunMore = context([d, again], proxy, [result, rerun])
      expect(rerun.code, `the clean re-run after a failed deploy failed (${replay(FILE)})\n${rerunMore}`).toBe(0)
      await world.checkExact(prefix, `clean re-run of ${build.name} after ${step}`, build, rerunMore)
      live = build.name
    }
    console.log(`[fault suite] engine campaign (${replay(FILE)}): ${summary(kinds)}; ${failed} of ${ENGINE_DEPLOYS} deploys failed, each re-run completed`)
    // The campaign made some deploys fail (else the put-back paths went untested).
    expect(failed, replay(FILE)).toBeGreaterThan(0)
  }, 120_000)
})

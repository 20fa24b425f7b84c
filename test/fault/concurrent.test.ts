/**
 * Fault suite, scenario 3: deploys that meet each other.
 *
 * - Two CLI deploys of different builds started at the same moment (through a
 *   proxy failing a few requests): one takes the lock, the other is refused or
 *   runs after it; the release the ledger names is one that reported success,
 *   and a re-run of the other completes.
 * - A deploy stalled past its lock lifetime (the built engine with a 1.5 s
 *   lock, frozen with SIGSTOP when the proxy sees a chosen request, like a
 *   suspended CI runner): another deploy takes the expired lock over and
 *   commits; the stalled one, resumed with SIGCONT, must not overwrite or
 *   delete anything of that release.
 *
 * The stalled deploy uploads one file at a time. With several in flight, a
 * freeze can fall between a write's lock check (the fence) and the moment its
 * request leaves the process; resumed, the process sends it, and it lands over
 * the newer release: the fence is checked before each attempt, not at the
 * socket, and S3 has no fencing token for a plain PUT. That window (the SDK's
 * middleware between the two, microseconds to a few milliseconds) is known and
 * not closed here; this suite freezes the deploy only between requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomFaults, type ProxiedRequest } from '../helpers/fault-proxy.js'
import { context, replay, SEED, startWorld, type World } from './harness.js'

const FILE = 'concurrent.test.ts'
const LOCK_TTL_MS = 1_500

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface StallPoint {
  name: string
  matches: (r: ProxiedRequest, prefix: string) => boolean
  /** The stall comes at the nth request matching. @default 1 */
  nth?: number
}
const STALLS: StallPoint[] = [
  { name: 'its first hashed file PUT', matches: (r, p) => r.method === 'PUT' && !!r.key?.startsWith(`${p}assets/`) },
  { name: 'keeping a page version', matches: (r, p) => r.method === 'PUT' && !!r.key?.startsWith(`${p}.cdn-deploy/blobs/`) },
  { name: 'its first HTML page PUT', matches: (r, p) => r.method === 'PUT' && !!r.key?.startsWith(p) && r.key.endsWith('.html') && !r.copySource },
  // The intent is the first ledger PUT, the commit the second.
  { name: 'the commit', matches: (r, p) => r.method === 'PUT' && r.key === `${p}.cdn-deploy/ledger.json`, nth: 2 },
  // After the commit, the prune HEADs each key it would delete (is it still ours?), then deletes them.
  { name: 'the prune', matches: (r, p) => r.method === 'HEAD' && !!r.key?.startsWith(`${p}assets/`) },
]

describe('fault suite: concurrent and stalled deploys', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld(FILE)
  })
  afterAll(async () => {
    await world?.stop()
  })

  it('two CLI deploys of different builds started at once: one release wins whole, and the other re-runs', async () => {
    const prefix = 'concurrent/'
    const proxy = await world.proxy()
    const config = await world.config(prefix, proxy.endpoint)
    expect((await world.cli('first deploy', await world.build(1), config).done).code).toBe(0)
    const hangs = { count: 0 }
    for (let trial = 0; trial < 4; trial++) {
      const [b, c] = [await world.build(2 + trial * 2), await world.build(3 + trial * 2)]
      // A few transient faults on top (no hangs: a 10 s deadline would let the other one run alone).
      proxy.decide = randomFaults(
        SEED,
        `concurrent-${trial}`,
        { rate: 0.06, weights: { internal: 1, slowdown: 1, lost: 1, 'reset-response': 1 }, stallMs: [0, 0], maxHangs: 0 },
        hangs,
      )
      proxy.log.length = 0
      const both = [world.cli(`deploy ${b.name}`, b, config), world.cli(`deploy ${c.name}`, c, config)]
      const results = await Promise.all(both.map((d) => d.done))
      const more = context(both, proxy, results)
      const ok = both.filter((_, i) => results[i]!.code === 0)
      // At least one went through; one refused says why.
      expect(ok.length, `neither deploy succeeded (${replay(FILE)})\n${more}`).toBeGreaterThan(0)
      for (const [i, r] of results.entries()) {
        if (r.code !== 0)
          expect(r.stderr, `${both[i]!.label} failed for another reason than the lock (${replay(FILE)})\n${more}`).toMatch(/\[lock\] another deploy holds/)
      }
      const state = await world.check(prefix, `two deploys at once (${b.name}, ${c.name})`, { ended: 'settled', inflight: [b, c] }, more)
      expect(
        ok.map((d) => d.build.name),
        `the live release is not one that succeeded (${replay(FILE)})\n${more}`,
      ).toContain(state.live)
      // Whichever did not win re-runs, and completes.
      const loser = state.live === b.name ? c : b
      proxy.decide = () => undefined
      const again = world.cli(`re-run of ${loser.name}`, loser, config)
      const result = await again.done
      const rerunMore = context([...both, again], proxy, [...results, result])
      expect(result.code, rerunMore).toBe(0)
      await world.checkExact(prefix, `re-run of ${loser.name} after the two at once`, loser, rerunMore)
    }
  }, 60_000)

  it.each(STALLS.map((s, i) => ({ ...s, i })))(
    'a deploy stalled past its lock lifetime at $name does not overwrite the release committed meanwhile',
    async ({ name, matches, nth, i }) => {
      const prefix = `stalled-${i}/`
      const proxy = await world.proxy()
      // One request at a time: when the proxy freezes the deploy, the request it holds is the only one
      // the deploy has started (see the file comment: a request decided before the freeze is sent after it).
      const config = await world.config(prefix, proxy.endpoint, { concurrency: 1 })
      const direct = await world.config(prefix, world.server.endpoint)
      // Three releases first, so the stalled deploy has files to prune: v1, v2, v3.
      const builds = [await world.build(1), await world.build(2), await world.build(3), await world.build(4)]
      for (const b of builds.slice(0, 3)) expect((await world.cli(`deploy ${b.name}`, b, direct).done).code).toBe(0)
      // A deploys v4 through the proxy, and is frozen (SIGSTOP) once the proxy has its request whole;
      // the request then reaches the store while A sleeps. B, meanwhile, deploys v1 again: the files
      // A's prune would delete are B's to keep.
      const [a, b] = [builds[3]!, builds[0]!]
      let frozen = false
      let seen = 0
      proxy.decide = (r) => (!frozen && matches(r, prefix) && ++seen === (nth ?? 1) ? ((frozen = true), { kind: 'pause' }) : undefined)
      const stalled = world.engine(`stalled deploy of ${a.name}`, a, config, { lockTtlMs: LOCK_TTL_MS })
      let pausedAt = 0
      proxy.hooks.pause = async () => {
        stalled.pause()
        pausedAt = Date.now()
      }
      while (!pausedAt) {
        if (await Promise.race([stalled.done.then(() => true), sleep(20).then(() => false)])) break
      }
      expect(pausedAt, `the stall point "${name}" never came\n${stalled.output()}\n${proxy.tail()}`).toBeGreaterThan(0)
      // Past the lock's lifetime, B (the CLI, straight to the store) takes the lock over and commits.
      await sleep(Math.max(0, pausedAt + LOCK_TTL_MS + 300 - Date.now()))
      const other = world.cli(`deploy of ${b.name} while ${a.name} is stalled`, b, direct)
      const otherResult = await other.done
      const more = () => context([stalled, other], proxy, [undefined, otherResult])
      expect(otherResult.code, `the deploy that should take over failed (${replay(FILE)})\n${more()}`).toBe(0)
      expect(otherResult.stderr, more()).toMatch(/took over an expired lock/)
      await world.check(prefix, `${b.name} committed while ${a.name} is stalled at ${name}`, { live: b.name, ended: 'interrupted', inflight: [a] }, more())

      // A wakes up: whatever it does, it must not change what B released.
      stalled.resume()
      const stalledResult = await stalled.done
      const after = context([stalled, other], proxy, [stalledResult, otherResult])
      await world.checkExact(prefix, `${a.name} resumed after the stall at ${name}`, b, after)
      // It noticed: it stopped with a [lock] error, or (its release committed before the stall) its prune stopped at the fence.
      expect(stalledResult.stderr, after).toMatch(/\[lock\] (lost|.*could not be confirmed)/)
    },
    30_000,
  )
})

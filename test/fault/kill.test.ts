/**
 * Fault suite, scenario 2: the CLI killed with SIGKILL at every step of a
 * deploy (when the proxy sees a chosen request: before it reaches the store,
 * or after the store answered it), or at a random moment. After each kill the
 * bucket keeps the invariants (a page the killed deploy changed may hold its
 * bytes only while the ledger's intent says so, with the previous version
 * kept); then a re-run of the same build and one of the previous build both
 * complete, the first within seconds (the dead process's lock is taken over
 * at once, with a line saying so), each leaving its build exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hash32, prng, type ProxiedRequest } from '../helpers/fault-proxy.js'
import { context, replay, SEED, startWorld, type World } from './harness.js'
import type { Build } from './site.js'

const FILE = 'kill.test.ts'
/** A re-run after a kill must be done within this (a deploy here takes well under a second). */
const RERUN_LIMIT_MS = 5_000

interface KillPoint {
  name: string
  /** Several requests of a deploy match: the kill comes at the 1st to 3rd. */
  many?: true
  /** The kill comes at the `nth` request matching (counted per deploy). */
  matches?: (r: ProxiedRequest, prefix: string) => boolean
  /** Whether the release is committed once a request of this point was answered (`after`) or not yet sent (`before`). */
  committed: { before: boolean; after: boolean } | 'either'
}

const isPut = (r: ProxiedRequest, key: string) => r.method === 'PUT' && r.key === key
const POINTS: KillPoint[] = [
  { name: 'the lock PUT', matches: (r, p) => isPut(r, `${p}.cdn-deploy/lock`), committed: { before: false, after: false } },
  {
    name: 'a hashed file PUT',
    many: true,
    matches: (r, p) => r.method === 'PUT' && !!r.key?.startsWith(`${p}assets/`),
    committed: { before: false, after: false },
  },
  {
    name: 'keeping a page version (blob copy)',
    many: true,
    matches: (r, p) => r.method === 'PUT' && !!r.key?.startsWith(`${p}.cdn-deploy/blobs/`),
    committed: { before: false, after: false },
  },
  { name: 'the intent (first ledger PUT)', matches: (r, p) => isPut(r, `${p}.cdn-deploy/ledger.json`), committed: { before: false, after: false } },
  {
    name: 'an HTML page PUT',
    many: true,
    matches: (r, p) => r.method === 'PUT' && !!r.key?.startsWith(p) && r.key.endsWith('.html') && !r.copySource,
    committed: { before: false, after: false },
  },
  {
    name: "the release's file map",
    matches: (r, p) => r.method === 'PUT' && !!r.key?.startsWith(`${p}.cdn-deploy/releases/`),
    committed: { before: false, after: false },
  },
  // The intent is the first ledger PUT, the commit the second (see `arm`).
  { name: 'the commit', matches: (r, p) => isPut(r, `${p}.cdn-deploy/ledger.json`), committed: { before: false, after: true } },
  { name: 'the prune', matches: (r) => r.method === 'POST' && r.query.includes('delete'), committed: { before: true, after: true } },
  { name: 'the lock DELETE', matches: (r, p) => r.method === 'DELETE' && r.key === `${p}.cdn-deploy/lock`, committed: { before: true, after: true } },
  { name: 'a random moment', committed: 'either' },
]

describe('fault suite: kill -9', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld(FILE)
  })
  afterAll(async () => {
    await world?.stop()
  })

  it(`the CLI killed at each of ${POINTS.length} points (before and after the request), then re-runs of the same and the previous build`, async () => {
    const prefix = 'kill/'
    const proxy = await world.proxy()
    const config = await world.config(prefix, proxy.endpoint)
    const rand = prng(hash32(SEED, 'kill'))
    const rerunTimes: number[] = []
    let fired = 0
    const missed: string[] = []

    // The first release, healthy.
    let live: Build = await world.build(1)
    let v = 2
    const first = await world.cli('first deploy', live, config).done
    expect(first.code, first.stderr).toBe(0)

    /** Arm the proxy: kill the deploy (`hooks.kill`) at the `nth` request matching `point`, before or after it reaches the store. */
    const arm = (point: KillPoint, nth: number, when: 'before' | 'after') => {
      let seen = 0
      // The commit is the second ledger PUT: count from 2 there.
      const wanted = point.name === 'the commit' ? nth + 1 : nth
      proxy.decide = (r) => (point.matches?.(r, prefix) && ++seen === wanted ? { kind: 'kill', when } : undefined)
    }

    for (const [trial, point] of [...POINTS, ...POINTS].entries()) {
      const when = trial < POINTS.length ? 'before' : 'after'
      const prev = live
      const next = await world.build(v++)
      const nth = point.many ? 1 + Math.floor(rand() * 3) : 1
      const label = `kill ${when} ${point.name}${nth > 1 ? ` (#${nth})` : ''} while deploying ${next.name} over ${prev.name}`
      proxy.log.length = 0
      arm(point, nth, when)
      // The hook is set before the child can send anything: spawning returns first.
      const d = world.cli(label, next, config)
      proxy.hooks.kill = async () => void (await d.kill())
      let timer: NodeJS.Timeout | undefined
      if (!point.matches) timer = setTimeout(() => void d.kill(), 150 + Math.floor(rand() * 200))
      const killed = await d.done
      clearTimeout(timer)
      if (killed.signal === 'SIGKILL') fired++
      else missed.push(label)
      proxy.decide = () => undefined
      const more = context([d], proxy, [killed])
      const expected = killed.signal !== 'SIGKILL' || point.committed === 'either' ? undefined : point.committed[when] ? next.name : prev.name
      if (killed.signal !== 'SIGKILL') expect(killed.code, `${label}: not killed, and failed (${replay(FILE)})\n${more}`).toBe(0)
      const state = await world.check(
        prefix,
        `after: ${label}`,
        { ...(expected ? { live: expected } : {}), ended: killed.signal === 'SIGKILL' ? 'interrupted' : 'settled', inflight: [next] },
        more,
      )
      if (!expected && killed.signal === 'SIGKILL') expect([prev.name, next.name], label).toContain(state.live)
      const lockLeft = await world.lockHolder(prefix)

      // Re-runs: the same build and the previous one, in turn first; the first must start at once.
      const order = trial % 2 === 0 ? [next, prev] : [prev, next]
      for (const [i, build] of order.entries()) {
        proxy.log.length = 0
        const r = world.cli(`re-run ${i + 1} (${build.name}) after: ${label}`, build, config)
        const result = await r.done
        const rerunMore = context([d, r], proxy, [killed, result])
        expect(result.code, `re-run ${i + 1} of ${build.name} failed after: ${label} (${replay(FILE)})\n${rerunMore}`).toBe(0)
        if (i === 0) {
          rerunTimes.push(result.ms)
          expect(result.ms, `re-run after: ${label} took ${result.ms} ms (${replay(FILE)})\n${rerunMore}`).toBeLessThan(RERUN_LIMIT_MS)
          if (lockLeft === d.pid)
            expect(result.stderr, `${label}: the re-run did not say it took over the dead lock\n${rerunMore}`).toMatch(
              new RegExp(`took over the lock of a deploy on host [0-9a-f]{16} \\(pid ${d.pid}\\): that process no longer runs on this machine`),
            )
        }
        await world.checkExact(prefix, `re-run ${i + 1} (${build.name}) after: ${label}`, build, rerunMore)
      }
      live = order[1]!
    }
    console.log(
      `[fault suite] kill -9 (${replay(FILE)}): ${fired} kills over ${POINTS.length * 2} trials; first re-run after a kill in ${Math.min(...rerunTimes)}–${Math.max(...rerunTimes)} ms; not killed: ${missed.join('; ') || 'none'}`,
    )
    expect(fired, replay(FILE)).toBeGreaterThanOrEqual(POINTS.length * 2 - 2)
  }, 120_000)

  it('a re-run killed while it puts back the pages of a killed deploy: the next run finishes the job', async () => {
    const prefix = 'kill-twice/'
    const proxy = await world.proxy()
    const config = await world.config(prefix, proxy.endpoint)
    const v1 = await world.build(1)
    const v2 = await world.build(2)
    expect((await world.cli('first deploy', v1, config).done).code).toBe(0)

    // 1: killed right after its second HTML page went up (the intent is recorded, two pages are new).
    let pages = 0
    proxy.decide = (r) => (r.method === 'PUT' && !!r.key?.endsWith('.html') && !r.copySource && ++pages === 2 ? { kind: 'kill', when: 'after' } : undefined)
    const d = world.cli('deploy of v2, killed after 2 pages', v2, config)
    proxy.hooks.kill = async () => void (await d.kill())
    const killed = await d.done
    expect(killed.signal).toBe('SIGKILL')
    const state = await world.check(prefix, 'killed after 2 pages', { live: v1.name, ended: 'interrupted', inflight: [v2] }, context([d], proxy, [killed]))
    expect(state.pending).toBe(true)

    // 2: a redeploy of v1 puts the pages back first; killed after its first page is copied back from its kept bytes.
    let copies = 0
    proxy.decide = (req) =>
      req.method === 'PUT' && req.copySource?.includes('.cdn-deploy/blobs/') && !req.key!.includes('.cdn-deploy/') && ++copies === 1
        ? { kind: 'kill', when: 'after' }
        : undefined
    const r = world.cli('redeploy of v1, killed while putting pages back', v1, config)
    proxy.hooks.kill = async () => void (await r.kill())
    const killed2 = await r.done
    expect(killed2.signal, context([r], proxy, [killed2])).toBe('SIGKILL')
    await world.check(prefix, 'killed while putting back', { live: v1.name, ended: 'interrupted', inflight: [v2] }, context([d, r], proxy, [killed, killed2]))

    // 3: the next run (v1 again) puts every page back and is done in seconds.
    proxy.decide = () => undefined
    const last = world.cli('redeploy of v1', v1, config)
    const done = await last.done
    const more = context([d, r, last], proxy, [killed, killed2, done])
    expect(done.code, more).toBe(0)
    expect(done.ms, more).toBeLessThan(RERUN_LIMIT_MS)
    expect(done.stderr, more).toMatch(/stopped before its commit: put back the \d+ page files it may have changed/)
    await world.checkExact(prefix, 'the redeploy of v1 after two kills', v1, more)
  }, 60_000)
})

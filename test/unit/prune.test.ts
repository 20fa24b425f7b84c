/**
 * The delete guard as tables: maxDeletes and the shrink rule (a build under 10%
 * of a previous release of 20 or more files), decided in the plan, overridden by force.
 */
import { describe, expect, it } from 'vitest'
import { at, localFile, planOptions } from '../helpers/plan.js'
import { createPlan, type PlanOptions } from '../../src/plan/plan.js'
import { pruneGuard, pruneStop } from '../../src/plan/prune.js'
import type { Ledger, LocalFile } from '../../src/plan/types.js'

describe('pruneGuard', () => {
  // [deletes, max, files, previousFiles, force, stop rule]
  it.each([
    [0, 256, 10, 10, false, undefined],
    [256, 256, 10, 10, false, undefined],
    [257, 256, 10, 10, false, 'max-deletes'],
    [257, 256, 10, 10, true, undefined],
    [1, 0, 10, 10, false, 'max-deletes'], // maxDeletes 0: every prune needs --force
    [0, 0, 10, 10, false, undefined],
    [0, 256, 1, 20, false, 'shrink'], // even with nothing to delete yet: retention would start on all of it
    [0, 256, 1, 19, false, undefined], // a small site may shrink
    [0, 256, 2, 20, false, undefined], // 10% exactly is fine
    [0, 256, 9, 100, false, 'shrink'],
    [0, 256, 10, 100, false, undefined],
    [0, 256, 0, 100, true, undefined],
    [300, 256, 1, 100, false, 'shrink'], // both: the shrink says more
    [0, 256, 5, 0, false, undefined], // first deploy
  ] as const)('%i deletes (max %i), %i files after %i: force %s → %s', (deletes, max, files, previousFiles, force, rule) => {
    const guard = pruneGuard({ deletes, max, files, previousFiles, force })
    expect(guard.stop?.rule).toBe(rule)
    expect(guard.forced).toBe(force)
    const error = pruneStop(guard)
    expect(error?.scope).toBe(rule ? 'deploy' : undefined)
    if (rule) expect(error!.message).toMatch(/^\[cdn-deploy\] \[deploy\] stopped before writing anything: .*run again with --force \(API: force: true\)/)
  })

  it('defaults maxDeletes to 256 and names the numbers', () => {
    expect(pruneGuard({ deletes: 300, files: 50, previousFiles: 50 }).stop?.message).toContain('would delete 300 files, more than maxDeletes (256)')
    expect(pruneGuard({ deletes: 0, files: 3, previousFiles: 200 }).stop?.message).toContain(
      'the build has 3 files where the previous release had 200 (under 10%)',
    )
  })
})

// Pages named by number (html: never immutable), one byte each.
const file = (rel: string): LocalFile => localFile(rel, rel, 1)
const files = (n: number, from = 0) => Array.from({ length: n }, (_, i) => file(`page-${i + from}.html`))
const options = (over: Partial<PlanOptions> = {}): PlanOptions => planOptions({ prefix: '', retain: { releases: 0, days: 0 }, now: at(10), ...over })
const deployed = (local: LocalFile[]): Ledger => createPlan(local, undefined, options({ release: 'r1', now: at(0) })).ledger

describe('createPlan: the guard in the plan', () => {
  it.each([
    { name: 'a prune within the cap', before: 30, after: files(25), over: {}, rule: undefined, deletes: 5 },
    { name: 'a prune over maxDeletes', before: 30, after: files(25), over: { maxDeletes: 4 }, rule: 'max-deletes', deletes: 5 },
    { name: 'the same, forced', before: 30, after: files(25), over: { maxDeletes: 4, force: true }, rule: undefined, deletes: 5 },
    { name: 'a nearly empty build', before: 30, after: files(2), over: {}, rule: 'shrink', deletes: 28 },
    {
      name: 'a nearly empty build, retention still holding everything',
      before: 30,
      after: files(2),
      over: { retain: { releases: 3, days: 7 } },
      rule: 'shrink',
      deletes: 0,
    },
    { name: 'a nearly empty build, forced', before: 30, after: files(2), over: { force: true }, rule: undefined, deletes: 28 },
    { name: 'a small build after a small site', before: 10, after: files(1), over: {}, rule: undefined, deletes: 9 },
    {
      name: 'a build whose include keeps most keys as they are (nothing would be pruned)',
      before: 30,
      after: files(2),
      over: { filter: { include: ['page-0.html', 'page-1.html'] } },
      rule: undefined,
      deletes: 0,
    },
  ])('$name', ({ before, after, over, rule, deletes }) => {
    const plan = createPlan(after, deployed(files(before)), options(over))
    expect(plan.deletes).toHaveLength(deletes)
    expect(plan.prune).toMatchObject({ deletes, previousFiles: before })
    expect(plan.prune.stop?.rule).toBe(rule)
  })
})

/**
 * createPlan with include/exclude: what the scan left out is listed, never
 * uploaded, and an owned key the globs leave out is kept as it is — owned, its
 * object untouched, never deleted however long it stays excluded.
 */
import { describe, expect, it } from 'vitest'
import { at, localFile as file, planOptions } from '../helpers/plan.js'
import type { FileFilterOptions } from '../../src/plan/filter.js'
import { createPlan, type PlanOptions } from '../../src/plan/plan.js'
import type { Ledger, LocalFile } from '../../src/plan/types.js'
const options = (over: Partial<PlanOptions> = {}): PlanOptions =>
  planOptions({ retain: { releases: 0, days: 0 }, precompress: { gzip: false, brotli: true }, ...over })

const JS = 'assets/index-Bx12abcd.js'
const MAP = `${JS}.map`
/** Big enough (≥ 1 KiB) to get a brotli sibling. */
const big = (rel: string) => file(rel, `${rel}\n${'x'.repeat(2000)}`)
const BUILD = [big('index.html'), file(JS), big(MAP), file('robots.txt')]
/** The ledger after a first deploy of everything (brotli siblings on: `MAP.br` is owned too). */
function deployed(): Ledger {
  const { pendingInvalidations: _done, ...ledger } = createPlan(BUILD, undefined, options({ release: 'r1', now: at(0) })).ledger
  return ledger
}
const without = (...rels: string[]) => BUILD.filter((f) => !rels.includes(f.rel))

interface Case {
  name: string
  filter: FileFilterOptions
  local: LocalFile[]
  excluded: string[]
  kept: string[]
  deletes: string[]
}

describe('createPlan: include/exclude', () => {
  it.each<Case>([
    {
      name: 'a map excluded from now on: kept owned as it is, with its brotli sibling, though retention would delete it',
      filter: { exclude: ['**/*.map'] },
      local: without(MAP),
      excluded: [MAP],
      kept: [MAP, `${MAP}.br`],
      deletes: [],
    },
    {
      name: 'include that forgets the HTML: the page stays, owned, untouched',
      filter: { include: ['assets/**', 'robots.txt'] },
      local: without('index.html'),
      excluded: ['index.html'],
      kept: ['index.html', 'index.html.br'],
      deletes: [],
    },
    {
      name: 'the same files simply gone from the build: deleted past retention (the contrast)',
      filter: {},
      local: without(MAP),
      excluded: [],
      kept: [],
      deletes: [`app/${MAP}`, `app/${MAP}.br`],
    },
  ])('$name', ({ filter, local, excluded, kept, deletes }) => {
    const ledger = deployed()
    const plan = createPlan(local, ledger, options({ filter, excluded }))
    expect(plan.excluded).toEqual({ files: excluded, kept })
    expect(plan.deletes).toEqual(deletes)
    expect(plan.uploads.filter((u) => kept.includes(u.rel))).toEqual([]) // never replaced
    expect(plan.invalidate.filter((rel) => kept.includes(rel))).toEqual([]) // nothing changed there
    for (const rel of kept) {
      // Owned still, bytes as recorded, retention clock restarted as if in this build.
      expect(plan.ledger.files[rel]).toEqual({ ...ledger.files[rel], release: 'r-next' })
    }
  })

  it('never deletes a kept key, release after release, until it is back in the build', () => {
    let ledger = deployed()
    const filter = { exclude: ['**/*.map'] }
    for (let n = 2; n <= 6; n++) {
      const plan = createPlan(without(MAP), ledger, options({ filter, release: `r${n}`, now: at(n * 30) }))
      expect(plan.deletes).toEqual([])
      ledger = plan.ledger
    }
    expect(ledger.files[MAP]!.release).toBe('r6')
    // The exclude lifted and the map back, same bytes: a skip, nothing to upload.
    const back = createPlan(BUILD, ledger, options({ release: 'r7', now: at(300) }))
    expect(back.skips).toContain(MAP)
    expect(back.uploads.map((u) => u.rel)).not.toContain(MAP)
    // The exclude lifted but the map gone from the build: retention counts from its last excluded release.
    const gone = createPlan(without(MAP), ledger, options({ release: 'r7', now: at(300), retain: { releases: 3, days: 0 } }))
    expect(gone.retained).toContain(MAP)
  })

  it('leaves no trace without a filter', () => {
    const plan = createPlan(BUILD, undefined, options())
    expect(plan.excluded).toEqual({ files: [], kept: [] })
  })
})

/**
 * createPlan as tables: a ledger before, a build after, the plan expected. Files
 * are made from their content, so "changed" is a real sha256 difference.
 */
import { describe, expect, it } from 'vitest'
import { at, localFile as file, planOptions as options } from '../helpers/plan.js'
import { CdnDeployError } from '../../src/errors.js'
import { createPlan } from '../../src/plan/plan.js'
import { MULTIPART_PART_SIZE, MULTIPART_THRESHOLD, uploadRequests } from '../../src/storage/limits.js'
import type { CacheRule } from '../../src/plan/rules.js'
import type { DeployPlan, Ledger, LocalFile, Release } from '../../src/plan/types.js'

const JS = 'assets/index-Bx12abcd.js'
const PNG = 'assets/logo-Cd34efgh.png'
const V1 = [file('index.html'), file(JS), file(PNG), file('robots.txt'), file('favicon.svg'), file('sw.js')]
const replace = (rel: string, next: LocalFile) => V1.map((f) => (f.rel === rel ? next : f))
/** The ledger after a deploy of `files`, its purge done (pendingInvalidations cleared). */
function deployed(files: LocalFile[]): Ledger {
  const { pendingInvalidations: _done, ...ledger } = createPlan(files, undefined, options({ release: 'r1', now: at(0) })).ledger
  return ledger
}
const summary = (plan: DeployPlan) => ({
  uploads: plan.uploads.map((u) => `${u.phase} ${u.reason} ${u.rel}`),
  skips: plan.skips,
  invalidate: plan.invalidate,
  deletes: plan.deletes,
  retained: plan.retained,
})

describe('createPlan: what goes up and what is invalidated', () => {
  it.each([
    {
      name: 'first deploy: everything new, immutable → other → HTML and entry documents; new mutable URLs purged (cached 404s)',
      ledger: undefined,
      local: V1,
      cacheControl: [],
      uploads: [`1 new ${JS}`, `1 new ${PNG}`, '2 new favicon.svg', '2 new robots.txt', '3 new index.html', '3 new sw.js'],
      invalidate: ['favicon.svg', 'index.html', 'robots.txt', 'sw.js'],
      retained: [],
    },
    { name: 'no-op redeploy', ledger: deployed(V1), local: V1, cacheControl: [], uploads: [], invalidate: [], retained: [] },
    {
      name: 'one mutable file changed',
      ledger: deployed(V1),
      local: replace('robots.txt', file('robots.txt', 'Disallow: /')),
      cacheControl: [],
      uploads: ['2 changed robots.txt'],
      invalidate: ['robots.txt'],
      retained: [],
    },
    {
      name: 'an "immutable" name whose bytes changed is purged too (its name was not a content hash)',
      ledger: deployed(V1),
      local: replace(PNG, file(PNG, 'other pixels')),
      cacheControl: [],
      uploads: [`1 changed ${PNG}`],
      invalidate: [PNG],
      retained: [],
    },
    {
      name: 'a Cache-Control rule changed: same bytes, new headers',
      ledger: deployed(V1),
      local: V1,
      cacheControl: [['*.txt', 'public, max-age=60']] as CacheRule[],
      uploads: ['2 headers robots.txt'],
      invalidate: ['robots.txt'],
      retained: [],
    },
    {
      name: 'hashed chunk replaced by a new hashed name: old one retained, not purged',
      ledger: deployed(V1),
      local: [...replace(JS, file('assets/index-Zz98yxwv.js', 'new code')).filter((f) => f.rel !== 'index.html'), file('index.html', 'v2')],
      cacheControl: [],
      uploads: ['1 new assets/index-Zz98yxwv.js', '3 changed index.html'],
      invalidate: ['index.html'],
      retained: [JS],
    },
    {
      name: 'a new page is purged (it may be cached as a 404)',
      ledger: deployed(V1),
      local: [...V1, file('about/index.html')],
      cacheControl: [],
      uploads: ['3 new about/index.html'],
      invalidate: ['about/index.html'],
      retained: [],
    },
  ])('$name', ({ ledger, local, cacheControl, uploads, invalidate, retained }) => {
    const plan = createPlan(local, ledger, options({ cacheControl }))
    const s = summary(plan)
    expect(s.uploads).toEqual(uploads)
    expect(s.invalidate).toEqual(invalidate)
    expect(s.retained).toEqual(retained)
    expect(s.deletes).toEqual([])
    expect(s.skips).toEqual(
      local
        .map((f) => f.rel)
        .filter((rel) => !plan.uploads.some((u) => u.rel === rel))
        .sort(),
    )
    expect(plan.uploads.every((u) => u.key === `app/${u.rel}`)).toBe(true)
    expect(plan.ledger.pendingInvalidations).toEqual(invalidate.length ? invalidate : undefined)
    expect(Object.keys(plan.ledger.files)).toEqual([...local.map((f) => f.rel), ...retained].sort())
    for (const f of local) expect(plan.ledger.files[f.rel]).toMatchObject({ sha256: f.sha256, release: 'r-next' })
    for (const rel of retained) expect(plan.ledger.files[rel]!.release).toBe('r1')
  })

  it('a Content-Type fix (same bytes) re-uploads with reason headers', () => {
    const ledger = deployed(V1)
    ledger.files['favicon.svg']!.contentType = 'image/svg+xml'
    expect(summary(createPlan(V1, ledger, options())).uploads).toEqual(['2 headers favicon.svg'])
  })
})

/** A ledger whose `gone.js`/`gone-Ab12cdef.js` were last in release `last`; the others at the given days. */
function history(days: number[], last: string, extra: Partial<Ledger> = {}): Ledger {
  const releases: Release[] = days.map((d, i) => ({ id: `r${i + 1}`, time: at(d).toISOString(), files: 1, bytes: 1 }))
  const entry = { sha256: 'x', size: 1, contentType: 'text/javascript; charset=utf-8', cacheControl: 'public, max-age=300', release: last }
  return { version: 1, releases, files: { 'gone.js': { ...entry, immutable: false }, 'gone-Ab12cdef.js': { ...entry, immutable: true } }, ...extra }
}

describe('createPlan: retention (kept for 3 later releases AND 7 days; absent counts the new release)', () => {
  it.each([
    { name: 'absent for 2 releases, 30 days → kept', ledger: history([0, 10], 'r1'), now: at(30), deleted: false },
    { name: 'absent for 3 releases (the 3 it is kept for), 30 days → kept', ledger: history([0, 20, 22], 'r1'), now: at(40), deleted: false },
    { name: 'absent for 4 releases, 6 days → kept', ledger: history([0, 20, 22, 24], 'r1'), now: at(26), deleted: false },
    { name: 'absent for 4 releases, 7 days minus 1 ms → kept', ledger: history([0, 20, 22, 24], 'r1'), now: new Date(at(27).getTime() - 1), deleted: false },
    { name: 'absent for 4 releases, exactly 7 days → deleted', ledger: history([0, 20, 22, 24], 'r1'), now: at(27), deleted: true },
    { name: 'absent for 5 releases, 80 days → deleted', ledger: history([0, 20, 22, 40, 60], 'r1'), now: at(100), deleted: true },
    { name: 'last release unknown (trimmed): dated from the oldest listed → kept', ledger: history([50, 55, 60], 'r0'), now: at(56), deleted: false },
    { name: 'last release unknown, old enough → deleted', ledger: history([50, 55, 60], 'r0'), now: at(57), deleted: true },
    { name: 'still in the latest release → kept', ledger: history([0, 20, 22], 'r3'), now: at(90), deleted: false },
    {
      name: 'releases: 1, dropped by the release being made → kept while it is live',
      ledger: history([0], 'r1'),
      now: at(90),
      deleted: false,
      retain: { releases: 1, days: 0 },
    },
    {
      name: 'releases: 1, dropped by the live release → deleted by the next',
      ledger: history([0, 1], 'r1'),
      now: at(90),
      deleted: true,
      retain: { releases: 1, days: 0 },
    },
    { name: 'releases: 0 → deleted by the very next deploy', ledger: history([0], 'r1'), now: at(90), deleted: true, retain: { releases: 0, days: 0 } },
  ])('$name', ({ ledger, now, deleted, retain }) => {
    const plan = createPlan([file('index.html')], ledger, options({ now, ...(retain ? { retain } : {}) }))
    expect(plan.deletes).toEqual(deleted ? ['app/gone-Ab12cdef.js', 'app/gone.js'] : [])
    expect(plan.retained).toEqual(deleted ? [] : ['gone-Ab12cdef.js', 'gone.js'])
    // Only the removed mutable URL is purged; the hashed one is only asked for by old pages.
    expect(plan.invalidate).toEqual(deleted ? ['gone.js', 'index.html'] : ['index.html'])
    expect(plan.stats.deleteCount).toBe(plan.deletes.length)
    for (const key of plan.deletes) expect(Object.keys(ledger.files).map((rel) => `app/${rel}`)).toContain(key)
  })

  it('never deletes a key it has no ledger entry for, even with retention off', () => {
    const plan = createPlan([file('index.html')], undefined, options({ retain: { releases: 0, days: 0 } }))
    expect(plan.deletes).toEqual([])
    const owned = createPlan([], history([0], 'r1'), options({ retain: { releases: 0, days: 0 } }))
    expect(owned.deletes).toEqual(['app/gone-Ab12cdef.js', 'app/gone.js'])
  })

  it('trims history to 100 releases but keeps the oldest one a retained file needs', () => {
    const long = history(
      Array.from({ length: 150 }, (_, i) => i / 100),
      'r1',
    )
    const kept = createPlan([file('index.html')], long, options({ now: at(5) })).ledger.releases
    expect(kept[0]!.id).toBe('r1') // gone.js absent < 7 days: its release stays
    expect(kept).toHaveLength(151)
    const expired = createPlan([file('index.html')], long, options({ now: at(30) })).ledger.releases
    expect(expired.map((r) => r.id)).toEqual([...Array.from({ length: 99 }, (_, i) => `r${i + 52}`), 'r-next'])
  })
})

describe('createPlan: ledger, stats and contracts', () => {
  it('carries pending invalidations (deduped) and appends the release', () => {
    const ledger = { ...deployed(V1), pendingInvalidations: ['old/page.html', 'robots.txt'] }
    const plan = createPlan(replace('robots.txt', file('robots.txt', 'x')), ledger, options({ commit: 'abc123' }))
    expect(plan.invalidate).toEqual(['old/page.html', 'robots.txt'])
    expect(plan.ledger.pendingInvalidations).toEqual(['old/page.html', 'robots.txt'])
    const bytes = V1.reduce((sum, f) => sum + f.size, 0) - V1[3]!.size + 1
    expect(plan.ledger.releases.at(-1)).toEqual({ id: 'r-next', time: at(100).toISOString(), commit: 'abc123', files: 6, bytes, record: true })
    expect(plan.ledger.releases.map((r) => r.id)).toEqual(['r1', 'r-next'])
  })

  it('estimates the requests the plan knows: PUTs (multipart from 16 MiB, in 8 MiB parts) + delete batches + commit + clear (lock and bookkeeping apart)', () => {
    const big = file('video.mp4', 'v', 2 * MULTIPART_PART_SIZE + 1) // 3 parts + create + complete
    expect(uploadRequests(MULTIPART_THRESHOLD - 1)).toBe(1)
    expect(uploadRequests(MULTIPART_THRESHOLD)).toBe(2 + 2)
    const plan = createPlan([file('a.js'), big], history([0], 'r1'), options({ retain: { releases: 0, days: 0 } }))
    expect(plan.stats).toEqual({ uploadCount: 2, uploadBytes: big.size + file('a.js').size, skipCount: 0, deleteCount: 2, requests: 1 + 5 + 1 + 1 + 1 + 1 + 1 }) // … + the pending-pages PUT (a.js is mutable) + the release record
    expect(createPlan(V1, deployed(V1), options()).stats.requests).toBe(2) // if run: the release record and the commit
  })

  it('is deterministic and pure: same input → deep-equal plan, inputs untouched', () => {
    const ledger = { ...deployed(V1), pendingInvalidations: ['x.html'] }
    const local = [...replace('robots.txt', file('robots.txt', 'x')), file('new-Qw12erty.css')].reverse()
    const before = structuredClone({ local, ledger })
    const deepFreeze = (value: unknown): void => {
      if (!value || typeof value !== 'object') return
      Object.values(value).forEach(deepFreeze)
      Object.freeze(value)
    }
    deepFreeze(local)
    deepFreeze(ledger)
    const first = createPlan(local, ledger, options())
    expect(createPlan(structuredClone(local).reverse(), structuredClone(ledger), options())).toStrictEqual(first)
    expect({ local, ledger }).toStrictEqual(before)
    first.ledger.releases[0]!.files = -1 // the plan shares no objects with its input
    expect(ledger.releases[0]!.files).toBe(6)
  })

  it('gives a repeated release id a unique suffix', () => {
    const ledger = deployed(V1)
    expect(createPlan(V1, ledger, options({ release: 'r1' })).release).toBe('r1-r2')
  })

  it('handles names that are also Object.prototype keys', () => {
    const local = [file('__proto__'), file('constructor')]
    const plan = createPlan(local, undefined, options())
    expect(plan.uploads.map((u) => u.reason)).toEqual(['new', 'new'])
    expect(Object.keys(plan.ledger.files)).toEqual(['__proto__', 'constructor'])
    expect(createPlan(local, plan.ledger, options({ release: 'r3' })).skips).toEqual(['__proto__', 'constructor'])
  })

  it('normalizes the prefix', () => {
    expect(createPlan([file('a.js')], undefined, options({ prefix: '/app' })).uploads[0]!.key).toBe('app/a.js')
  })

  it.each([
    { name: 'an escaping path', local: [file('../x.js')], ledger: undefined, message: /refusing "..\/x.js"/ },
    { name: 'a file in the ledger dir', local: [file('.cdn-deploy/ledger.json')], ledger: undefined, message: /\.cdn-deploy\/ holds the deploy's own state/ },
    {
      name: 'a file in a state dir inside the prefix',
      local: [file('_state/ledger.json')],
      ledger: undefined,
      message: /_state\/ holds the deploy's own state/,
      stateDir: '_state/',
    },
    { name: 'a duplicate', local: [file('a.js'), file('a.js')], ledger: undefined, message: /listed twice/ },
    { name: 'a newer ledger', local: [], ledger: { ...deployed(V1), version: 2 } as unknown as Ledger, message: /version 2/ },
  ])('refuses $name', ({ local, ledger, message, stateDir }) => {
    const run = () => createPlan(local, ledger, options(stateDir ? { stateDir } : {}))
    expect(run).toThrow(CdnDeployError)
    expect(run).toThrow(message)
  })
})

describe('createPlan: release records and kept page versions (rollback)', () => {
  it("records the build's files with their headers, and prunes a record with its release", () => {
    const first = createPlan(V1, undefined, options({ release: 'r1', now: at(0) }))
    expect(Object.keys(first.record.files)).toEqual(V1.map((f) => f.rel).sort())
    const html = V1[0]!
    expect(first.record.files['index.html']).toEqual({
      sha256: html.sha256,
      size: html.size,
      contentType: 'text/html; charset=utf-8',
      cacheControl: 'public, max-age=0, must-revalidate',
      immutable: false,
    })
    const next = createPlan([file('index.html', 'v2')], first.ledger, options({ release: 'r2', now: at(1), retain: { releases: 0, days: 0 } }))
    expect(next.stateDeletes).toEqual(['app/.cdn-deploy/releases/r1.json'])
    expect(next.ledger.releases.map((r) => [r.id, r.record])).toEqual([
      ['r1', undefined],
      ['r2', true],
    ])
  })

  it('keeps the replaced version of each changed page once (a blob), named by its bytes', () => {
    const first = createPlan(V1, undefined, options({ release: 'r1', now: at(0) }))
    const next = createPlan(replace('index.html', file('index.html', 'v2')), first.ledger, options({ release: 'r2', now: at(1) }))
    expect(next.keep).toEqual([
      { name: V1[0]!.sha256, key: `app/.cdn-deploy/blobs/${V1[0]!.sha256}`, from: 'app/index.html', sha256: V1[0]!.sha256, size: V1[0]!.size },
    ])
    expect(next.ledger.blobs).toEqual({ [V1[0]!.sha256]: 'r1' })
    // Kept already: not copied again.
    expect(
      createPlan(replace('index.html', file('index.html', 'v3')), { ...next.ledger, files: first.ledger.files }, options({ release: 'r3', now: at(2) })).keep,
    ).toEqual([])
  })
})

describe('createPlan: precompression', () => {
  const big = (rel: string) => file(rel, `/* ${rel} */\n${'x'.repeat(2000)}`)
  const FILES = [big('index.html'), big(JS), file(PNG), file('robots.txt'), big('assets/app-Ab12Cd34.css')]
  const gzip = { gzip: true, brotli: false }
  const both = { gzip: true, brotli: true }

  it.each([
    ['nothing by default', undefined, {}],
    ['gzip: compressible files of 1 KiB or more, under their own key', gzip, { 'index.html': 'gzip', [JS]: 'gzip', 'assets/app-Ab12Cd34.css': 'gzip' }],
    [
      'brotli: a .br sibling as well',
      both,
      { 'index.html': 'gzip', 'index.html.br': 'br', [JS]: 'gzip', [`${JS}.br`]: 'br', 'assets/app-Ab12Cd34.css': 'gzip', 'assets/app-Ab12Cd34.css.br': 'br' },
    ],
  ])('%s', (_name, precompress, expected) => {
    const plan = createPlan(FILES, undefined, options(precompress ? { precompress } : {}))
    const encoded = Object.fromEntries(plan.uploads.filter((u) => u.contentEncoding).map((u) => [u.rel, u.contentEncoding]))
    expect(encoded).toEqual(expected)
    // Every variant keeps its source's type, cache policy and phase, and the source's sha256.
    for (const upload of plan.uploads.filter((u) => u.rel.endsWith('.br'))) {
      const source = plan.uploads.find((u) => u.rel === upload.rel.slice(0, -3))!
      expect(upload).toMatchObject({
        contentType: source.contentType,
        cacheControl: source.cacheControl,
        phase: source.phase,
        sha256: source.sha256,
        path: source.path,
      })
      expect(plan.ledger.files[upload.rel]).toMatchObject({ contentEncoding: 'br', sha256: source.sha256 })
    }
  })

  it('turning gzip on re-uploads the compressible files with reason headers, and purges the mutable ones', () => {
    const ledger = deployed(FILES)
    const plan = createPlan(FILES, ledger, options({ precompress: gzip }))
    expect(plan.uploads.map((u) => [u.rel, u.reason])).toEqual([
      ['assets/app-Ab12Cd34.css', 'headers'],
      [JS, 'headers'],
      ['index.html', 'headers'],
    ])
    expect(plan.invalidate).toContain('index.html')
    const again = createPlan(FILES, plan.ledger, options({ precompress: gzip, release: 'r3', now: at(101) }))
    expect(again.uploads).toEqual([])
  })

  it('does not shadow a .br file the build emits itself', () => {
    const plan = createPlan([big(JS), file(`${JS}.br`, 'brotli bytes from a build plugin')], undefined, options({ precompress: both }))
    expect(plan.uploads.find((u) => u.rel === `${JS}.br`)).not.toHaveProperty('contentEncoding')
  })
})

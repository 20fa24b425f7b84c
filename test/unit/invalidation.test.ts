/**
 * The pure side of invalidation as tables: which paths a change yields, how
 * each CDN's encoding writes them, how they collapse into wildcards, batches,
 * costs, and the small shared helpers of the adapters.
 */
import { describe, expect, it } from 'vitest'
import { basePathOf, collapsePaths, estimateCloudFrontCost, invalidationPaths, isWildcard, planInvalidation } from '../../src/plan/invalidation.js'
import { browserUrl, cloudflarePrefix, cloudFrontBatches, encodeCloudFrontPath, urlVariants } from '../../src/plan/invalidation-encoding.js'
import { callerReference, normalizeStatus } from '../../src/providers/cloudfront.js'
import { waitTimeoutMs } from '../../src/providers/types.js'
import { resolveHeaders } from '../../src/providers/generic.js'
import { isCustomProvider, retryAfterMs } from '../../src/providers/types.js'
import { CdnDeployError } from '../../src/errors.js'

const APP = 'https://cdn.example.com/app/'
const ROOT = 'https://cdn.example.com/'

/** Whether some submitted path (exact or wildcard) covers `path`. */
const covered = (submitted: readonly string[], path: string) => submitted.some((s) => (isWildcard(s) ? path.startsWith(s.slice(0, -1)) : s === path))

describe('invalidationPaths: URL paths of changed mutable files, with directory aliases', () => {
  it.each([
    { name: 'root index.html under a root base yields /', rels: ['index.html'], base: ROOT, paths: ['/', '/index.html'] },
    {
      name: 'root index.html under a prefix base yields the base with and without slash',
      rels: ['index.html'],
      base: APP,
      paths: ['/app', '/app/', '/app/index.html'],
    },
    { name: 'sub-directory index.html yields dir/ and dir', rels: ['docs/index.html'], base: APP, paths: ['/app/docs', '/app/docs/', '/app/docs/index.html'] },
    { name: 'a plain file yields itself only', rels: ['robots.txt'], base: APP, paths: ['/app/robots.txt'] },
    { name: 'a name merely ending in index.html is not a directory index', rels: ['docs/myindex.html'], base: APP, paths: ['/app/docs/myindex.html'] },
    { name: 'unicode and spaces stay decoded (encoding is per provider)', rels: ['docs/é t.html'], base: APP, paths: ['/app/docs/é t.html'] },
    { name: 'the base path is decoded from the public URL', rels: ['a.js'], base: 'https://cdn.example.com/v%202/', paths: ['/v 2/a.js'] },
    {
      name: 'a domain with its own path (origin path strips the prefix)',
      rels: ['index.html'],
      base: 'https://cdn.example.com/site/v2/',
      paths: ['/site/v2', '/site/v2/', '/site/v2/index.html'],
    },
    { name: 'a literal * in a name becomes a wildcard covering the file', rels: ['a*b.js'], base: APP, paths: ['/app/a*'] },
    { name: 'sorted and unique', rels: ['b.html', 'a.html', 'a.html'], base: APP, paths: ['/app/a.html', '/app/b.html'] },
    { name: 'nothing changed: nothing to purge', rels: [], base: APP, paths: [] },
  ])('$name', ({ rels, base, paths }) => {
    expect(invalidationPaths(rels, base)).toEqual(paths)
  })

  it('basePathOf keeps one trailing slash', () => {
    expect([basePathOf(ROOT), basePathOf(APP), basePathOf('https://cdn.example.com/x')]).toEqual(['/', '/app/', '/x/'])
  })
})

describe('encodeCloudFrontPath: non-ASCII and RFC 1738 unsafe characters only', () => {
  it.each([
    ['/app/index.html', '/app/index.html'],
    ['/app/é t.html', '/app/%C3%A9%20t.html'],
    ['/日本/', '/%E6%97%A5%E6%9C%AC/'],
    ['/😀.png', '/%F0%9F%98%80.png'],
    ['/a~b[1]{2}|^`\\.html', '/a%7Eb%5B1%5D%7B2%7D%7C%5E%60%5C.html'],
    ['/q?x#y%z"<>', '/q%3Fx%23y%25z%22%3C%3E'],
    ['/tab\there', '/tab%09here'],
    // Reserved but safe characters must stay as they are, or the purge silently misses.
    ["/a@b+c,d;e=f&g:h!$'().html", "/a@b+c,d;e=f&g:h!$'().html"],
    ['/docs/*', '/docs/*'],
    ['/é*', '/%C3%A9*'],
    ['no-slash.html', '/no-slash.html'],
  ])('%s → %s', (input, expected) => {
    expect(encodeCloudFrontPath(input)).toBe(expected)
  })

  it('rejects a * inside a path and paths over 4,000 characters', () => {
    expect(() => encodeCloudFrontPath('/a*b')).toThrow(/only allowed at the end/)
    expect(() => encodeCloudFrontPath(`/${'é'.repeat(700)}`)).toThrow(/longer than 4000/)
  })
})

describe('URLs for CDNs keyed on the request URL', () => {
  it.each([' ', '"', '<', '>', '`', '{', '}', '^', '|', '[', ']', '~', '@', '+', ',', ';', '=', '$', '&', ':', '!', "'", '(', ')', 'é', '日'])(
    'browserUrl writes %j exactly as the WHATWG URL parser does',
    (ch) => {
      expect(browserUrl(`/app/a${ch}b.html`, APP)).toBe(new URL(`/app/a${ch}b.html`, APP).href)
    },
  )

  it.each([
    ['/app/x.html', ['https://cdn.example.com/app/x.html']],
    ['/app/a b.html', ['https://cdn.example.com/app/a%20b.html']],
    ['/app/a?b#c%d\\e.html', ['https://cdn.example.com/app/a%3Fb%23c%25d%5Ce.html']],
    // The raw-name form a browser sends, and the encodeURIComponent form urlFor writes.
    ['/app/a@b+c.html', ['https://cdn.example.com/app/a@b+c.html', 'https://cdn.example.com/app/a%40b%2Bc.html']],
  ])('urlVariants(%s)', (path, urls) => {
    expect(urlVariants(path, APP)).toEqual(urls)
  })

  it.each([
    ['/app/docs/*', 'cdn.example.com/app/docs'],
    ['/app/a*', 'cdn.example.com/app'],
    ['/app/*', 'cdn.example.com/app'],
    ['/*', 'cdn.example.com'],
    ['/app/é t/*', 'cdn.example.com/app/%C3%A9%20t'],
  ])('cloudflarePrefix(%s) = %s', (wildcard, prefix) => {
    expect(cloudflarePrefix(wildcard, APP)).toBe(prefix)
  })
})

const files = (dir: string, n: number, ext = 'html') => Array.from({ length: n }, (_, i) => `${dir}p${String(i).padStart(3, '0')}.${ext}`)

describe('collapsePaths: fewest wildcards covering the change, little else', () => {
  it('leaves a set within the limit untouched', () => {
    const paths = invalidationPaths(['index.html', 'docs/index.html'], APP)
    expect(collapsePaths(paths, 50)).toEqual(paths)
  })

  it('collapses the directory whose files all changed, not the one full of unchanged files', () => {
    const changed = [...files('docs/', 30), ...files('blog/', 40)]
    const universe = [...changed, ...files('docs/', 100).slice(30), ...files('assets/', 200, 'js')].map((r) => `/app/${r}`)
    const result = collapsePaths(invalidationPaths(changed, APP), 40, { universe, floor: '/app/' })
    expect(result).toContain('/app/blog/*')
    expect(result.filter(isWildcard)).toEqual(['/app/blog/*'])
    expect(result).toHaveLength(31) // 30 docs pages + one wildcard
  })

  it('keeps the alias without slash exact, and never widens to the base when a deeper directory is enough', () => {
    const rels = ['index.html', 'docs/index.html', ...files('docs/', 60)]
    const universe = [...rels, ...files('assets/', 50, 'js')].map((r) => `/app/${r}`)
    const result = collapsePaths(invalidationPaths(rels, APP), 10, { universe, floor: '/app/' })
    expect(result).toEqual(['/app', '/app/', '/app/docs', '/app/docs/*', '/app/index.html'])
  })

  it('without a file list, prefers the smallest scope', () => {
    const rels = [...files('a/deep/', 10), ...files('a/', 3)]
    const result = collapsePaths(invalidationPaths(rels, APP), 5, { floor: '/app/' })
    expect(result).toEqual(['/app/a/deep/*', '/app/a/p000.html', '/app/a/p001.html', '/app/a/p002.html'])
  })

  it('respects maxWildcards by merging wildcards into a parent', () => {
    const rels = Array.from({ length: 20 }, (_, d) => files(`s${d}/`, 5)).flat()
    const paths = invalidationPaths(rels, APP)
    const result = collapsePaths(paths, 30, { maxWildcards: 15, floor: '/app/' })
    expect(result.length).toBeLessThanOrEqual(30)
    expect(result.filter(isWildcard).length).toBeLessThanOrEqual(15)
    for (const p of paths) expect(covered(result, p)).toBe(true)
  })

  it('never produces /* on its own: root-level files stay exact, over the limit', () => {
    const paths = invalidationPaths(files('', 8), ROOT)
    expect(collapsePaths(paths, 3)).toEqual(paths)
  })

  it('never collapses above the floor', () => {
    const paths = invalidationPaths(files('', 8), 'https://cdn.example.com/site/v2/')
    expect(collapsePaths(paths, 3, { floor: '/site/v2/' })).toEqual(['/site/v2/*'])
  })

  it.each([5, 10, 25, 60])('covers every changed path (maxPaths %i)', (max) => {
    const rels = ['index.html', 'a/index.html', ...files('a/b/', 20), ...files('a/c/', 7), ...files('d/', 12), 'robots.txt']
    const paths = invalidationPaths(rels, APP)
    const result = collapsePaths(paths, max, { floor: '/app/' })
    for (const p of paths) expect(covered(result, p)).toBe(true)
    expect(result.length).toBeLessThanOrEqual(Math.max(max, 4)) // /app, /app/, /app/index.html, /app/robots.txt cannot collapse below the base
  })
})

describe('planInvalidation', () => {
  it('a hashed-only change (nothing mutable changed) yields no path: no call at all', () => {
    expect(planInvalidation([], APP, { maxPaths: 50 })).toEqual({
      paths: [],
      exact: 0,
      wildcards: 0,
      collapsed: false,
      purgeEverything: false,
      overLimit: false,
    })
  })

  it('purgeEverything replaces the paths with the base wildcard, only when something changed', () => {
    expect(planInvalidation(['index.html'], APP, { maxPaths: 50, purgeEverything: true }).paths).toEqual(['/app/*'])
    expect(planInvalidation([], APP, { maxPaths: 50, purgeEverything: true }).paths).toEqual([])
  })

  it('collapses above maxPaths, judging wildcards by the universe (rels)', () => {
    const rels = files('docs/', 80)
    const plan = planInvalidation(rels, APP, { maxPaths: 50, maxWildcards: 15, universe: [...rels, 'index.html', ...files('assets/', 30, 'js')] })
    expect(plan).toMatchObject({ paths: ['/app/docs/*'], exact: 80, wildcards: 1, collapsed: true, overLimit: false })
  })

  it('flags a set it cannot bring within the limit', () => {
    expect(planInvalidation(files('', 8), ROOT, { maxPaths: 3 })).toMatchObject({ collapsed: false, overLimit: true })
  })
})

describe('estimateCloudFrontCost: 0.005 USD per path beyond 1,000 a month', () => {
  it.each([
    { paths: 10, used: 0, billable: 0, usd: 0 },
    { paths: 1000, used: 0, billable: 0, usd: 0 },
    { paths: 1500, used: 0, billable: 500, usd: 2.5 },
    { paths: 20, used: 990, billable: 10, usd: 0.05 },
    { paths: 20, used: 5000, billable: 20, usd: 0.1 },
  ])('$paths paths after $used used → $billable billable, $usd USD', ({ paths, used, billable, usd }) => {
    const list = Array.from({ length: paths }, (_, i) => `/p${i}`)
    expect(estimateCloudFrontCost(list, 1000, used)).toEqual({ paths, billablePaths: billable, usd })
  })

  it('a wildcard counts as one path', () => {
    expect(estimateCloudFrontCost(['/app/*'], 0).billablePaths).toBe(1)
  })
})

describe('cloudFrontBatches: within 3,000 paths and 15 wildcards each', () => {
  it('splits 7,000 paths into 3,000 + 3,000 + 1,000', () => {
    const paths = Array.from({ length: 7000 }, (_, i) => `/p${i}`)
    expect(cloudFrontBatches(paths).map((b) => b.length)).toEqual([3000, 3000, 1000])
  })

  it('keeps at most 15 wildcards per batch and every path once, in order', () => {
    const paths = Array.from({ length: 40 }, (_, i) => (i % 2 ? `/d${i}/*` : `/f${i}`))
    const batches = cloudFrontBatches(paths)
    for (const b of batches) expect(b.filter(isWildcard).length).toBeLessThanOrEqual(15)
    expect(batches.flat()).toEqual(paths)
    expect(batches).toHaveLength(2)
  })
})

describe('adapter helpers', () => {
  it('callerReference: unique per call (a purge repeated on purpose is a new request), naming release and batch', () => {
    const refs = [callerReference('r1', 0), callerReference('r1', 0), callerReference('r1', 1), callerReference('r2', 0)]
    expect(new Set(refs).size).toBe(4)
    expect(refs[2]).toMatch(/^cdn-deploy:r1:1:[0-9a-f-]{36}$/)
  })

  it.each([
    ['COMPLETED', 'Completed'],
    ['Completed', 'Completed'],
    ['completed', 'Completed'],
    ['INPROGRESS', 'InProgress'],
    ['InProgress', 'InProgress'],
    ['Weird', 'Weird'],
  ])('normalizeStatus(%s) = %s', (input, out) => {
    expect(normalizeStatus(input)).toBe(out)
  })

  it.each([
    [false, undefined],
    [undefined, undefined],
    [true, 600_000],
    [30, 30_000],
  ] as const)('waitTimeoutMs(%s) = %s', (wait, ms) => {
    expect(waitTimeoutMs(wait)).toBe(ms)
  })

  it.each([
    ['2', 2000],
    ['0', 0],
    ['1.5', 1500],
    ['3600', 60_000],
    [new Date(Date.UTC(2030, 0, 1, 0, 0, 5)).toUTCString(), 5000],
    ['soon', undefined],
    [null, undefined],
  ] as const)('retryAfterMs(%j) = %s', (value, ms) => {
    expect(retryAfterMs(value, 60_000, Date.UTC(2030, 0, 1))).toBe(ms)
  })

  it('resolveHeaders fills ${NAME} from the env, and names a missing variable without any value', () => {
    expect(resolveHeaders({ Authorization: 'Bearer ${HOOK_TOKEN}', 'X-Static': 'plain' }, { HOOK_TOKEN: 's3cr3t-value' })).toEqual({
      Authorization: 'Bearer s3cr3t-value',
      'X-Static': 'plain',
    })
    let error: unknown
    try {
      resolveHeaders({ Authorization: 'Bearer ${MISSING_TOKEN}', 'X-Other': '${PRESENT}' }, { PRESENT: 'visible-secret' })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(CdnDeployError)
    expect((error as Error).message).toMatch(/^\[cdn-deploy\] \[generic\] provider\.headers\.Authorization references \$\{MISSING_TOKEN\}/)
    expect((error as Error).message).not.toContain('visible-secret')
  })

  it('isCustomProvider recognises an adapter object, not a config', () => {
    expect(isCustomProvider({ name: 'fastly', invalidate: async () => ({ ids: [], paths: [], requests: 0 }), check: async () => {} })).toBe(true)
    expect(isCustomProvider({ type: 'cloudfront', distributionId: 'E123' })).toBe(false)
  })
})

/**
 * VitePress 1.6 (Vite 5) with `cdn()` as the one added line in
 * docs/.vitepress/config.mts: `vitepress build docs` deploys the whole site once,
 * from the site's buildEnd, after every page is rendered; the pages work from the
 * bucket URL (client routing included: the guide.html hydrated into the
 * home page); a failure after the bundles (a page that throws while rendering,
 * a failing user buildEnd) releases nothing; HTML from an origin is refused.
 */
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { listTree } from '../helpers/build.js'
import { getObject, readLedgerObject } from '../helpers/deploy.js'
import { bucketMatches, checkPage, published, REPO, run, useFixture, type PageCheck, type Run } from '../helpers/frameworks.js'

const PREFIX = 'vitepress/'
const DIST = 'docs/.vitepress/dist'
const CLI = join(REPO, 'dist/cli/index.js')
const IMMUTABLE = 'public, max-age=31536000, immutable'
const counter = { click: '#counter', textOf: '#counter' }
const ownManifest = (rel: string) => rel.startsWith('.vite/')
const output = (r: Run) => r.stdout + r.stderr
/**
 * checkPage's problems but the browser's own request for `/favicon.ico` at the
 * server root: outside the site, referenced by no page (the fixture has no icon).
 */
const siteProblems = (check: PageCheck) =>
  check.problems.filter((p) => !(p.startsWith('console error: Failed to load resource') && p.endsWith(`(${new URL(check.url).origin}/favicon.ico)`)))

const app = useFixture('vitepress', { command: (args) => ['npx', ['vitepress', 'build', 'docs', ...args]], timeoutMs: 240_000 })
const build = async (dir: string, prefix: string, args: string[] = []) => (await app.buildIn(dir, prefix, { args })).result

/** Edit a file of a fixture copy; fails if the anchor is not there (the edit must take effect). */
async function edit(dir: string, rel: string, anchor: string, replacement: string): Promise<void> {
  const text = await readFile(join(dir, rel), 'utf8')
  expect(text).toContain(anchor)
  await writeFile(join(dir, rel), text.replace(anchor, replacement))
}

describe('vitepress build with cdn() (the whole site on the CDN)', () => {
  let dir: string
  let result: Run
  const site = () => app.bucket.url(PREFIX)

  beforeAll(async () => {
    dir = await app.copy()
    result = await build(dir, PREFIX)
  }, 600_000)

  it('exits 0 and deploys once, after the pages are rendered', async () => {
    expect(result.code, output(result)).toBe(0)
    const text = output(result)
    expect(text.match(/\[cdn-deploy\] deployed release/g)).toHaveLength(1)
    // From buildEnd: after the client build wrote its manifest, before "build complete"
    // (that the pages were rendered first shows in the bucket: the HTML is there).
    const at = (line: string) => result.stdout.indexOf(line)
    expect(at('manifest: .vite/cdn-manifest.json')).toBeGreaterThanOrEqual(0)
    expect(at('[cdn-deploy] deployed release')).toBeGreaterThan(at('manifest: .vite/cdn-manifest.json'))
    expect(at('build complete')).toBeGreaterThan(at('[cdn-deploy] deployed release'))
    expect((await readLedgerObject(app.bucket.client, app.bucket.bucket, PREFIX))?.releases).toHaveLength(1)
  })

  it('publishes the final output byte for byte (HTML included) and nothing else', async () => {
    const files = await listTree(join(dir, DIST))
    expect(files).toEqual(expect.arrayContaining(['index.html', 'guide.html', '404.html', 'hashmap.json', 'vp-icons.css', 'robots.txt']))
    expect(files.some((rel) => rel.endsWith('.lean.js'))).toBe(true)
    // The server build's directory is VitePress's and gone; the bucket holds the client output only.
    expect(existsSync(join(dir, 'docs/.vitepress/.temp'))).toBe(false)
    expect(await bucketMatches(app.bucket, PREFIX, join(dir, DIST), ownManifest)).toEqual([])
  })

  it('caches assets/** (.lean.js too) as immutable, HTML and the other fixed names as mutable', async () => {
    const files = (await listTree(join(dir, DIST))).filter((rel) => !ownManifest(rel))
    const cache = Object.fromEntries(
      await Promise.all(files.map(async (rel) => [rel, (await getObject(app.bucket.client, app.bucket.bucket, PREFIX + rel))?.cacheControl] as const)),
    )
    for (const rel of files.filter((r) => r.startsWith('assets/'))) expect(cache[rel], rel).toBe(IMMUTABLE)
    for (const rel of ['index.html', 'guide.html', '404.html', 'hashmap.json', 'vp-icons.css', 'robots.txt']) {
      expect(cache[rel], rel).toBeDefined()
      expect(cache[rel], rel).not.toContain('immutable')
    }
  })

  it.each(['index.html', 'guide.html'])('%s loads from the bucket URL: every request 200, no errors, the counter counts', async (page) => {
    const check = await checkPage(app.browser, site() + page, counter)
    expect(siteProblems(check)).toEqual([])
    expect(check.requests.filter((url) => url.includes('/assets/')).length).toBeGreaterThan(2)
    expect(check.before).toBe('count is 0')
    expect(check.after).toBe('count is 1')
  })

  it('hydrates guide.html as the guide and routes index → guide on the client', async () => {
    const page = await app.browser.newPage()
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    page.on('response', (r) => void (r.status() !== 200 && r.status() !== 304 && problems.push(`HTTP ${r.status()}: ${r.url()}`)))
    const hydrated = async () => {
      // The counter moves only once Vue has hydrated the page.
      const before = await page.textContent('#counter')
      await page.click('#counter')
      await page.waitForFunction((text) => document.querySelector('#counter')?.textContent !== text, before)
    }
    try {
      await page.goto(site() + 'guide.html', { waitUntil: 'networkidle' })
      await hydrated()
      expect(await page.textContent('.vp-doc h1')).toContain('Guide')

      await page.goto(site() + 'index.html', { waitUntil: 'networkidle' })
      await hydrated()
      expect(await page.textContent('.vp-doc h1')).toContain('Home')
      await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true))
      await page.click('.vp-doc a[href*="guide"]')
      await page.waitForFunction(() => document.querySelector('.vp-doc h1')?.textContent?.includes('Guide'))
      expect(page.url()).toBe(site() + 'guide.html')
      // Client-side navigation: the same document, not a reload.
      expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true)
      await page.waitForLoadState('networkidle')
      await hydrated()
    } finally {
      await page.close()
    }
    expect(problems).toEqual([])
  })

  it('cdn-deploy verify passes on the deploy (every page and the URLs it references)', async () => {
    const verify = await run(process.execPath, [CLI, 'verify', DIST], { cwd: dir, env: app.bucket.env(PREFIX), timeoutMs: 120_000 })
    expect(verify.code, output(verify)).toBe(0)
    // Every file, then the three pages (index, guide, 404) and every URL they load.
    const verdict = /verify: (\d+) of \1 files ok \(SRI checked\); 3 of 3 pages ok, (\d+) of \2 references ok/.exec(verify.stdout)
    expect(verdict, output(verify)).not.toBeNull()
    expect(Number(verdict![2])).toBeGreaterThan(5)
  })
})

describe('vitepress build with cdn(): nothing is released when', () => {
  it.each([
    {
      name: 'a page has a dead link (VitePress fails its client build)',
      prefix: 'vitepress-dead-link/',
      change: (dir: string) => edit(dir, 'docs/guide.md', '[Back home](./)', '[Back home](./)\n\n[Nowhere](./no-such-page)'),
      message: '1 dead link(s) found',
      bundled: false,
    },
    {
      name: 'a page fails while it is rendered (transformHtml throws on guide.html)',
      prefix: 'vitepress-render/',
      change: (dir: string) =>
        edit(
          dir,
          'docs/.vitepress/config.mts',
          '  vite: {',
          "  transformHtml(html, id) {\n    if (id.endsWith('guide.html')) throw new Error('guide.html failed to render on purpose')\n  },\n  vite: {",
        ),
      message: 'guide.html failed to render on purpose',
      bundled: true,
    },
    {
      name: "the site's own buildEnd throws (after every page is written)",
      prefix: 'vitepress-build-end/',
      change: (dir: string) =>
        edit(dir, 'docs/.vitepress/config.mts', '  vite: {', "  buildEnd() {\n    throw new Error('user buildEnd failed on purpose')\n  },\n  vite: {"),
      message: 'user buildEnd failed on purpose',
      bundled: true,
    },
  ])(
    '$name',
    async ({ prefix, change, message, bundled }) => {
      const dir = await app.copy()
      await change(dir)
      const result = await build(dir, prefix)
      expect(result.code, output(result)).not.toBe(0)
      expect(output(result)).toContain(message)
      // Where the failure came after the client bundle was built for the CDN, it still released nothing.
      expect(result.stdout.includes('manifest: .vite/cdn-manifest.json')).toBe(bundled)
      expect(await published(app.bucket, prefix)).toEqual({ keys: [], ledger: undefined })
    },
    300_000,
  )
})

describe('vitepress build with cdn(): refused at config time', () => {
  it.each([
    {
      name: 'HTML from an origin (htmlAtOrigin: true)',
      prefix: 'vitepress-origin/',
      change: (dir: string) => edit(dir, 'cdn.config.ts', "region: 'us-east-1' }", "region: 'us-east-1' }, htmlAtOrigin: true"),
      args: [] as string[],
      message: '[cdn-deploy] [config] htmlAtOrigin: true is not supported under VitePress',
    },
    {
      name: 'a site base that is not the CDN path (--base)',
      prefix: 'vitepress-base/',
      change: async () => {},
      args: ['--base', '/elsewhere/'],
      message: '[cdn-deploy] [config] VitePress base "/elsewhere/"',
    },
  ])(
    '$name',
    async ({ prefix, change, args, message }) => {
      const dir = await app.copy()
      await change(dir)
      const result = await build(dir, prefix, args)
      expect(result.code, output(result)).not.toBe(0)
      expect(output(result)).toContain(message)
      expect(existsSync(join(dir, DIST, 'index.html'))).toBe(false)
      expect(await published(app.bucket, prefix)).toEqual({ keys: [], ledger: undefined })
    },
    300_000,
  )
})

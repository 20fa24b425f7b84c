/// <reference lib="dom" />
/**
 * Astro 7 (static output) with `integrations: [cdnDeploy()]` as the one added
 * line of astro.config.mjs (test/fixtures/frameworks/astro/), built by
 * `astro build` under Node 22 in a child process. The integration sets Astro's
 * own URL options from cdn.config and deploys dist/ in `astro:build:done`, after
 * every page is rendered, and never when the build fails.
 *
 * The fixture keeps Astro's defaults, which inline small stylesheets and
 * scripts into the HTML: its stylesheet is a real one over the 4 KiB limit and
 * its script loads a module on click, so the pages also reference an external
 * `_astro/` stylesheet, script and lazy chunk (asserted below, so a fixture that
 * stops producing them fails rather than passing without testing those URLs).
 */
import { existsSync, readFileSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listTree } from '../helpers/build.js'
import { readLedgerObject } from '../helpers/deploy.js'
import {
  allowCors,
  BUILD_MS,
  bucketMatches,
  checkPage,
  close,
  count,
  FIXTURES,
  listen,
  published,
  REPO,
  run,
  storedCacheControl,
  useFixture,
  type Built,
  type Listening,
} from '../helpers/frameworks.js'

const PAGES = ['index.html', 'about/index.html']
/** The fixture's astro.config.mjs, which the variants below edit. */
const CONFIG = readFileSync(join(FIXTURES, 'astro/astro.config.mjs'), 'utf8')

/**
 * Vitest puts its own `import.meta.env` into process.env (BASE_URL=/, MODE=test,
 * DEV, PROD, SSR) and NODE_ENV=test; a child build inherits them, and Astro
 * takes `import.meta.env.BASE_URL` from BASE_URL over its own base. A user's
 * shell has none of them.
 */
const VITEST_ENV = { BASE_URL: undefined, MODE: undefined, DEV: undefined, PROD: undefined, SSR: undefined, NODE_ENV: undefined }

/** A copy of the fixture with `files` over it, built by its own build (`astro build`) with the bucket's env, under Node 22. */
const app = useFixture('astro', { node22: true, env: VITEST_ENV, command: (args) => ['npm', ['run', 'build', '--', ...args]] })
const { build } = app
/** `_astro/` URLs an HTML page references from tags of one kind. */
const refs = (html: string, pattern: RegExp) => [...html.matchAll(pattern)].map((m) => m[1]!)
const STYLESHEET = /<link rel="stylesheet" href="([^"]+)"/g
const SCRIPT = /<script type="module" src="([^"]+)"/g
const IMAGE = /<img src="([^"]+)"/g
/** What a page loaded from `<base>_astro/`, by name and extension without the hash (`logo.BZd4kS_O.css` → `logo.css`). */
const astroAssets = (requests: string[], base: string) =>
  [...new Set(requests.filter((url) => url.startsWith(`${base}_astro/`)).map((url) => url.slice(base.length + 7).replace(/\..*\./, '.')))].sort()
/** Both pages load the stylesheet, the counter's script and, on click, its lazy module; Home the optimized image, About the original. */
const LOADS: Record<string, string[]> = {
  Home: ['Counter.js', 'format.js', 'logo.css', 'logo.webp'],
  About: ['Counter.js', 'format.js', 'logo.css', 'logo.png'],
}

describe('Astro: the whole site on the CDN (base from cdn.config)', () => {
  const prefix = 'astro/'
  let built: Built

  beforeAll(async () => {
    built = await build(prefix)
  }, BUILD_MS)

  it('`astro build` exits 0 and deploys dist/ once, after every page is rendered', () => {
    expect(built.result.code, built.output).toBe(0)
    expect(count(built.output, '[cdn-deploy] deployed release'), built.output).toBe(1)
    // Astro's logger and so the integration's lines go to stdout, in order.
    expect(built.result.stdout.indexOf('[cdn-deploy] deployed release')).toBeGreaterThan(built.result.stdout.indexOf('generating optimized images'))
  })

  it('puts every file of dist/ in the bucket byte for byte, and nothing else', async () => {
    const files = await listTree(join(built.dir, 'dist'))
    expect(files).toEqual(expect.arrayContaining([...PAGES, 'favicon.svg']))
    expect(files.filter((rel) => !PAGES.includes(rel) && rel !== 'favicon.svg' && !rel.startsWith('_astro/'))).toEqual([])
    expect(await bucketMatches(app.bucket, prefix, join(built.dir, 'dist'))).toEqual([])
    expect((await readLedgerObject(app.bucket.client, app.bucket.bucket, prefix))?.releases).toHaveLength(1)
  })

  it('the pages reference an external stylesheet, script and images under the path base', async () => {
    const base = new URL(app.bucket.url(prefix)).pathname
    for (const page of PAGES) {
      const html = await readFile(join(built.dir, 'dist', page), 'utf8')
      for (const pattern of [STYLESHEET, SCRIPT, IMAGE])
        expect(refs(html, pattern), `${page} ${pattern}`).toEqual([expect.stringMatching(new RegExp(`^${base}_astro/[^/]+\\.[\\w-]{8}(_\\w+)?\\.\\w+$`))])
      expect(html).toContain(`href="${base}about/"`)
    }
  })

  it.each([
    ['_astro/** (every file)', (rel: string) => rel.startsWith('_astro/'), /^public, max-age=31536000, immutable$/],
    ['the HTML pages', (rel: string) => rel.endsWith('.html'), /^public, max-age=0, must-revalidate$/],
    ['public/favicon.svg (not hashed)', (rel: string) => rel === 'favicon.svg', /^public, max-age=300$/],
  ])('serves %s with the right Cache-Control', async (_label, pick, header) => {
    const rels = (await listTree(join(built.dir, 'dist'))).filter(pick)
    expect(rels.length).toBeGreaterThan(0)
    const headers = await storedCacheControl(app.bucket, prefix, rels)
    expect(headers.filter(([, value]) => !header.test(value))).toEqual([])
  })

  it.each([
    ['index.html', 'Home'],
    ['about/index.html', 'About'],
  ])('%s loads from the bucket in Chromium: every request 200, no errors, the click runs the lazy module', async (page, label) => {
    const check = await checkPage(app.browser, app.bucket.url(prefix) + page, { click: '#increment', textOf: '#count' })
    expect(check.problems).toEqual([])
    expect([check.before, check.after]).toEqual([`${label}: 0`, `${label}: 1 (1 click)`])
    expect(astroAssets(check.requests, app.bucket.url(prefix))).toEqual(LOADS[label])
  })
})

describe('Astro: an integration listed after cdnDeploy() writes to dist/ in astro:build:done', () => {
  it(
    'deploys once, after it, with its file',
    async () => {
      const prefix = 'astro-later/'
      // Like @astrojs/sitemap or a search index: written into the output at the very end.
      const later =
        "import { writeFile } from 'node:fs/promises';\nconst sitemap = () => ({ name: 'sitemap', hooks: { 'astro:build:done': async ({ dir, pages, logger }) => { await writeFile(new URL('sitemap.txt', dir), pages.map((p) => p.pathname).join('\\n')); logger.info('wrote sitemap.txt'); } } });\n"
      const built = await build(prefix, { files: { 'astro.config.mjs': later + CONFIG.replace('[cdnDeploy()]', '[cdnDeploy(), sitemap()]') } })
      expect(built.result.code, built.output).toBe(0)
      expect(count(built.output, '[cdn-deploy] deployed release'), built.output).toBe(1)
      expect(built.result.stdout.indexOf('[cdn-deploy] deployed release')).toBeGreaterThan(built.result.stdout.indexOf('[sitemap] wrote sitemap.txt'))
      expect(await listTree(join(built.dir, 'dist'))).toContain('sitemap.txt')
      expect(await bucketMatches(app.bucket, prefix, join(built.dir, 'dist'))).toEqual([])
    },
    BUILD_MS,
  )
})

interface FailCase {
  name: string
  prefix: string
  files?: Record<string, string>
  env?: Record<string, string>
  args?: string[]
  message: RegExp
  /** The client build ran (and wrote dist/_astro/) before the failure. */
  wroteAssets: boolean
}

describe('Astro: a later step fails, or the URLs disagree → exit non-zero, nothing published', () => {
  it.each<FailCase>([
    {
      name: 'a page that throws while Astro renders it',
      prefix: 'astro-page/',
      env: { FIXTURE_FAIL_PAGE: '1' },
      message: /about\.astro: FIXTURE_FAIL_PAGE=1/,
      wroteAssets: true,
    },
    {
      name: 'an astro.config base that disagrees with cdn.config',
      prefix: 'astro-base/',
      files: { 'astro.config.mjs': CONFIG.replace('integrations:', "base: '/elsewhere',\n  integrations:") },
      message: /\[cdn-deploy\] \[config\] astro\.config base: "\/elsewhere" does not match the CDN \(the whole site on the CDN: base "\/site\/astro-base\/"\)/,
      wroteAssets: false,
    },
    {
      name: '`astro build --mode staging` where environments.staging moves the CDN URL',
      prefix: 'astro-mode/',
      files: {
        'cdn.config.ts':
          "export default { storage: { endpoint: process.env.S3_ENDPOINT, forcePathStyle: true, region: 'us-east-1' }, environments: { staging: { htmlAtOrigin: true } } }\n",
      },
      args: ['--mode', 'staging'],
      // CDN_DOMAIN and CDN_PREFIX (from the test's env) override any environment's; htmlAtOrigin moves the URLs too.
      message: /environments\.staging changes the CDN URL.*run it as CDN_ENV=staging astro build --mode staging/,
      wroteAssets: false,
    },
  ])(
    '$name',
    async ({ prefix, files, env, args, message, wroteAssets }) => {
      const built = await build(prefix, { files, env, args })
      expect(built.result.code, built.output).not.toBe(0)
      expect(built.output).toMatch(message)
      expect(existsSync(join(built.dir, 'dist/_astro')), built.output).toBe(wroteAssets)
      expect(built.output).not.toMatch(/\[cdn-deploy\] deployed release|uploaded \d+ files/)
      expect(await published(app.bucket, prefix)).toEqual({ keys: [], ledger: undefined })
    },
    BUILD_MS,
  )
})

describe('Astro: HTML at the origin, assets on the CDN (htmlAtOrigin: true → build.assetsPrefix)', () => {
  const prefix = 'astro-origin/'
  let built: Built
  let origin: Listening
  let originUrl: string

  beforeAll(async () => {
    await allowCors(app.bucket)
    built = await build(prefix, { env: { HTML_AT_ORIGIN: '1' } })
    // The origin serves dist/ without _astro/: an asset asked of it would be a wrong URL.
    origin = await listen(async (path) => {
      const rel = path.endsWith('/') ? `${path.slice(1)}index.html` : path.slice(1)
      const file = join(built.dir, 'dist', rel)
      if (rel.startsWith('_astro/') || rel.includes('..') || !existsSync(file)) return { status: 404 }
      return { status: 200, type: rel.endsWith('.html') ? 'text/html' : 'image/svg+xml', body: await readFile(file) }
    })
    originUrl = `${origin.url}/`
  }, BUILD_MS)

  afterAll(() => close(origin))

  it('builds, deploys once, and the HTML references every asset by its absolute CDN URL', async () => {
    expect(built.result.code, built.output).toBe(0)
    expect(count(built.output, '[cdn-deploy] deployed release'), built.output).toBe(1)
    expect(await bucketMatches(app.bucket, prefix, join(built.dir, 'dist'))).toEqual([])
    for (const page of PAGES) {
      const html = await readFile(join(built.dir, 'dist', page), 'utf8')
      for (const pattern of [STYLESHEET, SCRIPT, IMAGE])
        expect(refs(html, pattern), `${page} ${pattern}`).toEqual([expect.stringMatching(new RegExp(`^${app.bucket.url(prefix)}_astro/`))])
      expect(html).toContain('href="/about/"')
    }
  })

  it.each([
    ['', 'Home'],
    ['about/', 'About'],
  ])('/%s from the origin loads its assets from the CDN in Chromium', async (page, label) => {
    const check = await checkPage(app.browser, originUrl + page, { click: '#increment', textOf: '#count' })
    expect(check.problems).toEqual([])
    expect([check.before, check.after]).toEqual([`${label}: 0`, `${label}: 1 (1 click)`])
    expect(check.requests.filter((url) => url.startsWith(originUrl) && url !== originUrl + page && !url.endsWith('/favicon.svg'))).toEqual([])
    expect(astroAssets(check.requests, app.bucket.url(prefix))).toEqual(LOADS[label])
  })
})

it(
  "cdnDeploy() type-checks as Astro's own AstroIntegration",
  async () => {
    const dir = await app.copy()
    const check =
      "import type { AstroIntegration } from 'astro';\nimport cdnDeploy from 'vite-plugin-cdn-deploy/astro';\nexport const integration: AstroIntegration = cdnDeploy({ htmlAtOrigin: true });\n"
    await writeFile(join(dir, 'check.ts'), check)
    const tsconfig = {
      compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, skipLibCheck: true, types: [] },
      files: ['check.ts'],
    }
    await writeFile(join(dir, 'tsconfig.check.json'), JSON.stringify(tsconfig))
    const result = await run(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.check.json'], { cwd: dir })
    expect(result.code, result.stdout + result.stderr).toBe(0)
  },
  BUILD_MS,
)

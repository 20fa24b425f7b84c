/// <reference lib="dom" />
/**
 * SvelteKit 3 + adapter-static with `cdn()` as the one added line of
 * vite.config.js (test/fixtures/frameworks/sveltekit/), built by `vite build`
 * under Node 22 in a child process. SvelteKit runs its adapter in a `buildApp`
 * step and re-resolves the Vite config in two worker threads (route analysis,
 * prerender), so the plugin must deploy once, after the adapter wrote build/,
 * never when a later step fails, and say each thing once.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
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
  listen,
  published,
  storedCacheControl,
  useFixture,
  watchNavigation,
  type Built as FixtureBuilt,
  type Listening,
} from '../helpers/frameworks.js'

const VITE_CONFIG = 'vite.config.js'
/** The fixture's vite.config.js with the plugin calls replaced, for the variants below. */
const viteConfig = (kit: string, cdnCall = 'cdn()', before = '') =>
  `import adapter from '@sveltejs/adapter-static';\nimport { sveltekit } from '@sveltejs/kit/vite';\nimport { defineConfig } from 'vite';\nimport cdn from 'vite-plugin-cdn-deploy';\n${before}\nexport default defineConfig({ plugins: [sveltekit(${kit}), ${cdnCall}] });\n`

const app = useFixture('sveltekit', { node22: true, command: (args) => ['npm', ['run', 'build', ...args]] })

interface Built extends FixtureBuilt {
  /** Every line the plugin printed (`[cdn-deploy] …`). */
  ours: string[]
}

/** Copy the fixture, apply `files` over it, and run the framework's own build with the bucket's env. */
async function build(prefix: string, files: Record<string, string> = {}): Promise<Built> {
  const built = await app.build(prefix, { files })
  return { ...built, ours: built.output.split('\n').filter((line) => line.includes('[cdn-deploy]')) }
}

describe('SvelteKit: the whole site on the CDN (paths.base from cdn.config)', () => {
  const prefix = 'sveltekit/'
  let built: Built

  beforeAll(async () => {
    built = await build(prefix)
  }, BUILD_MS)

  it('`vite build` exits 0 and deploys build/ once, after the adapter wrote it', () => {
    expect(built.result.code, built.output).toBe(0)
    expect(count(built.output, '[cdn-deploy] deployed release'), built.output).toBe(1)
    // The deploy line follows the adapter's own last words.
    expect(built.output.indexOf('[cdn-deploy] deployed release')).toBeGreaterThan(built.output.indexOf('Wrote site to "build"'))
  })

  it("prints each of the plugin's messages once (the config is resolved 3 times: main thread + 2 workers)", () => {
    expect(built.ours.length, built.output).toBeGreaterThan(1)
    expect(
      built.ours.filter((line, i) => built.ours.indexOf(line) !== i),
      built.output,
    ).toEqual([])
  })

  it('puts every file of build/ in the bucket byte for byte, and nothing else (no .svelte-kit, server or .vite file)', async () => {
    const files = await listTree(join(built.dir, 'build'))
    expect(files).toEqual(expect.arrayContaining(['index.html', 'about.html', '_app/version.json', 'robots.txt']))
    expect(files.filter((rel) => /(^|\/)(\.vite|server|output)\//.test(rel))).toEqual([])
    expect(await bucketMatches(app.bucket, prefix, join(built.dir, 'build'))).toEqual([])
    expect(await readLedgerObject(app.bucket.client, app.bucket.bucket, prefix)).toBeDefined()
  })

  it.each([
    ['_app/immutable/** (every file)', (rel: string) => rel.startsWith('_app/immutable/'), /^public, max-age=31536000, immutable$/],
    ['_app/version.json', (rel: string) => rel === '_app/version.json', /^public, max-age=300$/],
    ['the HTML pages', (rel: string) => rel.endsWith('.html'), /^public, max-age=0, must-revalidate$/],
  ])('serves %s with the right Cache-Control', async (_label, pick, header) => {
    const rels = (await listTree(join(built.dir, 'build'))).filter(pick)
    expect(rels.length).toBeGreaterThan(0)
    const headers = await storedCacheControl(app.bucket, prefix, rels)
    expect(headers.filter(([, value]) => !header.test(value))).toEqual([])
  })

  it.each([
    ['index.html', { click: 'button.counter', textOf: 'button.counter' }],
    ['about.html', undefined],
  ])('%s loads from the bucket in Chromium: every request 200, no errors', async (page, interact) => {
    const check = await checkPage(app.browser, app.bucket.url(prefix) + page, interact)
    expect(check.problems).toEqual([])
    expect(check.requests.some((url) => url.startsWith(`${app.bucket.url(prefix)}_app/immutable/`))).toBe(true)
    if (interact) expect([check.before, check.after]).toEqual(['count: 0', 'count: 1'])
  })

  it('navigates Home → About → Home on the client, from the bucket', async () => {
    const page = await app.browser.newPage()
    const seen = watchNavigation(page)
    try {
      await page.goto(app.bucket.url(prefix) + 'index.html', { waitUntil: 'networkidle' })
      await page.click('a')
      await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'About')
      expect(page.url()).toBe(`${app.bucket.url(prefix)}about`)
      await page.click('a')
      await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Home')
      await page.click('button.counter')
      await page.waitForFunction(() => document.querySelector('button.counter')?.textContent === 'count: 1')
    } finally {
      await page.close()
    }
    expect(seen).toEqual({ problems: [], documents: 1 })
  })
})

interface Failure {
  name: string
  prefix: string
  files: Record<string, string>
  message: RegExp
  /** How far the build got: the client build wrote its manifest; the adapter wrote build/. */
  reached: 'config' | 'client build' | 'adapter'
}

describe('SvelteKit: a later step fails, or the paths disagree → exit non-zero, nothing published', () => {
  it.each<Failure>([
    {
      name: 'a page whose load throws while prerendering',
      prefix: 'sveltekit-prerender/',
      files: { 'src/routes/broken/+page.js': "export function load() {\n\tthrow new Error('broken on purpose');\n}\n" },
      message: /broken on purpose/,
      reached: 'client build',
    },
    {
      name: 'an adapter that throws after writing build/',
      prefix: 'sveltekit-adapter/',
      files: {
        [VITE_CONFIG]: viteConfig(
          '{ adapter: failing }',
          'cdn()',
          "const real = adapter();\nconst failing = { name: 'failing', async adapt(builder) { await real.adapt(builder); throw new Error('adapter failed on purpose'); } };",
        ),
      },
      message: /adapter failed on purpose/,
      reached: 'adapter',
    },
    {
      name: 'a user paths.base that disagrees with cdn.config',
      prefix: 'sveltekit-base/',
      files: { [VITE_CONFIG]: viteConfig("{ adapter: adapter(), paths: { base: '/elsewhere' } }") },
      message:
        /\[cdn-deploy\] \[config\] sveltekit\(\{ paths: \{ base: "\/elsewhere" \} \}\) does not match the CDN \(the whole site on the CDN: base "\/site\/sveltekit-base"\)/,
      reached: 'config',
    },
  ])(
    '$name',
    async ({ prefix, files, message, reached }) => {
      const built = await build(prefix, files)
      expect(built.result.code, built.output).not.toBe(0)
      expect(built.output).toMatch(message)
      expect(built.output.includes('manifest: .vite/cdn-manifest.json')).toBe(reached !== 'config')
      expect(existsSync(join(built.dir, 'build/index.html'))).toBe(reached === 'adapter')
      expect(built.ours.filter((line) => /deployed release|uploaded/.test(line))).toEqual([])
      expect(await published(app.bucket, prefix)).toEqual({ keys: [], ledger: undefined })
    },
    BUILD_MS,
  )
})

describe('SvelteKit: HTML at the origin, assets on the CDN (htmlAtOrigin: true → paths.assets)', () => {
  const prefix = 'sveltekit-origin/'
  let built: Built
  let origin: Listening
  let originUrl: string

  beforeAll(async () => {
    await allowCors(app.bucket)
    built = await build(prefix, { [VITE_CONFIG]: viteConfig('{ adapter: adapter() }', 'cdn({ htmlAtOrigin: true })') })
    // The origin serves the HTML pages only: anything else it is asked for would be a wrong URL.
    origin = await listen(async (path) => {
      const rel = path.slice(1)
      if (!/^[a-z]+\.html$/.test(rel) || !existsSync(join(built.dir, 'build', rel))) return { status: 404 }
      return { status: 200, type: 'text/html', body: await readFile(join(built.dir, 'build', rel)) }
    })
    originUrl = `${origin.url}/`
  }, BUILD_MS)

  afterAll(() => close(origin))

  it('builds, deploys once, and the HTML references every asset by its absolute CDN URL', async () => {
    expect(built.result.code, built.output).toBe(0)
    expect(count(built.output, '[cdn-deploy] deployed release'), built.output).toBe(1)
    expect(await bucketMatches(app.bucket, prefix, join(built.dir, 'build'))).toEqual([])
    for (const page of ['index.html', 'about.html']) {
      const html = await readFile(join(built.dir, 'build', page), 'utf8')
      expect(html).toContain(`"${app.bucket.url(prefix)}_app/immutable/entry/start.`)
      expect(html).toContain(`assets: "${app.bucket.url(prefix).replace(/\/$/, '')}"`)
      expect(html).not.toMatch(/["'](\.\/|\/)_app\//)
    }
  })

  it.each([
    ['index.html', { click: 'button.counter', textOf: 'button.counter' }],
    ['about.html', undefined],
  ])('%s from the origin loads its assets from the CDN in Chromium', async (page, interact) => {
    const check = await checkPage(app.browser, originUrl + page, interact)
    expect(check.problems).toEqual([])
    expect(check.requests.filter((url) => url.startsWith(originUrl))).toEqual([originUrl + page])
    expect(check.requests.some((url) => url.startsWith(`${app.bucket.url(prefix)}_app/immutable/`))).toBe(true)
    if (interact) expect([check.before, check.after]).toEqual(['count: 0', 'count: 1'])
  })
})

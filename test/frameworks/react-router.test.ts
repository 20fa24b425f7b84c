/// <reference lib="dom" />
/**
 * React Router framework mode (`ssr: false`, as its SPA docs set it) with
 * `cdn()` as the one added line of vite.config.ts
 * (test/fixtures/frameworks/react-router/), built by `react-router build` under
 * Node 22 in a child process: React Router 8 (Vite 8), and 7.18 (Vite 7, the
 * react-router7 fixture: the same sources, its own lockfile), with and without
 * `future.v8_viteEnvironmentApi` (without it, the 7.x default, the CLI runs two
 * separate `vite.build()` calls). The deploy must come once, after React Router
 * wrote the SPA index.html / prerendered pages and ran buildEnd, and never when
 * one of those steps fails.
 *
 * The pages are opened through a tiny CDN edge in front of the bucket (index
 * documents and the SPA fallback, as React Router's SPA mode needs from its
 * host): React Router routes the browser's path, and S3's REST endpoint serves
 * `…/about/index.html`, which no route matches.
 */
import { existsSync } from 'node:fs'
import { cp, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listTree } from '../helpers/build.js'
import { listKeys, readLedgerObject } from '../helpers/deploy.js'
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
  storedCacheControl,
  useFixture,
  watchNavigation,
  type Built as FixtureBuilt,
  type Listening,
  type Navigation,
} from '../helpers/frameworks.js'

const COUNTER = { click: 'button.counter', textOf: 'button.counter' }
const DEPLOYED = '[cdn-deploy] deployed release'
/** react-router.config.ts as the template writes it, with `fields` (TypeScript source) set. */
const routerConfig = (fields: string) => `import type { Config } from "@react-router/dev/config";\n\nexport default {\n  ${fields}\n} satisfies Config;\n`
/** Our own files in the output: the CDN manifest in `.vite/`, which the deploy leaves out. */
const ours = (rel: string) => rel.startsWith('.vite/')

const app = useFixture('react-router', { node22: true, command: (args) => ['npm', ['run', 'build', ...args]] })
let edge: Listening

type Built = FixtureBuilt & { client: string; deploys: number }

/**
 * Copy the fixture (`react-router7`: its package files, with the react-router
 * fixture's sources), apply `files` over it, and run React Router's own build.
 */
async function build(prefix: string, files: Record<string, string> = {}, fixture = 'react-router'): Promise<Built> {
  const dir = await app.copy(fixture)
  if (fixture !== 'react-router') {
    const source = join(FIXTURES, 'react-router')
    await cp(source, dir, {
      recursive: true,
      filter: (src) => !/^(node_modules|package(-lock)?\.json|build|\.react-router)(\/|$)/.test(src.slice(source.length + 1)),
    })
  }
  const built = await app.buildIn(dir, prefix, { files })
  return { ...built, client: join(dir, 'build/client'), deploys: count(built.output, DEPLOYED) }
}

/**
 * A CDN edge in front of the bucket, as React Router's SPA mode needs its host
 * set up: `…/` serves `…/index.html`, `…/about` `…/about/index.html`, and any
 * other extension-less path the site's SPA fallback (`__spa-fallback.html` when
 * pages were prerendered, else `index.html`) with 200. Sites are `/site/<prefix>/`.
 */
function startEdge(): Promise<Listening> {
  const fetchObject = async (path: string) => {
    const response = await fetch(app.bucket.endpoint + path.split('/').map(encodeURIComponent).join('/'))
    return response.ok
      ? { status: 200, type: response.headers.get('content-type') ?? undefined, body: new Uint8Array(await response.arrayBuffer()) }
      : undefined
  }
  return listen(async (path) => {
    const root = /^\/[^/]+\/[^/]+\//.exec(path)?.[0]
    const last = path.slice(path.lastIndexOf('/') + 1)
    const candidates = last === '' ? [`${path}index.html`] : last.includes('.') ? [path] : [`${path}/index.html`]
    if (root && !last.includes('.')) candidates.push(`${root}__spa-fallback.html`, `${root}index.html`)
    for (const candidate of candidates) {
      const found = await fetchObject(candidate)
      if (found) return found
    }
    return { status: 404 }
  })
}

beforeAll(async () => {
  edge = await startEdge()
})

afterAll(() => close(edge))

/** Home → About → Home on the client, starting at `start`: one document load, the counter works after. */
async function navigate(start: string, firstHeading: string): Promise<Navigation> {
  const page = await app.browser.newPage()
  const seen = watchNavigation(page)
  const heading = (text: string) => page.waitForFunction((t) => document.querySelector('h1')?.textContent === t, text, { timeout: 10_000 })
  try {
    await page.goto(start, { waitUntil: 'networkidle' })
    await heading(firstHeading)
    const other = firstHeading === 'Home' ? 'About' : 'Home'
    await page.click(`a:text("${other}")`)
    await heading(other)
    await page.click(`a:text("${firstHeading}")`)
    await heading(firstHeading)
    if (firstHeading === 'About') await page.click('a:text("Home")')
    await page.click('button.counter')
    await page.waitForFunction(() => document.querySelector('button.counter')?.textContent === 'count: 1', undefined, { timeout: 10_000 })
  } catch (error) {
    seen.problems.push(String(error))
  } finally {
    await page.close()
  }
  return seen
}

/** react-router.config.ts with prerendering and a buildEnd of the user's own that writes to build/client. */
const BUILD_END_WRITES = `import type { Config } from "@react-router/dev/config";
import { writeFile } from "node:fs/promises";

export default {
  ssr: false,
  prerender: ["/", "/about"],
  async buildEnd({ reactRouterConfig }) {
    await writeFile(\`\${reactRouterConfig.buildDirectory}/client/build-end.txt\`, "written by buildEnd\\n");
    console.log("user buildEnd: wrote build-end.txt");
  },
} satisfies Config;
`
/** react-router.config.ts with the two pages prerendered. */
const PRERENDER = routerConfig('ssr: false,\n  prerender: ["/", "/about"],')
/** The fixture's changes for the failure cases, each under React Router 8 and 7.18. */
const BUILD_END_THROWS = { 'react-router.config.ts': routerConfig('ssr: false,\n  buildEnd() {\n    throw new Error("buildEnd failed on purpose");\n  },') }
const PRERENDER_THROWS = {
  'react-router.config.ts': PRERENDER,
  'app/routes/about.tsx':
    'export default function About() {\n  if (typeof document === "undefined") throw new Error("about failed on purpose");\n  return <h1>About</h1>;\n}\n',
}
const BASENAME_ELSEWHERE = { 'react-router.config.ts': routerConfig('ssr: false,\n  basename: "/elsewhere/",') }
/** vite.config.ts with cdn({ htmlAtOrigin: true }). */
const htmlAtOrigin = async () => ({
  'vite.config.ts': (await readFile(join(FIXTURES, 'react-router/vite.config.ts'), 'utf8')).replace('cdn()', 'cdn({ htmlAtOrigin: true })'),
})
/** The origin serves the HTML only (its SPA fallback for every route): any other request to it would be a wrong URL. */
const spaOrigin = (built: Built) =>
  listen(async (path) => (path.includes('.') ? { status: 404 } : { status: 200, type: 'text/html', body: await readFile(join(built.client, 'index.html')) }))
/** A build with htmlAtOrigin exited 0, deployed once, and its index.html has basename "/" and every asset at its absolute CDN URL. Returns that HTML. */
async function expectAssetsOnCdn(built: Built, prefix: string): Promise<string> {
  expect(built.result.code, built.output).toBe(0)
  expect(built.deploys, built.output).toBe(1)
  expect(await bucketMatches(app.bucket, prefix, built.client, ours)).toEqual([])
  const html = await readFile(join(built.client, 'index.html'), 'utf8')
  expect(html).toContain(`"basename":"/"`)
  expect(html).toMatch(new RegExp(`<link rel="modulepreload" href="${app.bucket.url(prefix)}assets/manifest-[0-9a-f]{8}\\.js"/>`))
  expect(html).not.toMatch(/["'(]\/(assets|site)\//)
  return html
}
const SPA = 'SPA Mode: Generated build/client/index.html'
const PRERENDERED = ['index.html', 'about/index.html', '__spa-fallback.html']
const RR7 = 'React Router 7.18 (Vite 7) without future.v8_viteEnvironmentApi (two vite.build() calls)'

describe.each<{ version: string; mode: string; prefix: string; fixture?: string; files: Record<string, string>; pages: string[]; last: string }>([
  { version: 'React Router 8', mode: 'SPA mode (the template with ssr: false)', prefix: 'react-router/', files: {}, pages: ['index.html'], last: SPA },
  {
    version: 'React Router 8',
    mode: 'prerendered pages (prerender: ["/", "/about"])',
    prefix: 'react-router-pre/',
    files: { 'react-router.config.ts': PRERENDER },
    pages: PRERENDERED,
    last: 'Prerender (html): SPA Fallback',
  },
  {
    version: RR7,
    mode: 'SPA mode (the template with ssr: false, cdn() added, nothing else)',
    prefix: 'rr7-spa/',
    fixture: 'react-router7',
    files: {},
    pages: ['index.html'],
    last: SPA,
  },
  {
    version: RR7,
    mode: 'prerendered pages, and a buildEnd of its own that writes to build/client',
    prefix: 'rr7-pre/',
    fixture: 'react-router7',
    files: { 'react-router.config.ts': BUILD_END_WRITES },
    pages: [...PRERENDERED, 'build-end.txt'],
    last: 'user buildEnd: wrote build-end.txt',
  },
  {
    version: RR7,
    mode: 'its own basename (the CDN path)',
    prefix: 'rr7-base/',
    fixture: 'react-router7',
    files: { 'react-router.config.ts': routerConfig('ssr: false,\n  basename: "/site/rr7-base/",') },
    pages: ['index.html'],
    last: SPA,
  },
])('$version, the whole site on the CDN: $mode', ({ prefix, fixture, files, pages, last }) => {
  let built: Built

  beforeAll(async () => {
    built = await build(prefix, files, fixture)
  }, BUILD_MS)

  it('`react-router build` exits 0 and deploys build/client once, after React Router wrote its pages', () => {
    expect(built.result.code, built.output).toBe(0)
    expect(built.deploys, built.output).toBe(1)
    expect(built.output).not.toMatch(/\[cdn-deploy\] not deploying/)
    expect(built.output.indexOf(last), built.output).toBeGreaterThan(-1)
    expect(built.output.indexOf(DEPLOYED)).toBeGreaterThan(built.output.indexOf(last))
    expect(built.output.indexOf(DEPLOYED)).toBeGreaterThan(built.output.indexOf('Removing the server build'))
  })

  it('puts every file of build/client in the bucket byte for byte, and nothing else (no server build, no .vite/)', async () => {
    const files = await listTree(built.client)
    expect(files).toEqual(expect.arrayContaining([...pages, 'favicon.ico', expect.stringMatching(/^assets\/manifest-[0-9a-f]{8}\.js$/)]))
    // Prerendered under the basename by React Router, moved to where their URLs point.
    expect(files.filter((rel) => rel.startsWith('site/'))).toEqual([])
    expect(await bucketMatches(app.bucket, prefix, built.client, ours)).toEqual([])
    expect((await listKeys(app.bucket.client, app.bucket.bucket, prefix)).filter((key) => /\/(server|\.vite)\/|manifest\.json$/.test(key))).toEqual([])
    expect(await readLedgerObject(app.bucket.client, app.bucket.bucket, prefix)).toBeDefined()
  })

  it('gives the router the CDN path as basename, and every page its assets under it', async () => {
    for (const page of pages.filter((rel) => rel.endsWith('.html'))) {
      const html = await readFile(join(built.client, page), 'utf8')
      expect(html).toContain(`"basename":"/site/${prefix}"`)
      expect(html).toMatch(new RegExp(`"/site/${prefix}assets/entry\\.client-[\\w-]{8}\\.js"`))
      expect(html).not.toMatch(/["'(]\/assets\//)
    }
  })

  it.each([
    ['the HTML pages', (rel: string) => rel.endsWith('.html'), /^public, max-age=0, must-revalidate$/],
    [
      'the stylesheet and the image (hashed by the client build)',
      (rel: string) => /^assets\/.*\.(css|png)$/.test(rel),
      /^public, max-age=31536000, immutable$/,
    ],
  ])('serves %s with the right Cache-Control', async (_label, pick, header) => {
    const rels = (await listTree(built.client)).filter(pick)
    expect(rels.length).toBeGreaterThan(0)
    const headers = await storedCacheControl(app.bucket, prefix, rels)
    expect(headers.filter(([, value]) => !header.test(value))).toEqual([])
  })

  it.each([
    ['', COUNTER],
    ['about', undefined],
  ])('page /%s loads from the CDN in Chromium: every request 200, no errors', async (path, interact) => {
    const url = `${edge.url}/site/${prefix}${path}`
    const check = await checkPage(app.browser, url, interact)
    expect(check.problems).toEqual([])
    expect(check.requests.filter((request) => !request.startsWith(`${edge.url}/site/${prefix}`))).toEqual([])
    expect(check.requests.some((request) => /\/assets\/entry\.client-/.test(request))).toBe(true)
    if (interact) expect([check.before, check.after]).toEqual(['count: 0', 'count: 1'])
  })

  it.each(['Home', 'About'])('navigates on the client from %s, and the counter works', async (start) => {
    expect(await navigate(`${edge.url}/site/${prefix}${start === 'Home' ? '' : 'about'}`, start)).toEqual({ problems: [], documents: 1 })
  })
})

describe('React Router 8, and 7.18 without the flag: a later step fails, or the config disagrees → exit non-zero, nothing published', () => {
  it.each<{ name: string; prefix: string; fixture?: string; files: Record<string, string>; message: RegExp; wrotePages: boolean }>([
    {
      name: "react-router.config.ts's buildEnd throws (after the SPA index.html is written)",
      prefix: 'rr-build-end/',
      files: BUILD_END_THROWS,
      message: /buildEnd failed on purpose/,
      wrotePages: true,
    },
    {
      name: 'a page that throws while prerendering',
      prefix: 'rr-prerender/',
      files: PRERENDER_THROWS,
      message: /Prerender \(html\): Received a 500 status code .*\/site\/rr-prerender\/about\//,
      wrotePages: false,
    },
    {
      name: 'a basename that disagrees with cdn.config',
      prefix: 'rr-basename/',
      files: BASENAME_ELSEWHERE,
      message:
        /\[cdn-deploy\] \[config\] react-router.config.ts basename "\/elsewhere\/" does not match the CDN \(the whole site on the CDN at .*: basename "\/site\/rr-basename\/"\); set basename: '\/site\/rr-basename\/', or remove it/,
      wrotePages: false,
    },
    {
      name: 'server rendering (ssr: true) with the whole site on the CDN',
      prefix: 'rr-ssr/',
      files: { 'react-router.config.ts': routerConfig('ssr: true,') },
      message:
        /\[cdn-deploy\] \[config\] React Router renders pages on a server \(ssr: true in react-router.config.ts\), so the whole site cannot be served from the CDN/,
      wrotePages: false,
    },
    {
      name: "7.18 without the flag: react-router.config.ts's buildEnd throws (after the SPA index.html is written)",
      prefix: 'rr7-build-end/',
      fixture: 'react-router7',
      files: BUILD_END_THROWS,
      message: /buildEnd failed on purpose/,
      wrotePages: true,
    },
    {
      name: '7.18 without the flag: a page that throws while prerendering (in the server build)',
      prefix: 'rr7-prerender/',
      fixture: 'react-router7',
      files: PRERENDER_THROWS,
      message: /Prerender \(html\): Received a 500 status code .*\/site\/rr7-prerender\/about\//,
      wrotePages: false,
    },
    {
      name: '7.18 without the flag: a basename that disagrees with cdn.config',
      prefix: 'rr7-basename/',
      fixture: 'react-router7',
      files: BASENAME_ELSEWHERE,
      message: /\[cdn-deploy\] \[config\] react-router.config.ts basename "\/elsewhere\/" does not match the CDN .*set basename: '\/site\/rr7-basename\/'/,
      wrotePages: false,
    },
  ])(
    '$name',
    async ({ prefix, fixture, files, message, wrotePages }) => {
      const built = await build(prefix, files, fixture)
      expect(built.result.code, built.output).not.toBe(0)
      expect(built.output).toMatch(message)
      expect(existsSync(join(built.client, 'index.html'))).toBe(wrotePages)
      expect(built.output).not.toMatch(/\[cdn-deploy\] (uploading|deployed|committing)/)
      expect(await published(app.bucket, prefix)).toEqual({ keys: [], ledger: undefined })
    },
    BUILD_MS,
  )
})

describe('React Router 8: HTML at the origin, assets on the CDN (htmlAtOrigin: true → an absolute Vite base)', () => {
  const prefix = 'rr-origin/'
  let built: Built
  let origin: Listening

  beforeAll(async () => {
    await allowCors(app.bucket)
    built = await build(prefix, await htmlAtOrigin())
    origin = await spaOrigin(built)
  }, BUILD_MS)

  afterAll(() => close(origin))

  it('builds, deploys once, and the HTML references every asset by its absolute CDN URL', async () => {
    const html = await expectAssetsOnCdn(built, prefix)
    expect(html).toContain(`<link rel="icon" href="${app.bucket.url(prefix)}favicon.ico"/>`)
  })

  it.each([
    ['/', COUNTER],
    ['/about', undefined],
  ])('%s from the origin loads its assets from the CDN in Chromium', async (path, interact) => {
    const check = await checkPage(app.browser, origin.url + path, interact)
    expect(check.problems).toEqual([])
    expect(check.requests.filter((url) => url.startsWith(origin.url))).toEqual([origin.url + path])
    expect(check.requests.some((url) => url.startsWith(`${app.bucket.url(prefix)}assets/entry.client-`))).toBe(true)
    if (interact) expect([check.before, check.after]).toEqual(['count: 0', 'count: 1'])
  })
})

describe('React Router 7.18 (Vite 7)', () => {
  it(
    'without the flag, HTML at the origin (htmlAtOrigin: true): both builds take the absolute base, build/client is deployed once',
    async () => {
      const prefix = 'rr7-origin/'
      await allowCors(app.bucket)
      const built = await build(prefix, await htmlAtOrigin(), 'react-router7')
      await expectAssetsOnCdn(built, prefix)
      const origin = await spaOrigin(built)
      try {
        const check = await checkPage(app.browser, `${origin.url}/`, COUNTER)
        expect(check.problems).toEqual([])
        expect(check.requests.filter((url) => url.startsWith(origin.url))).toEqual([`${origin.url}/`])
        expect([check.before, check.after]).toEqual(['count: 0', 'count: 1'])
      } finally {
        await close(origin)
      }
    },
    BUILD_MS,
  )

  it(
    'with future.v8_viteEnvironmentApi: deploys once, prerendered pages moved up, the site works from the CDN',
    async () => {
      const prefix = 'rr7/'
      const built = await build(
        prefix,
        { 'react-router.config.ts': routerConfig('ssr: false,\n  prerender: ["/", "/about"],\n  future: { v8_viteEnvironmentApi: true },') },
        'react-router7',
      )
      expect(built.result.code, built.output).toBe(0)
      expect(built.deploys, built.output).toBe(1)
      expect(await listTree(built.client)).toEqual(expect.arrayContaining(['index.html', 'about/index.html', '__spa-fallback.html']))
      expect(await bucketMatches(app.bucket, prefix, built.client, ours)).toEqual([])
      const check = await checkPage(app.browser, `${edge.url}/site/${prefix}`, COUNTER)
      expect(check.problems).toEqual([])
      expect([check.before, check.after]).toEqual(['count: 0', 'count: 1'])
      expect(await navigate(`${edge.url}/site/${prefix}about`, 'About')).toEqual({ problems: [], documents: 1 })
    },
    BUILD_MS,
  )
})

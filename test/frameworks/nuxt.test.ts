/// <reference lib="dom" />
/**
 * Nuxt 4 with `modules: ['vite-plugin-cdn-deploy/nuxt']` as the one added line
 * of nuxt.config.ts (test/fixtures/frameworks/nuxt/), built by `nuxt generate`
 * (and `nuxt build` for HTML from the Nitro server) under Node 22 in a child
 * process. Nitro prerenders the pages and copies the client files into
 * .output/public after Vite's builds: the module must deploy that directory
 * once, at the end (Nuxt's `close` hook), never the intermediate .nuxt/dist or
 * the server, and never when a later step fails.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listTree } from '../helpers/build.js'
import { getObject, listKeys, readLedgerObject } from '../helpers/deploy.js'
import { allowCors, BUILD_MS, FIXTURES, bucketMatches, checkPage, count, published, useFixture, watchNavigation, type Built } from '../helpers/frameworks.js'

const PUBLIC = '.output/public'
/** The fixture's nuxt.config.ts with one more option, for the variants below. */
const nuxtConfig = (more: string) => readFileSync(join(FIXTURES, 'nuxt/nuxt.config.ts'), 'utf8').replace(/\n\}\)\s*$/, `\n  ${more}\n})\n`)

// Not Nuxt's test mode (NODE_ENV=test or TEST, inherited from vitest): it sets logLevel 'silent', hiding what a user's build prints.
const notTest = { NODE_ENV: undefined, TEST: undefined }
const app = useFixture('nuxt', { node22: true, env: notTest, command: (args) => ['npm', ['run', ...args]] })

/** Copy the fixture, apply `files` over it, and run `nuxt generate` (or `build`) with the bucket's env. */
const nuxt = (command: 'generate' | 'build', prefix: string, options: { files?: Record<string, string>; env?: Record<string, string> } = {}) =>
  app.build(prefix, { ...options, args: [command] })

describe('Nuxt generate: the whole site on the CDN (app.baseURL from cdn.config)', () => {
  const prefix = 'nuxt/'
  let built: Built

  beforeAll(async () => {
    built = await nuxt('generate', prefix)
  }, BUILD_MS)

  it('`nuxt generate` exits 0 and deploys .output/public once, after Nitro prerendered and compiled', () => {
    expect(built.result.code, built.output).toBe(0)
    expect(count(built.output, '[cdn-deploy] deployed release'), built.output).toBe(1)
    expect(built.output.indexOf('[cdn-deploy] deployed release')).toBeGreaterThan(built.output.indexOf('Generated public'))
    expect(built.output).toContain('Prerendered')
  })

  it('puts every file of .output/public in the bucket byte for byte, and nothing from .nuxt/ or the server', async () => {
    const files = await listTree(join(built.dir, PUBLIC))
    expect(files).toEqual(
      expect.arrayContaining(['index.html', 'about/index.html', '_payload.json', 'about/_payload.json', '_nuxt/builds/latest.json', 'robots.txt']),
    )
    expect(await bucketMatches(app.bucket, prefix, join(built.dir, PUBLIC))).toEqual([])
    const keys = await listKeys(app.bucket.client, app.bucket.bucket, prefix)
    // Nuxt's intermediate client manifest (.nuxt/dist/client/manifest.json), the server and nitro.json stay private.
    expect(keys.filter((key) => /manifest\.json$|(^|\/)(server|\.nuxt|dist)\/|nitro\.json$/.test(key.slice(prefix.length)))).toEqual([])
    expect(await readLedgerObject(app.bucket.client, app.bucket.bucket, prefix)).toBeDefined()
  })

  it.each([
    [
      '_nuxt/** (every file but builds/latest.json)',
      (rel: string) => rel.startsWith('_nuxt/') && rel !== '_nuxt/builds/latest.json',
      /^public, max-age=31536000, immutable$/,
    ],
    ['_nuxt/builds/latest.json', (rel: string) => rel === '_nuxt/builds/latest.json', /^public, max-age=300$/],
    ['the _payload.json files', (rel: string) => rel.endsWith('_payload.json'), /^public, max-age=300$/],
    ['the HTML pages', (rel: string) => rel.endsWith('.html'), /^public, max-age=0, must-revalidate$/],
  ])('serves %s with the right Cache-Control', async (_label, pick, header) => {
    const rels = (await listTree(join(built.dir, PUBLIC))).filter(pick)
    expect(rels.length).toBeGreaterThan(0)
    const ledger = await readLedgerObject(app.bucket.client, app.bucket.bucket, prefix)
    const headers = await Promise.all(
      rels.map(async (rel) => [
        rel,
        (await getObject(app.bucket.client, app.bucket.bucket, prefix + rel))?.cacheControl ?? 'none',
        ledger?.files[rel]?.cacheControl,
      ]),
    )
    expect(headers.filter(([, stored, recorded]) => !header.test(stored!) || stored !== recorded)).toEqual([])
  })

  it.each([
    ['index.html', { click: '#inc', textOf: '.count' }],
    ['about/index.html', undefined],
  ])('%s loads from the bucket in Chromium: every request 200, no errors', async (page, interact) => {
    const check = await checkPage(app.browser, app.bucket.url(prefix) + page, interact)
    expect(check.problems).toEqual([])
    expect(check.requests.some((url) => url.startsWith(`${app.bucket.url(prefix)}_nuxt/`))).toBe(true)
    if (interact) expect([check.before, check.after]).toEqual(['0', '1'])
  })

  it('navigates Home → About → Home on the client, fetching the prerendered payloads from the bucket', async () => {
    const page = await app.browser.newPage()
    const seen = watchNavigation(page)
    const payloads: string[] = []
    page.on('response', (r) => void (r.url().includes('_payload.json') && payloads.push(new URL(r.url()).pathname)))
    try {
      await page.goto(app.bucket.url(prefix) + 'index.html', { waitUntil: 'networkidle' })
      await page.click('#to-about')
      await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'About')
      expect(page.url()).toBe(`${app.bucket.url(prefix)}about`)
      await page.click('#to-home')
      await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Home')
      await page.click('#inc')
      await page.waitForFunction(() => document.querySelector('.count')?.textContent === '1')
    } finally {
      await page.close()
    }
    expect(seen).toEqual({ problems: [], documents: 1 })
    expect(payloads).toContain(`/${app.bucket.bucket}/${prefix}about/_payload.json`)
  })
})

describe('Nuxt: a later step fails, or the URLs disagree → exit non-zero, nothing published', () => {
  it.each<{ name: string; prefix: string; env: Record<string, string>; files: Record<string, string>; message: RegExp }>([
    {
      name: 'a page that throws while Nitro prerenders it',
      prefix: 'nuxt-prerender/',
      env: { FAIL_PRERENDER: '1' },
      files: {},
      message: /about fails during prerender[\s\S]*Exiting due to prerender errors/,
    },
    {
      name: 'the deploy itself (a bucket that does not exist): the error fails the build',
      prefix: 'nuxt-deploy/',
      env: { CDN_BUCKET: 'no-such-bucket' },
      files: {},
      message: /\[cdn-deploy\] \[s3\] .*no-such-bucket/,
    },
    {
      name: 'a user app.baseURL that disagrees with cdn.config',
      prefix: 'nuxt-base/',
      env: {},
      files: { 'nuxt.config.ts': nuxtConfig("app: { baseURL: '/elsewhere/' },") },
      message:
        /\[cdn-deploy\] \[config\] nuxt\.config app\.baseURL: "\/elsewhere\/" does not match the CDN \(the whole site on the CDN: app\.baseURL "\/site\/nuxt-base\/"\)/,
    },
  ])(
    '$name',
    async ({ prefix, env, files, message }) => {
      const built = await nuxt('generate', prefix, { env, files })
      expect(built.result.code, built.output).not.toBe(0)
      expect(built.output).toMatch(message)
      expect(built.output).not.toContain('[cdn-deploy] deployed release')
      expect(await published(app.bucket, prefix)).toEqual({ keys: [], ledger: undefined })
    },
    BUILD_MS,
  )
})

describe('Nuxt build: HTML from the Nitro server, assets on the CDN (htmlAtOrigin: true → app.cdnURL)', () => {
  const prefix = 'nuxt-origin/'
  let built: Built
  let server: ChildProcess | undefined
  let originUrl: string

  beforeAll(async () => {
    await allowCors(app.bucket)
    built = await nuxt('build', prefix, { env: { HTML_AT_ORIGIN: '1' } })
    expect(built.result.code, built.output).toBe(0)
    // The origin: the app's own Nitro server, which serves .output/public too (the CDN must be the one asked).
    const port = await freePort()
    server = spawn(app.node, [join(built.dir, '.output/server/index.mjs')], {
      env: { ...process.env, NODE_ENV: 'production', NITRO_HOST: '127.0.0.1', NITRO_PORT: String(port) },
      stdio: 'ignore',
    })
    originUrl = `http://127.0.0.1:${port}/`
    await waitFor(originUrl)
  }, BUILD_MS)

  afterAll(() => {
    server?.kill()
  })

  it('`nuxt build` exits 0 and deploys .output/public once (assets only: the server renders the pages)', async () => {
    expect(count(built.output, '[cdn-deploy] deployed release'), built.output).toBe(1)
    const files = await listTree(join(built.dir, PUBLIC))
    expect(files.filter((rel) => rel.endsWith('.html'))).toEqual([])
    expect(await bucketMatches(app.bucket, prefix, join(built.dir, PUBLIC))).toEqual([])
  })

  it.each(['', 'about'])('the server renders /%s with every asset at its absolute CDN URL', async (page) => {
    const html = await (await fetch(originUrl + page)).text()
    expect(html).toMatch(new RegExp(`<script type="module" src="${app.bucket.url(prefix)}_nuxt/[A-Za-z0-9_-]+\\.js"`))
    expect(html).toContain(`cdnURL:"${app.bucket.url(prefix).replace(/\/$/, '')}"`)
    expect(html).not.toMatch(/(src|href)=["'](\.\/|\/)_nuxt\//)
  })

  it.each([
    ['', { click: '#inc', textOf: '.count' }],
    ['about', undefined],
  ])('/%s from the origin loads its assets from the CDN in Chromium', async (page, interact) => {
    const check = await checkPage(app.browser, originUrl + page, interact)
    expect(check.problems).toEqual([])
    expect(check.requests.filter((url) => url.startsWith(originUrl))).toEqual([originUrl + page])
    expect(check.requests.some((url) => url.startsWith(`${app.bucket.url(prefix)}_nuxt/`))).toBe(true)
    if (interact) expect([check.before, check.after]).toEqual(['0', '1'])
  })
})

/** A port nothing listens on now (the server started next binds it). */
async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done))
  const { port } = probe.address() as AddressInfo
  await new Promise((done) => probe.close(done))
  return port
}

/** Until `url` answers 200 (the server is up), for at most 30 s. */
async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if ((await fetch(url).catch(() => undefined))?.status === 200) return
    await new Promise((done) => setTimeout(done, 100))
  }
  throw new Error(`${url} did not answer 200 within 30 s`)
}

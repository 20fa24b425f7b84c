/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Releases, rollback and chunk errors in a real browser (issue 14.4). The
 * embedded S3 server is the bucket and the "CDN"; Chromium (Debian's, driven by
 * playwright-core) opens the deployed pages. A copy of examples/basic is built
 * by Vite's builder with the plugin, which deploys it; every release changes the
 * lazily loaded module, so each has its own lazy chunk and its own HTML.
 *
 * - Release 1 (built without `reloadOnChunkError`) is opened in several tabs
 *   that have not lazy-loaded yet. A module, once imported, is never fetched
 *   again by its document, so each of those tabs lazy-loads at a later point:
 *   after release 2, 3 and 4 (default retention keeps the chunk), after a
 *   rollback from 4 to 3 (by the built CLI), and after retention expired.
 *   Each tab has its own browser context (own HTTP cache), so every load is a
 *   request to the server, answered 200 while the chunk is kept.
 * - The rollback serves release 3's `index.html` byte for byte (against the
 *   build output kept from release 3) with release 3's headers, and a new tab
 *   gets release 3's lazy module.
 * - Release 5 (`retain: { releases: 1, days: 0 }`) prunes the chunks of
 *   releases 1 and 2. A tab opened at release 2 (built with `reloadOnChunkError:
 *   true`) reloads exactly once when its lazy import fails and then loads
 *   release 5's module; the last release-1 tab (recovery off) fails the clean
 *   way: a 404 for the chunk and "Failed to fetch dynamically imported module",
 *   never HTML parsed as JavaScript. Navigations are counted per tab.
 */
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import cdn, { type CdnManifest } from '../../src/index.js'
import type { Ledger } from '../../src/plan/types.js'
import { CHUNK_RELOAD_SCRIPT, CHUNK_RELOAD_STORAGE_KEY } from '../../src/runtime/index.js'
import { EMBEDDED_CREDENTIALS, startEmbeddedS3 } from '../../scripts/lib/embedded-s3.mjs'
import { EXAMPLES } from '../helpers/build.js'
import { launchChromium, FETCH_FAILED } from '../helpers/browser.js'
import { assertBuilt, baseEnv, runCli, writeConfig } from '../helpers/cli.js'

/** How long to watch for a further (looping) reload after the last expected event. */
const SETTLE_MS = 1500
const PREFIX = 'app/'
const LAZY = /\/assets\/lazy-[\w-]+\.js$/

interface Built {
  /** The ledger's id of the release the build deployed. */
  id: string
  /** dist/index.html as the build wrote it. */
  html: Buffer
  lazyUrl: string
  lazyKey: string
}

interface Tab {
  page: Page
  /** Documents loaded in the main frame: 1 until something reloads. */
  navigations: () => number
  /** Per document (index = navigation): console errors, page errors, HTTP errors. */
  errors: string[][]
  pageErrors: string[][]
  /** Every response for a lazy chunk, in order. */
  lazy: Array<{ url: string; status: number; type: string }>
}

describe('releases, rollback and chunk errors (Chromium)', () => {
  let s3: Awaited<ReturnType<typeof startEmbeddedS3>>
  let client: S3Client
  let browser: Browser
  let work: string
  let app: string
  let cliDir: string
  let base: string
  const releases: Built[] = []
  /** Tabs opened at release 1, before any lazy load; each is used once, at a later stage. */
  const r1: Record<'after2' | 'after3' | 'after4' | 'afterRollback' | 'expired', Tab> = {} as never
  let r2Tab: Tab
  let r3Served: { type: string | null; cache: string | null }

  beforeAll(async () => {
    browser = await launchChromium()
    assertBuilt()
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: EMBEDDED_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMBEDDED_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
    })
    s3 = await startEmbeddedS3({ buckets: ['site'] })
    client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { ...EMBEDDED_CREDENTIALS } })
    base = `${s3.endpoint}/site/${PREFIX}`
    work = await mkdtemp(join(tmpdir(), 'cdn-deploy-e2e-releases-'))
    app = join(work, 'basic')
    await cp(join(EXAMPLES, 'basic'), app, { recursive: true, filter: (src) => !/[\\/](dist|node_modules)$/.test(src) })
    cliDir = join(work, 'cli')
    await mkdir(cliDir)
    await writeConfig(cliDir, { domain: base, prefix: PREFIX, storage: { bucket: 'site', endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1' } })
  })
  afterAll(async () => {
    await browser?.close()
    client?.destroy()
    await s3?.stop()
    if (work) await rm(work, { recursive: true, force: true })
  })

  async function ledger(): Promise<Ledger> {
    const got = await client.send(new GetObjectCommand({ Bucket: 'site', Key: `${PREFIX}.cdn-deploy/ledger.json` }))
    return JSON.parse(await got.Body!.transformToString()) as Ledger
  }

  async function inBucket(key: string): Promise<boolean> {
    try {
      await client.send(new HeadObjectCommand({ Bucket: 'site', Key: key }))
      return true
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false
      throw error
    }
  }

  /**
   * Release n: the lazy module says `vn`; a real `vite build` (Vite's builder, as
   * the CLI runs it) whose plugin deploys to the embedded bucket.
   */
  async function release(n: number, options: { reloadOnChunkError: boolean; retain?: { releases: number; days: number } }): Promise<Built> {
    const lazy = join(app, 'src/lazy.js')
    await writeFile(lazy, (await readFile(lazy, 'utf8')).replace(/VERSION = 'v\d+'/, `VERSION = 'v${n}'`))
    const { createBuilder } = await import('vite')
    const storage = { bucket: 'site', endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1' }
    const builder = await createBuilder(
      {
        root: app,
        configFile: false,
        logLevel: 'silent',
        plugins: [
          cdn({
            configFile: false,
            domain: base,
            prefix: PREFIX,
            storage,
            reloadOnChunkError: options.reloadOnChunkError,
            ...(options.retain ? { retain: options.retain } : {}),
          }),
        ],
      },
      null,
    )
    await builder.buildApp()
    const manifest = JSON.parse(await readFile(join(app, 'dist/.vite/cdn-manifest.json'), 'utf8')) as CdnManifest
    const chunk = manifest.entries['src/lazy.js']!
    const built = {
      id: (await ledger()).releases.at(-1)!.id,
      html: await readFile(join(app, 'dist/index.html')),
      lazyUrl: chunk.url,
      lazyKey: PREFIX + chunk.file,
    }
    expect(releases.map((r) => r.id)).not.toContain(built.id) // the build deployed a new release
    releases.push(built)
    return built
  }

  /** A new tab in its own browser context (own HTTP cache and sessionStorage) on the site's index.html. */
  async function open(): Promise<Tab> {
    const page = await browser.newPage()
    const errors: string[][] = []
    const pageErrors: string[][] = []
    const lazy: Tab['lazy'] = []
    page.on('framenavigated', (frame) => {
      if (frame !== page.mainFrame()) return
      errors.push([])
      pageErrors.push([])
    })
    const current = <T>(list: T[][]) => list[list.length - 1]!
    page.on('console', (m) => {
      if (m.type() === 'error') current(errors).push(m.text())
    })
    page.on('pageerror', (e) => {
      current(errors).push(e.message)
      current(pageErrors).push(e.message)
    })
    page.on('requestfailed', (r) => current(errors).push(`request failed: ${r.url()}`))
    page.on('response', (r) => {
      if (r.status() >= 400) current(errors).push(`HTTP ${r.status()}: ${r.url()}`)
      if (LAZY.test(r.url())) lazy.push({ url: r.url(), status: r.status(), type: r.headers()['content-type'] ?? '' })
    })
    await page.goto(`${base}index.html`, { waitUntil: 'load' })
    return { page, navigations: () => pageErrors.length, errors, pageErrors, lazy }
  }

  /** Click the button that lazy-loads, and wait for the module's text (a page error fails at once). */
  async function loadLazy(page: Page): Promise<string> {
    let fail: (error: Error) => void = () => {}
    const failed = new Promise<never>((_, reject) => (fail = reject))
    page.on('pageerror', fail)
    try {
      await page.click('#load')
      await Promise.race([page.waitForFunction(() => document.querySelector('#lazy-result')?.textContent !== ''), failed])
    } finally {
      page.off('pageerror', fail)
    }
    return (await page.textContent('#lazy-result')) ?? ''
  }

  /** The inline script first in <head>, if any (the chunk-reload snippet). */
  const inlineHeadScript = (page: Page) => page.evaluate(() => [...document.head.querySelectorAll('script')].find((s) => !s.src)?.textContent ?? null)

  /** A release-1 tab lazy-loads release 1's chunk, from the server, with no error and no reload. */
  async function expectRelease1Works(tab: Tab): Promise<void> {
    const [first] = releases
    expect(tab.lazy).toEqual([]) // it had not lazy-loaded before
    expect(await loadLazy(tab.page)).toBe(`lazy module v1 loaded from ${first!.lazyUrl}`)
    expect(tab.lazy).toEqual([{ url: first!.lazyUrl, status: 200, type: 'text/javascript; charset=utf-8' }])
    expect(tab.errors).toEqual([[]])
    expect(tab.navigations()).toBe(1)
  }

  /** `cdn-deploy releases`: the ROLLBACK column, newest first. */
  async function rollbackColumn(): Promise<string[]> {
    const out = await cli('releases')
    expect(out.code, out.stderr).toBe(0)
    return out.stdout
      .trim()
      .split('\n')
      .slice(2)
      .map((row) => row.split(/\s{2,}/)[5]!)
  }

  const cli = (...args: string[]) =>
    runCli(args, {
      cwd: cliDir,
      env: { ...baseEnv(cliDir), AWS_ACCESS_KEY_ID: EMBEDDED_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: EMBEDDED_CREDENTIALS.secretAccessKey },
    })

  it('a tab opened at release 1 keeps lazy-loading its chunk across releases 2, 3 and 4', async () => {
    const first = await release(1, { reloadOnChunkError: false })
    for (const name of ['after2', 'after3', 'after4', 'afterRollback', 'expired'] as const) {
      const tab = await open()
      expect(await inlineHeadScript(tab.page)).toBeNull() // release 1: no recovery
      expect(await tab.page.textContent('#lazy-result')).toBe('')
      r1[name] = tab
    }

    await release(2, { reloadOnChunkError: true })
    r2Tab = await open()
    expect(await inlineHeadScript(r2Tab.page)).toBe(CHUNK_RELOAD_SCRIPT)
    await expectRelease1Works(r1.after2)

    const third = await release(3, { reloadOnChunkError: true })
    const served = await fetch(`${base}index.html`)
    expect(Buffer.from(await served.arrayBuffer()).equals(third.html)).toBe(true)
    r3Served = { type: served.headers.get('content-type'), cache: served.headers.get('cache-control') }
    expect(r3Served).toEqual({ type: 'text/html; charset=utf-8', cache: 'public, max-age=0, must-revalidate' })
    await expectRelease1Works(r1.after3)

    await release(4, { reloadOnChunkError: true })
    await expectRelease1Works(r1.after4)

    // Every release had its own lazy chunk and its own HTML; default retention kept release 1's chunk throughout.
    expect(new Set(releases.map((r) => r.lazyUrl)).size).toBe(4)
    expect(new Set(releases.map((r) => r.html.toString())).size).toBe(4)
    expect(await inBucket(first.lazyKey)).toBe(true)
    expect(await rollbackColumn()).toEqual(['live', 'yes', 'yes', 'yes'])
  })

  it('a rollback from 4 to 3 serves release 3’s HTML byte for byte, and the release-1 tab still works', async () => {
    const [, , third, fourth] = releases
    const done = await cli('rollback', third!.id, '--yes')
    expect(done.code, done.stderr).toBe(0)
    expect(done.stdout).toContain(`[cdn-deploy] rolled back to release ${third!.id} as release `)
    expect((await ledger()).releases.at(-1)).toMatchObject({ rollbackOf: third!.id })

    const served = await fetch(`${base}index.html`)
    const bytes = Buffer.from(await served.arrayBuffer())
    expect(bytes.equals(third!.html)).toBe(true)
    expect(bytes.equals(fourth!.html)).toBe(false)
    expect({ type: served.headers.get('content-type'), cache: served.headers.get('cache-control') }).toEqual(r3Served)
    expect(await rollbackColumn()).toEqual([`live (restored ${third!.id})`, 'yes', 'yes', 'yes', 'yes'])

    await expectRelease1Works(r1.afterRollback)
    // A new tab gets release 3 again, lazy module included.
    const fresh = await open()
    expect(await loadLazy(fresh.page)).toBe(`lazy module v3 loaded from ${third!.lazyUrl}`)
    expect(fresh.errors).toEqual([[]])
    await fresh.page.close()
  })

  it('past retention: with recovery a tab reloads once and works; without, the failure is a clean 404', async () => {
    const [first, second] = releases
    const fifth = await release(5, { reloadOnChunkError: true, retain: { releases: 1, days: 0 } })
    expect(await inBucket(first!.lazyKey)).toBe(false)
    expect(await inBucket(second!.lazyKey)).toBe(false)
    expect(await inBucket(fifth.lazyKey)).toBe(true)

    // Recovery on (the tab opened at release 2): the failed lazy import reloads the page once, and the click then loads release 5's module.
    const tab = r2Tab
    const reloaded = tab.page.waitForEvent('load', { timeout: 10_000 })
    await tab.page.click('#load')
    await reloaded
    expect(tab.navigations()).toBe(2)
    expect(Number(await tab.page.evaluate((key) => sessionStorage.getItem(key), CHUNK_RELOAD_STORAGE_KEY))).toBeGreaterThan(Date.now() - 60_000)
    expect(await loadLazy(tab.page)).toBe(`lazy module v5 loaded from ${fifth.lazyUrl}`)
    await tab.page.waitForTimeout(SETTLE_MS)
    expect(tab.navigations()).toBe(2)
    expect(tab.lazy.map((r) => [r.url, r.status])).toEqual([
      [second!.lazyUrl, 404],
      [fifth.lazyUrl, 200],
    ])
    expect(tab.errors[0]).toContain(`HTTP 404: ${second!.lazyUrl}`)
    expect(tab.pageErrors[0]!.every((e) => e.startsWith(FETCH_FAILED))).toBe(true) // Vite's own error as the page unloaded, if it surfaced
    expect(tab.errors[1]).toEqual([])

    // Recovery off (the last release-1 tab): no reload, the clean failure.
    const off = r1.expired
    const failure = off.page.waitForEvent('pageerror', { timeout: 10_000 })
    await off.page.click('#load')
    expect((await failure).message).toBe(`${FETCH_FAILED}: ${first!.lazyUrl}`)
    await off.page.waitForTimeout(SETTLE_MS)
    expect(off.navigations()).toBe(1)
    expect(off.lazy).toHaveLength(1)
    expect(off.lazy[0]).toMatchObject({ url: first!.lazyUrl, status: 404 })
    expect(off.lazy[0]!.type).not.toMatch(/html|javascript/)
    expect(off.errors[0]).toContain(`HTTP 404: ${first!.lazyUrl}`)
    expect(off.pageErrors).toEqual([[`${FETCH_FAILED}: ${first!.lazyUrl}`]])
    expect(await off.page.textContent('#lazy-result')).toBe('')
    expect(await off.page.evaluate((key) => sessionStorage.getItem(key), CHUNK_RELOAD_STORAGE_KEY)).toBeNull()

    // A missing chunk is a 404 from the bucket, never HTML parsed as JavaScript.
    for (const error of [...tab.errors.flat(), ...off.errors.flat()]) expect(error).not.toMatch(/SyntaxError|Unexpected token|MIME type/)
    // And release 1 can no longer be rolled back to: its files were pruned.
    const refused = await cli('rollback', first!.id, '--dry-run')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`release ${first!.id} cannot be rolled back to`)
  })
})

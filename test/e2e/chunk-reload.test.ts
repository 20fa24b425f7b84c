/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Chunk-error recovery in a real browser: examples/basic deployed to the embedded
 * S3 server (bucket and "CDN" in one), opened in Chromium, then its lazy chunk
 * deleted from the bucket, as retention would after a tab stayed open too long.
 * With `reloadOnChunkError: true` the click that lazy-loads reloads the page
 * exactly once, and the same failure after the reload surfaces as the clean
 * "Failed to fetch dynamically imported module" — no loop. Without it, nothing
 * reloads and the failure is that same clean one.
 */
import { DeleteObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import cdn, { type CdnManifest } from '../../src/index.js'
import { CHUNK_RELOAD_SCRIPT, CHUNK_RELOAD_STORAGE_KEY } from '../../src/runtime/index.js'
import { EMBEDDED_CREDENTIALS, startEmbeddedS3 } from '../../scripts/lib/embedded-s3.mjs'
import { EXAMPLES } from '../helpers/build.js'
import { launchChromium, FETCH_FAILED } from '../helpers/browser.js'

/** How long to watch for a further (looping) reload after the last expected event. */
const SETTLE_MS = 1500

describe('chunk-error recovery (Chromium)', () => {
  let s3: Awaited<ReturnType<typeof startEmbeddedS3>>
  let client: S3Client
  let browser: Browser
  let work: string
  let app: string

  beforeAll(async () => {
    browser = await launchChromium()
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: EMBEDDED_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMBEDDED_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
    })
    s3 = await startEmbeddedS3({ buckets: ['site'] })
    client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { ...EMBEDDED_CREDENTIALS } })
    work = await mkdtemp(join(tmpdir(), 'cdn-deploy-e2e-reload-'))
    app = join(work, 'basic')
    await cp(join(EXAMPLES, 'basic'), app, { recursive: true, filter: (src) => !/[\\/](dist|node_modules)$/.test(src) })
  })
  afterAll(async () => {
    await browser?.close()
    client?.destroy()
    await s3?.stop()
    if (work) await rm(work, { recursive: true, force: true })
  })

  /**
   * A real `vite build` (Vite's builder) that deploys to the embedded bucket under
   * its own prefix (a deploy trusts its ledger, so it would not restore a chunk an
   * earlier test deleted); returns the page's base URL and the lazy chunk's key.
   */
  async function buildAndDeploy(prefix: string, reloadOnChunkError: boolean): Promise<{ base: string; lazyKey: string; lazyUrl: string }> {
    const base = `${s3.endpoint}/site/${prefix}`
    const { createBuilder } = await import('vite')
    const builder = await createBuilder(
      {
        root: app,
        configFile: false,
        logLevel: 'silent',
        plugins: [
          cdn({
            configFile: false,
            domain: base,
            prefix,
            reloadOnChunkError,
            storage: { bucket: 'site', endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1' },
          }),
        ],
      },
      null,
    )
    await builder.buildApp()
    const manifest = JSON.parse(await readFile(join(app, 'dist/.vite/cdn-manifest.json'), 'utf8')) as CdnManifest
    const lazy = manifest.entries['src/lazy.js']!
    return { base, lazyKey: prefix + lazy.file, lazyUrl: lazy.url }
  }

  /** Retention (or a purge) removed the chunk an open tab still needs. */
  async function deleteChunk(key: string): Promise<void> {
    await client.send(new HeadObjectCommand({ Bucket: 'site', Key: key })) // it was deployed
    await client.send(new DeleteObjectCommand({ Bucket: 'site', Key: key }))
    await expect(client.send(new HeadObjectCommand({ Bucket: 'site', Key: key }))).rejects.toThrow()
  }

  /** A fresh tab (own context: own cache and sessionStorage); errors are kept per document (index = navigation). */
  async function open(base: string): Promise<{ page: Page; navigations: () => number; errors: string[][]; pageErrors: string[][] }> {
    const page = await browser.newPage()
    const errors: string[][] = []
    const pageErrors: string[][] = []
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
    page.on('response', (r) => {
      if (r.status() >= 400) current(errors).push(`HTTP ${r.status()}: ${r.url()}`)
    })
    await page.goto(`${base}index.html`, { waitUntil: 'load' })
    return { page, navigations: () => pageErrors.length, errors, pageErrors }
  }

  /** Click the button that lazy-loads and wait for the failure to surface as a page error. */
  async function clickAndFail(page: Page): Promise<string> {
    const failure = page.waitForEvent('pageerror')
    await page.click('#load')
    return (await failure).message
  }

  it('with reloadOnChunkError: reloads exactly once, then the failure surfaces cleanly', async () => {
    const { base, lazyKey, lazyUrl } = await buildAndDeploy('on/', true)
    const tab = await open(base)
    const { page } = tab
    expect(await page.evaluate(() => document.head.querySelector('script')?.textContent)).toBe(CHUNK_RELOAD_SCRIPT)
    await deleteChunk(lazyKey)

    // The click fails to load the chunk: the snippet reloads the page.
    const reloaded = page.waitForEvent('load')
    await page.click('#load')
    await reloaded
    expect(tab.navigations()).toBe(2)
    const marker = Number(await page.evaluate((key) => sessionStorage.getItem(key), CHUNK_RELOAD_STORAGE_KEY))
    expect(marker).toBeGreaterThan(Date.now() - 60_000)
    // Vite threw its usual error on the first page as it reloaded (nothing prevented it).
    expect(tab.pageErrors[0]!.filter((e) => e.includes(FETCH_FAILED)).length).toBeLessThanOrEqual(1)

    // The same failure after the reload: no second reload, the clean error.
    expect(await clickAndFail(page)).toBe(`${FETCH_FAILED}: ${lazyUrl}`)
    await page.waitForTimeout(SETTLE_MS)
    expect(await clickAndFail(page)).toContain(FETCH_FAILED) // and again, still no reload
    await page.waitForTimeout(SETTLE_MS)
    expect(tab.navigations()).toBe(2)
    expect(tab.pageErrors[1]).toEqual([expect.stringContaining(FETCH_FAILED), expect.stringContaining(FETCH_FAILED)])
    // A missing chunk is a 404 from the bucket, never HTML parsed as JavaScript.
    for (const error of tab.errors.flat()) expect(error).not.toMatch(/SyntaxError|Unexpected token|MIME type/)
    expect(tab.errors[1]).toContain(`HTTP 404: ${lazyUrl}`)
    expect(await page.textContent('#lazy-result')).toBe('')
    await page.close()
  })

  it('without it: no reload, and the failure is the clean "Failed to fetch dynamically imported module"', async () => {
    const { base, lazyKey, lazyUrl } = await buildAndDeploy('off/', false)
    const tab = await open(base)
    const { page } = tab
    expect(await page.evaluate(() => [...document.scripts].map((s) => s.src || 'inline'))).toEqual([expect.stringMatching(new RegExp(`^${base}assets/index-`))])
    await deleteChunk(lazyKey)

    expect(await clickAndFail(page)).toBe(`${FETCH_FAILED}: ${lazyUrl}`)
    await page.waitForTimeout(SETTLE_MS)
    expect(tab.navigations()).toBe(1)
    expect(tab.pageErrors).toEqual([[expect.stringContaining(FETCH_FAILED)]])
    for (const error of tab.errors.flat()) expect(error).not.toMatch(/SyntaxError|Unexpected token|MIME type/)
    expect(await page.evaluate((key) => sessionStorage.getItem(key), CHUNK_RELOAD_STORAGE_KEY)).toBeNull()
    await page.close()
  })
})

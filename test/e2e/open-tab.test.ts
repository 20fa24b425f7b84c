/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The promise that matters most, in a real browser: a tab opened before a deploy
 * keeps working after it. The embedded S3 server is the bucket and the "CDN";
 * Chromium (Debian's, driven by playwright-core) opens the deployed page, a new
 * release changes the lazily loaded module, and the old tab's lazy import still
 * loads (its chunk was retained) with no console error, while a fresh tab gets
 * the new release.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import cdn from '../../src/index.js'
import { EMBEDDED_CREDENTIALS, startEmbeddedS3 } from '../../scripts/lib/embedded-s3.mjs'
import { EXAMPLES } from '../helpers/build.js'
import { launchChromium } from '../helpers/browser.js'

describe('an open tab across deploys (Chromium)', () => {
  let s3: Awaited<ReturnType<typeof startEmbeddedS3>>
  let browser: Browser
  let work: string
  let app: string
  let base: string

  beforeAll(async () => {
    browser = await launchChromium()
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: EMBEDDED_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMBEDDED_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
    })
    s3 = await startEmbeddedS3({ buckets: ['site'] })
    base = `${s3.endpoint}/site/app/`
    work = await mkdtemp(join(tmpdir(), 'cdn-deploy-e2e-'))
    app = join(work, 'basic')
    await cp(join(EXAMPLES, 'basic'), app, { recursive: true, filter: (src) => !/[\\/](dist|node_modules)$/.test(src) })
  })
  afterAll(async () => {
    await browser?.close()
    await s3?.stop()
    if (work) await rm(work, { recursive: true, force: true })
  })

  /** A real `vite build` (Vite's builder, as the CLI runs it) whose plugin deploys to the embedded bucket. */
  async function buildAndDeploy(): Promise<void> {
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
            prefix: 'app/',
            storage: { bucket: 'site', endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1' },
          }),
        ],
      },
      null,
    )
    await builder.buildApp()
  }

  async function open(): Promise<{ page: Page; errors: string[]; lazyRequests: string[] }> {
    const page = await browser.newPage()
    const errors: string[] = []
    const lazyRequests: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text())
    })
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`))
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`)
      if (/\/assets\/lazy-[\w-]+\.js$/.test(r.url())) lazyRequests.push(r.url())
    })
    await page.goto(`${base}index.html`, { waitUntil: 'load' })
    return { page, errors, lazyRequests }
  }

  async function loadLazy(page: Page): Promise<string> {
    await page.click('#load')
    await page.waitForFunction(() => document.querySelector('#lazy-result')?.textContent !== '')
    return (await page.textContent('#lazy-result')) ?? ''
  }

  it('keeps the old tab working after a deploy that changes its lazy chunk; a new tab gets the new release', async () => {
    await buildAndDeploy()
    const old = await open()
    // Everything on the page came from the CDN base, with SRI checked by the browser.
    expect(await old.page.evaluate(() => [...document.scripts].map((s) => s.src))).toEqual([expect.stringMatching(new RegExp(`^${base}assets/index-`))])
    expect(await old.page.evaluate(() => (document.querySelector('#logo') as HTMLImageElement).naturalWidth)).toBeGreaterThan(0)
    expect(await old.page.evaluate(() => document.fonts.check('16px "JetBrains Mono"'))).toBe(true)

    const lazy = join(app, 'src/lazy.js')
    await writeFile(lazy, (await readFile(lazy, 'utf8')).replace("VERSION = 'v1'", "VERSION = 'v2'"))
    await buildAndDeploy()

    // The tab opened before the deploy imports the chunk it was built with.
    expect(await loadLazy(old.page)).toMatch(/^lazy module v1 loaded from /)
    const fresh = await open()
    expect(await loadLazy(fresh.page)).toMatch(/^lazy module v2 loaded from /)
    expect(old.lazyRequests).toHaveLength(1)
    expect(fresh.lazyRequests).toHaveLength(1)
    expect(old.lazyRequests[0]).not.toBe(fresh.lazyRequests[0])
    for (const url of [...old.lazyRequests, ...fresh.lazyRequests]) expect(url.startsWith(`${base}assets/`)).toBe(true)
    expect(old.errors).toEqual([])
    expect(fresh.errors).toEqual([])
    // E2E_SCREENSHOT=/path.png keeps a picture of the old tab after its lazy import.
    if (process.env.E2E_SCREENSHOT) await old.page.screenshot({ path: process.env.E2E_SCREENSHOT })
  })
})

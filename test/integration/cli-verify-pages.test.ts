/**
 * `cdn-deploy verify` as a visitor: the built bin deploys small sites to s3rver
 * (each under its own prefix, the public base being the bucket's path-style URL)
 * and verify loads every page and each URL it references. The first case is the
 * VitePress one: every file matches the ledger, yet the pages reference
 * root-relative `/assets/…` URLs that miss the bucket prefix.
 */
import { join } from 'node:path'
import { DeleteObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PageResult, ReferenceResult } from '../../src/cli/verify-pages.js'
import { tempDir } from '../helpers/build.js'
import { assertBuilt, baseEnv, DUMMY_SECRET, parseJson, registerS3rverKey, runCli, transcript, writeSite } from '../helpers/cli.js'
import { startS3rver, type S3TestServer } from '../helpers/s3-servers.js'

const BUCKET = 'verify-pages'
const JS = 'console.log("app")\n'
const CSS = 'body{color:#123}\n'

interface VerifyJson {
  ok: boolean
  checked: number
  failed: number
  pagesChecked: number
  pagesFailed: number
  referencesChecked: number
  referencesFailed: number
  pages: PageResult[]
  references: ReferenceResult[]
  external: Array<{ url: string; pages: string[] }>
}

let server: S3TestServer
let cwd: string

const publicBase = (prefix: string) => `${server.endpoint}/${BUCKET}/${prefix}`
const envFor = (prefix: string) => ({
  ...baseEnv(cwd),
  AWS_ENDPOINT_URL_S3: server.endpoint,
  CDN_BUCKET: BUCKET,
  CDN_DOMAIN: publicBase(prefix),
  CDN_PREFIX: prefix,
})
const cli = (prefix: string, ...args: string[]) => runCli(args, { cwd, env: envFor(prefix) })

/** Write `files` into a fresh dir and deploy them under `prefix` with the bin. */
async function deploy(prefix: string, files: Record<string, string>, label = prefix): Promise<void> {
  const dir = join(cwd, label.replace(/\W/g, '-'))
  await writeSite(dir, files)
  const r = await cli(prefix, 'deploy', dir)
  expect(r.code, r.stdout + r.stderr).toBe(0)
}

beforeAll(async () => {
  assertBuilt()
  server = await startS3rver(BUCKET)
  registerS3rverKey()
  cwd = await tempDir('cli-verify-pages')
})

afterAll(async () => {
  await server?.stop()
  expect(transcript.join('\n')).not.toContain(DUMMY_SECRET)
})

describe('verify loads every page and what it references', () => {
  const BROKEN = {
    'index.html': '<!doctype html><script type="module" src="./assets/app-Bx7kQ2mZ.js"></script><link rel="stylesheet" href="./assets/style-9f8e7d6c.css">',
    // What VitePress emits with `base: '/'` when the site is deployed under a prefix.
    'guide.html': '<!doctype html><script type="module" src="/assets/app-Bx7kQ2mZ.js"></script><link rel="stylesheet" href="/assets/style-9f8e7d6c.css">',
    'docs/api.html': '<!doctype html><link rel="stylesheet" href="/assets/style-9f8e7d6c.css">',
    'assets/app-Bx7kQ2mZ.js': JS,
    'assets/style-9f8e7d6c.css': CSS,
  }

  it('fails when pages reference root-relative URLs outside the prefix, naming page, URL and tag', async () => {
    await deploy('broken/', BROKEN)
    const r = await cli('broken/', 'verify')
    expect(r.code, r.stdout + r.stderr).toBe(1)
    // Every file is where the ledger says: only the visitor's view shows the problem.
    expect(r.stdout).toContain('[cdn-deploy] verify: 5 of 5 files ok; 3 of 3 pages ok, 2 of 4 references ok')
    expect(r.stdout).toContain('  FAIL  guide.html references /assets/app-Bx7kQ2mZ.js (<script src>): HTTP 404\n')
    expect(r.stdout).toContain(`          requested ${server.endpoint}/assets/app-Bx7kQ2mZ.js\n`)
    // One request for a URL several pages share, every page named.
    expect(r.stdout).toContain('  FAIL  docs/api.html references /assets/style-9f8e7d6c.css (<link rel=stylesheet>): HTTP 404\n')
    expect(r.stdout).toContain('          also referenced by guide.html\n')
    expect(r.stdout).not.toMatch(/FAIL {2}index\.html/)

    const json = await cli('broken/', 'verify', '--json')
    expect(json.code).toBe(1)
    const report = parseJson<VerifyJson>(json)
    expect(report).toMatchObject({ ok: false, checked: 5, failed: 0, pagesChecked: 3, pagesFailed: 0, referencesChecked: 4, referencesFailed: 2 })
    expect(report.references.filter((x) => !x.ok).map((x) => [x.url, x.tag, x.status, x.pages])).toEqual([
      [`${server.endpoint}/assets/style-9f8e7d6c.css`, 'link rel=stylesheet', 404, ['docs/api.html', 'guide.html']],
      [`${server.endpoint}/assets/app-Bx7kQ2mZ.js`, 'script src', 404, ['guide.html']],
    ])
    // A --json run in CI still shows the failures on stderr.
    expect(json.stderr).toContain('FAIL  guide.html references /assets/app-Bx7kQ2mZ.js')
  })

  it('fails on a page that is not served, with its status', async () => {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html
    await server.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'broken/docs/api.html' }))
    const r = await cli('broken/', 'verify', '--json')
    expect(r.code).toBe(1)
    const report = parseJson<VerifyJson>(r)
    expect(report).toMatchObject({ pagesChecked: 3, pagesFailed: 1 })
    expect(report.pages.find((p) => p.rel === 'docs/api.html')).toMatchObject({ ok: false, status: 404, problems: ['HTTP 404 (expected 200)'] })
    // The shared stylesheet is now referenced by the one page left that was loaded.
    expect(report.references.find((x) => x.value === '/assets/style-9f8e7d6c.css')?.pages).toEqual(['guide.html'])
    expect(r.stderr).toMatch(/FAIL {2}page docs\/api\.html \S+docs\/api\.html\n\s+HTTP 404 \(expected 200\)/)
  })

  const GOOD = {
    'index.html': [
      '<!doctype html><html><head><title>v2</title>',
      '<link rel="icon" href="./favicon.svg"><link rel="manifest" href="./site.webmanifest">',
      '<link rel="stylesheet" href="./assets/style-9f8e7d6c.css"><link rel="modulepreload" href="./assets/chunk-Ab12Cd34.js">',
      '<link rel="preconnect" href="https://fonts.example.com"><link rel="stylesheet" href="https://fonts.example.com/css?family=Inter">',
      '<script type="module" src="./assets/app-Bx7kQ2mZ.js"></script></head>',
      '<body><img src="./img/logo.png" srcset="./img/logo.png 1x, ./img/logo@2x.png 2x" alt=""><img src="data:image/gif;base64,R0lGOD" alt=""></body></html>',
    ].join('\n'),
    'docs/index.html': '<!doctype html><base href="../"><link rel="stylesheet" href="assets/style-9f8e7d6c.css"><img src="img/logo.png" alt="">',
    'assets/app-Bx7kQ2mZ.js': 'import "./chunk-Ab12Cd34.js"\n',
    'assets/chunk-Ab12Cd34.js': JS,
    'assets/style-9f8e7d6c.css': CSS,
    'favicon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
    'site.webmanifest': '{"name":"site"}',
    'img/logo.png': 'not really a png',
    'img/logo@2x.png': 'not really a png either',
  }

  it('passes on a correct site, counting pages and references; other origins only listed', async () => {
    // Release 1 has a page that the next build drops: kept for open tabs, but no longer part of the site.
    await deploy('good/', { ...GOOD, 'index.html': GOOD['index.html'].replace('v2', 'v1'), 'old.html': '<script src="/gone.js"></script>' }, 'good-v1')
    await deploy('good/', GOOD, 'good-v2')
    const r = await cli('good/', 'verify', '--verbose')
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toContain('[cdn-deploy] verify: 9 of 9 files ok; 2 of 2 pages ok, 7 of 7 references ok')
    expect(r.stdout).toContain('  ok    page index.html (7 references)')
    expect(r.stdout).toContain('  ok    page docs/index.html (2 references)')
    expect(r.stdout).toMatch(
      /ok {4}docs\/index\.html references assets\/style-9f8e7d6c\.css \(<link rel=stylesheet>, 200, text\/css; charset=utf-8\) also by index\.html/,
    )
    expect(r.stdout).toContain('  skip  https://fonts.example.com/css?family=Inter (<link rel=stylesheet> on another origin, in index.html)')
    expect(r.stdout).not.toContain('old.html')
    expect(r.stdout).not.toContain('preconnect')

    const json = await cli('good/', 'verify', '--json')
    expect(json.code).toBe(0)
    const report = parseJson<VerifyJson>(json)
    expect(report).toMatchObject({ ok: true, pagesChecked: 2, pagesFailed: 0, referencesChecked: 7, referencesFailed: 0 })
    expect(report.pages.map((p) => p.rel)).toEqual(['docs/index.html', 'index.html'])
    const base = publicBase('good/')
    expect(report.references.map((x) => [x.url, x.kind]).sort()).toEqual([
      [`${base}assets/app-Bx7kQ2mZ.js`, 'script'],
      [`${base}assets/chunk-Ab12Cd34.js`, 'script'],
      [`${base}assets/style-9f8e7d6c.css`, 'style'],
      [`${base}favicon.svg`, 'image'],
      [`${base}img/logo.png`, 'image'],
      [`${base}img/logo@2x.png`, 'image'],
      [`${base}site.webmanifest`, 'manifest'],
    ])
    expect(report.external).toEqual([{ url: 'https://fonts.example.com/css?family=Inter', tag: 'link rel=stylesheet', pages: ['index.html'] }])
  })

  it('fails on a referenced script or stylesheet served with a type the browser refuses', async () => {
    await deploy('types/', {
      // Extensionless and .scss files are stored as application/octet-stream: the ledger agrees, the browser does not.
      'index.html': [
        '<!doctype html><script type="module" src="./vendor/widget"></script><link rel="stylesheet" href="./theme.scss">',
        '<script type="text/x-template" src="./tpl/card"></script><script type="module" src="./assets/app-Bx7kQ2mZ.js"></script>',
      ].join(''),
      'vendor/widget': JS,
      'theme.scss': CSS,
      'tpl/card': '<div></div>',
      'assets/app-Bx7kQ2mZ.js': JS,
    })
    const r = await cli('types/', 'verify')
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expect(r.stdout).toContain('[cdn-deploy] verify: 5 of 5 files ok; 1 of 1 pages ok, 2 of 4 references ok')
    expect(r.stdout).toContain(
      '  FAIL  index.html references ./vendor/widget (<script src>): Content-Type is "application/octet-stream", expected a JavaScript type such as text/javascript',
    )
    expect(r.stdout).toContain(
      '  FAIL  index.html references ./theme.scss (<link rel=stylesheet>): Content-Type is "application/octet-stream", expected text/css',
    )
    expect(r.stdout).toContain(`          requested ${publicBase('types/')}vendor/widget`)
    // A script of a type browsers do not run only has to exist.
    expect(r.stdout).not.toContain('tpl/card')
  })
})

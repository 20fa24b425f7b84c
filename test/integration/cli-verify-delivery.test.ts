/**
 * `cdn-deploy verify --delivery` against a stand-in CDN: a loopback node:http
 * server in front of nothing, serving a few files from memory with chosen
 * headers (brotli or gzip on the fly when asked, cache headers, a redirect to
 * plain http). The bucket (s3rver) only holds the ledger, written to match what
 * the "CDN" serves, so the usual checks pass and the delivery report is the
 * subject.
 */
import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DeliveryReport } from '../../src/cli/verify-delivery.js'
import type { Ledger } from '../../src/plan/types.js'
import { tempDir } from '../helpers/build.js'
import { assertBuilt, baseEnv, DUMMY_SECRET, parseJson, registerS3rverKey, runCli, transcript } from '../helpers/cli.js'
import { startS3rver, type S3TestServer } from '../helpers/s3-servers.js'

const BUCKET = 'verify-delivery'
const PREFIX = 'site/'
const IMMUTABLE = 'public, max-age=31536000, immutable'
const SHORT = 'public, max-age=300'

interface CdnFile {
  body: Buffer
  contentType: string
  cacheControl: string
  /** Stored precompressed (the ledger's contentEncoding): always served with it. */
  stored?: 'gzip'
  /** The CDN compresses on the fly with this when the client accepts it. */
  compress?: 'br' | 'gzip'
  /** Extra response headers (x-cache, cf-cache-status, age). */
  headers?: Record<string, string>
  /** Answer with a 301 to the same path on this origin. */
  redirectTo?: string
}

const text = (n: number, seed: string) => Buffer.from(Array.from({ length: n }, (_, i) => seed[i % seed.length]).join(''))

const FILES: Record<string, CdnFile> = {
  'index.html': {
    body: Buffer.from(
      '<!doctype html><link rel="stylesheet" href="./assets/style-9f8e7d6c.css"><script type="module" src="./assets/app-Bx7kQ2mZ.js"></script><img src="./logo.png" alt="">',
    ),
    contentType: 'text/html; charset=utf-8',
    cacheControl: 'public, max-age=0, must-revalidate',
    compress: 'br',
    headers: { 'x-cache': 'RefreshHit from cloudfront' },
  },
  'assets/app-Bx7kQ2mZ.js': {
    body: text(4096, 'console.log("app");\n'),
    contentType: 'text/javascript; charset=utf-8',
    cacheControl: IMMUTABLE,
    compress: 'br',
    headers: { 'x-cache': 'Hit from cloudfront', age: '120' },
  },
  // Compression off for CSS at this "CDN": reported, not failed.
  'assets/style-9f8e7d6c.css': {
    body: text(2048, 'body{color:#123}\n'),
    contentType: 'text/css; charset=utf-8',
    cacheControl: IMMUTABLE,
    headers: { 'cf-cache-status': 'MISS' },
  },
  'assets/pre-Cd34Ef56.js': {
    body: text(3000, 'export const pre = 1;\n'),
    contentType: 'text/javascript; charset=utf-8',
    cacheControl: IMMUTABLE,
    stored: 'gzip',
  },
  'logo.png': { body: Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7919) % 256)), contentType: 'image/png', cacheControl: SHORT },
  'robots.txt': { body: Buffer.from('User-agent: *\n'), contentType: 'text/plain; charset=utf-8', cacheControl: SHORT, compress: 'gzip' },
}

let s3: S3TestServer
let cdn: Server
let cdnPort: number
let cwd: string
let env: Record<string, string>
/** The "CDN" misbehaves: serves a precompressed file decoded to clients that accept br. */
let decodeStoredForBr = false
/** Files the "CDN" redirects to plain http on 0.0.0.0 (another host name for this same server). */
const downgrade = new Set<string>()

function serve(): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://cdn.invalid')
    const rel = decodeURIComponent(url.pathname).replace(/^\/site\//, '')
    const file = FILES[rel]
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    if (downgrade.has(rel) && req.headers.host !== `0.0.0.0:${cdnPort}`) {
      res.writeHead(301, { location: `http://0.0.0.0:${cdnPort}${url.pathname}` }).end()
      return
    }
    const accept = String(req.headers['accept-encoding'] ?? '')
    const headers: Record<string, string> = { 'content-type': file.contentType, 'cache-control': file.cacheControl, vary: 'accept-encoding', ...file.headers }
    let body = file.body
    if (file.stored && !(decodeStoredForBr && /\bbr\b/.test(accept))) {
      body = gzipSync(file.body)
      headers['content-encoding'] = 'gzip'
    } else if (file.compress && new RegExp(`\\b${file.compress}\\b`).test(accept)) {
      body = file.compress === 'br' ? brotliCompressSync(file.body) : gzipSync(file.body)
      headers['content-encoding'] = file.compress
    }
    res.writeHead(200, { ...headers, 'content-length': String(body.length) }).end(body)
  })
}

/** The ledger a deploy of FILES would have written, put straight into the bucket. */
async function writeLedger(): Promise<void> {
  const release = 'r1'
  const files: Ledger['files'] = {}
  for (const [rel, f] of Object.entries(FILES)) {
    files[rel] = {
      sha256: createHash('sha256').update(f.body).digest('hex'),
      size: f.body.length,
      contentType: f.contentType,
      cacheControl: f.cacheControl,
      immutable: f.cacheControl === IMMUTABLE,
      release,
      ...(f.stored ? { contentEncoding: f.stored } : {}),
    }
  }
  const ledger: Ledger = { version: 1, releases: [{ id: release, time: new Date().toISOString(), files: Object.keys(FILES).length, bytes: 0 }], files }
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
  await s3.client.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}.cdn-deploy/ledger.json`, Body: JSON.stringify(ledger), ContentType: 'application/json' }),
  )
}

type VerifyJson = { ok: boolean; failed: number; referencesChecked: number; delivery: DeliveryReport }

beforeAll(async () => {
  assertBuilt()
  s3 = await startS3rver(BUCKET)
  registerS3rverKey()
  cdn = serve()
  await new Promise<void>((resolve) => cdn.listen(0, '127.0.0.1', resolve))
  cdnPort = (cdn.address() as AddressInfo).port
  await writeLedger()
  cwd = await tempDir('cli-verify-delivery')
  env = {
    ...baseEnv(cwd),
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    CDN_BUCKET: BUCKET,
    CDN_DOMAIN: `http://127.0.0.1:${cdnPort}/`,
    CDN_PREFIX: PREFIX,
  }
})

afterAll(async () => {
  cdn?.closeAllConnections()
  await new Promise((resolve) => cdn?.close(resolve))
  await s3?.stop()
  expect(transcript.join('\n')).not.toContain(DUMMY_SECRET)
})

const cli = (...args: string[]) => runCli(args, { cwd, env })

describe('verify --delivery', () => {
  it('prints an aligned table: encoding served, cache header, time; and the summary', async () => {
    const r = await cli('verify', '--delivery')
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const rows = r.stdout.split('\n').filter((l) => /^ {2}\S/.test(l))
    const header = rows.find((l) => l.startsWith('  file'))!
    expect(header).toMatch(/^ {2}file +status +encoding +cache +ms$/)
    const row = (rel: string) => rows.find((l) => l.startsWith(`  ${rel} `))!
    expect(row('assets/app-Bx7kQ2mZ.js')).toMatch(/^ {2}assets\/app-Bx7kQ2mZ\.js +200 +br +Hit from cloudfront, age 120 +\d+$/)
    expect(row('assets/style-9f8e7d6c.css')).toMatch(/ 200 +none \(compressible\) +MISS +\d+$/)
    expect(row('assets/pre-Cd34Ef56.js')).toMatch(/ 200 +gzip \(stored gzip\) +- +\d+$/)
    expect(row('logo.png')).toMatch(/ 200 +none +- +\d+$/)
    // Under 1 KiB (this one, and the page): compressed or not, they do not count as compressible.
    expect(row('robots.txt')).toMatch(/ 200 +gzip +- +\d+$/)
    // Aligned: every column starts at the header's offset.
    expect(rows).toHaveLength(1 + Object.keys(FILES).length)
    for (const name of ['status', 'encoding', 'cache']) {
      const at = header.indexOf(name)
      for (const l of rows) expect(`${l[at - 1]}${l[at]}`, `${name} column in "${l}"`).toMatch(/^ \S$/)
    }
    // The time is right-aligned under its header.
    for (const l of rows) expect(l.length, l).toBe(header.length)
    expect(r.stdout).toMatch(/\[cdn-deploy\] delivery: 2 of 3 compressible files served compressed; median \d+ ms, p95 \d+ ms\n/)
    // Loopback http is a test setup, not a warning.
    expect(r.stderr).not.toContain('warning')
    // The visitor checks ran too, through the same "CDN".
    expect(r.stdout).toContain('6 of 6 files ok; 1 of 1 pages ok, 3 of 3 references ok')
  })

  it('--json carries every row and the totals', async () => {
    const r = await cli('verify', '--delivery', '--json')
    expect(r.code, r.stderr).toBe(0)
    const { delivery, ok } = parseJson<VerifyJson>(r)
    expect(ok).toBe(true)
    expect(delivery).toMatchObject({ compressible: 3, compressed: 2, failed: 0, warnings: [] })
    expect(delivery.medianMs).toBeTypeOf('number')
    expect(delivery.p95Ms!).toBeGreaterThanOrEqual(delivery.medianMs!)
    const byRel = Object.fromEntries(delivery.rows.map((x) => [x.rel, x]))
    expect(byRel['assets/app-Bx7kQ2mZ.js']).toMatchObject({
      status: 200,
      compressible: true,
      encoding: 'br',
      cache: 'Hit from cloudfront',
      age: '120',
      secure: true,
      ok: true,
    })
    expect(byRel['assets/style-9f8e7d6c.css']).toMatchObject({ compressible: true, encoding: '', cache: 'MISS' })
    expect(byRel['assets/pre-Cd34Ef56.js']).toMatchObject({ compressible: true, stored: 'gzip', encoding: 'gzip' })
    expect(byRel['logo.png']).toMatchObject({ compressible: false, encoding: '' })
    expect(byRel['robots.txt']).toMatchObject({ compressible: false, encoding: 'gzip' })
    for (const row of delivery.rows) expect(row.ms).toBeTypeOf('number')
    // Without --delivery, no delivery section.
    expect(parseJson<Partial<VerifyJson>>(await cli('verify', '--json')).delivery).toBeUndefined()
  })

  it('fails a file stored precompressed that the CDN serves without Content-Encoding', async () => {
    decodeStoredForBr = true
    try {
      const r = await cli('verify', '--delivery')
      expect(r.code, r.stdout + r.stderr).toBe(1)
      // The usual checks ask for the stored encoding and still pass: only a browser's request shows it.
      expect(r.stdout).toContain('6 of 6 files ok')
      expect(r.stdout).toMatch(
        / {2}assets\/pre-Cd34Ef56\.js +200 +none \(stored gzip!\) +- +\d+\n {4}FAIL {2}stored gzip-encoded but served without Content-Encoding/,
      )
      expect(r.stdout).toMatch(/delivery: 1 of 3 compressible files served compressed; median \d+ ms, p95 \d+ ms; 1 failed/)
      const json = await cli('verify', '--delivery', '--json')
      expect(json.code).toBe(1)
      expect(parseJson<VerifyJson>(json)).toMatchObject({ ok: false, failed: 0, delivery: { failed: 1 } })
      expect(json.stderr).toContain('FAIL  stored gzip-encoded but served without Content-Encoding')
    } finally {
      decodeStoredForBr = false
    }
  })

  it('warns when files are redirected to plain http on a host that is not loopback', async () => {
    downgrade.add('logo.png')
    try {
      const r = await cli('verify', '--delivery')
      expect(r.code, r.stdout + r.stderr).toBe(0)
      expect(r.stderr).toContain(
        `[cdn-deploy] warning: 1 file is redirected to plain http:// at http://0.0.0.0:${cdnPort} (logo.png): browsers block http assets on https pages (mixed content)`,
      )
      expect(r.stdout).toMatch(/ {2}logo\.png +200 http! +none +- +\d+\n/)
      const json = parseJson<VerifyJson>(await cli('verify', '--delivery', '--json'))
      expect(json.delivery.rows.find((x) => x.rel === 'logo.png')).toMatchObject({ secure: false, finalUrl: `http://0.0.0.0:${cdnPort}/site/logo.png` })
      expect(json.delivery.warnings).toHaveLength(1)
    } finally {
      downgrade.clear()
    }
  })
})

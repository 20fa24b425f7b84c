/**
 * deploy() against real S3 servers on loopback (s3rver and moto_server), with a
 * recording proxy in front so every request is counted where the server sees it:
 * a first deploy (bytes, headers, ledger, upload order), a no-op redeploy, a
 * one-file change (fixture and a real Vite rebuild), awkward key names, dry runs,
 * repair, and the reports.
 */
import { randomBytes } from 'node:crypto'
import { cp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DeleteObjectCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import cdn from '../../src/index.js'
import { urlFor } from '../../src/plan/paths.js'
import { EXAMPLES, listTree, readTree, tempDir, viteBuild } from '../helpers/build.js'
import {
  at,
  day,
  expectTreeInBucket,
  fixture,
  getObject,
  bookkeeping,
  listKeys,
  readLedgerObject,
  removeFixtures,
  rewrite,
  sha256,
  targetConfig,
  TUNING,
  writeTree,
  type Tree,
  deploy,
} from '../helpers/deploy.js'
import { describeRequests, fileUploads, isToolKey, startRecordingProxy, writes, type RecordedRequest, type RecordingProxy } from '../helpers/recording-proxy.js'
import { S3_SERVERS, startS3rver, type S3TestServer } from '../helpers/s3-servers.js'

const IMMUTABLE = 'public, max-age=31536000, immutable'
const HTML = 'public, max-age=0, must-revalidate'
const SHORT = 'public, max-age=300'

/** What every file of the first fixture must be stored with, written out by hand (not computed by src/). */
const EXPECTED: Record<string, { type: string; cache: string; phase: 1 | 2 | 3 }> = {
  'assets/app-Bx3kP9qZ.js': { type: 'text/javascript; charset=utf-8', cache: IMMUTABLE, phase: 1 },
  'assets/style-D4e5F6g7.css': { type: 'text/css; charset=utf-8', cache: IMMUTABLE, phase: 1 },
  'assets/logo-C7dE8fG9.png': { type: 'image/png', cache: IMMUTABLE, phase: 1 },
  'assets/font-Q1w2E3r4.woff2': { type: 'font/woff2', cache: IMMUTABLE, phase: 1 },
  'assets/app-Bx3kP9qZ.js.map': { type: 'application/json; charset=utf-8', cache: IMMUTABLE, phase: 1 },
  'robots.txt': { type: 'text/plain; charset=utf-8', cache: SHORT, phase: 2 },
  'favicon.svg': { type: 'image/svg+xml; charset=utf-8', cache: SHORT, phase: 2 },
  'data/config.json': { type: 'application/json; charset=utf-8', cache: SHORT, phase: 2 },
  'media/clip.webm': { type: 'video/webm', cache: SHORT, phase: 2 },
  'index.html': { type: 'text/html; charset=utf-8', cache: HTML, phase: 3 },
  'about/index.html': { type: 'text/html; charset=utf-8', cache: HTML, phase: 3 },
  'sw.js': { type: 'text/javascript; charset=utf-8', cache: 'no-cache', phase: 3 },
  'site.webmanifest': { type: 'application/manifest+json; charset=utf-8', cache: SHORT, phase: 3 },
}

/** 5.5 MiB: above the lowered multipart threshold (5 MiB), so it goes up in two parts. */
const BIG = randomBytes(5.5 * 1024 * 1024)

function firstBuild(): Tree {
  return {
    'index.html': '<!doctype html><link rel="stylesheet" href="/assets/style-D4e5F6g7.css"><script type="module" src="/assets/app-Bx3kP9qZ.js"></script>',
    'about/index.html': '<!doctype html><title>About</title>',
    'assets/app-Bx3kP9qZ.js': 'console.log("app v1")\n//# sourceMappingURL=app-Bx3kP9qZ.js.map',
    'assets/app-Bx3kP9qZ.js.map': '{"version":3,"sources":[],"mappings":""}',
    'assets/style-D4e5F6g7.css': 'body{color:#c00}',
    'assets/logo-C7dE8fG9.png': randomBytes(3000),
    'assets/font-Q1w2E3r4.woff2': randomBytes(2000),
    'robots.txt': 'User-agent: *\nAllow: /\n',
    'favicon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
    'data/config.json': '{"feature":true}',
    'media/clip.webm': BIG,
    'sw.js': 'self.addEventListener("fetch", () => {})',
    'site.webmanifest': '{"name":"test"}',
  }
}

/** Per key: when its upload began (first request) and ended (last response), server-side. */
function spans(requests: readonly RecordedRequest[]): Map<string, { start: number; end: number }> {
  const out = new Map<string, { start: number; end: number }>()
  for (const r of requests) {
    if (r.key === undefined || (r.method !== 'PUT' && r.method !== 'POST')) continue
    const s = out.get(r.key) ?? { start: Infinity, end: -Infinity }
    s.start = Math.min(s.start, r.seq)
    s.end = Math.max(s.end, r.done ?? Infinity)
    out.set(r.key, s)
  }
  return out
}

/** `METHOD key?query status`, for exact sequences. */
const lines = (requests: readonly RecordedRequest[]): string[] => describeRequests(requests).map((line, i) => `${line} ${requests[i]!.status}`)

/**
 * The requests of a deploy where one hashed chunk and index.html changed, as the
 * server sees them. The journal and the ledger are read under the lock at once,
 * so those two may arrive in either order.
 */
function oneChunkSequence(prefix: string, chunk: string, sha: string, release: string): string[] {
  const tool = (name: string) => `${prefix}.cdn-deploy/${name}`
  return [
    `GET ${tool('ledger.json')} 200`, // before locking; a no-op deploy stops here
    `GET ${tool('lock')} 404`,
    `PUT ${tool('lock')} 200`, // If-None-Match: *
    `GET ${tool('journal.json')} 404`,
    `GET ${tool('ledger.json')} 304`, // If-None-Match: nobody committed since
    `PUT ${prefix}${chunk} 200`,
    `HEAD ${prefix}index.html 200`, // still the version the ledger lists?
    `PUT ${tool(`blobs/${sha}`)} 200`, // then keep it (server-side copy)
    `PUT ${tool('ledger.json')} 200`, // the intent: pending, If-Match the version read
    `PUT ${prefix}index.html 200`,
    `PUT ${tool(`releases/${release}.json`)} 200`, // the release's file map, for a rollback to it
    `PUT ${tool('ledger.json')} 200`, // the commit, If-Match the version written with the intent
    `GET ${tool('lock')} 200`,
    `DELETE ${tool('lock')} 204`, // If-Match the lock as read, where honoured
  ]
}

describe.each(S3_SERVERS)('deploy on $name', ({ start }) => {
  let server: S3TestServer
  let proxy: RecordingProxy
  const client = () => server.client

  beforeAll(async () => {
    server = await start()
    proxy = await startRecordingProxy(server.endpoint, server.bucket)
  })
  afterAll(async () => {
    await proxy?.stop()
    await server?.stop()
    await removeFixtures()
  })

  const config = (prefix: string, extra: Record<string, unknown> = {}) => targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix, ...extra })
  const run = (dir: string, prefix: string, options: Partial<Parameters<typeof deploy>[0]> = {}) =>
    deploy({ dir, config: config(prefix), storage: TUNING, now: at(0), env: {}, commit: 'test', ...options })

  describe('a first deploy, then the same build again, then one change', () => {
    const prefix = 'basics/'
    let dir: string
    let files: Tree

    beforeAll(async () => {
      files = firstBuild()
      dir = await fixture(files)
    })

    it('uploads every file byte-identical, with its Content-Type, Cache-Control and sha256 metadata', async () => {
      proxy.clear()
      const report = await run(dir, prefix)
      expect(report.committed).toBe(true)
      expect(report.ledger).toBe('new')
      expect(report.uploaded.count).toBe(Object.keys(EXPECTED).length)
      expect(fileUploads(proxy.requests).sort()).toEqual(
        Object.keys(EXPECTED)
          .map((rel) => prefix + rel)
          .sort(),
      )

      for (const [rel, want] of Object.entries(EXPECTED)) {
        const got = await getObject(client(), server.bucket, prefix + rel)
        expect(got, rel).toBeDefined()
        const local = Buffer.from(files[rel]!)
        expect(sha256(got!.bytes), rel).toBe(sha256(local))
        expect(got!.contentType, rel).toBe(want.type)
        expect(got!.cacheControl, rel).toBe(want.cache)
        expect(got!.metadata.sha256, rel).toBe(sha256(local))
        expect(got!.contentEncoding, rel).toBeUndefined()
      }
      // The big file really went up in parts (so multipart keeps headers and metadata too).
      expect(proxy.requests.filter((r) => r.key === `${prefix}media/clip.webm` && r.query.includes('partNumber'))).toHaveLength(2)
      // No ACL header unless asked for; no SDK checksum trailers the S3-compatible stores reject.
      expect(proxy.requests.filter((r) => r.headers['x-amz-acl'] !== undefined)).toEqual([])
      expect(proxy.requests.filter((r) => r.headers['x-amz-trailer'] !== undefined)).toEqual([])
      // Nothing but the build went up: no .vite, no stray keys.
      expect((await listKeys(client(), server.bucket, prefix)).filter((k) => !isToolKey(k))).toEqual(
        Object.keys(EXPECTED)
          .map((r) => prefix + r)
          .sort(),
      )
    })

    it('commits a ledger naming the release and every file, after every upload', async () => {
      const ledger = await readLedgerObject(client(), server.bucket, prefix)
      expect(ledger).toBeDefined()
      expect(ledger!.releases).toHaveLength(1)
      const release = ledger!.releases[0]!
      expect(release).toMatchObject({ time: day(0).toISOString(), commit: 'test', files: Object.keys(EXPECTED).length })
      expect(Object.keys(ledger!.files).sort()).toEqual(Object.keys(EXPECTED).sort())
      for (const [rel, want] of Object.entries(EXPECTED)) {
        expect(ledger!.files[rel], rel).toMatchObject({
          sha256: sha256(Buffer.from(files[rel]!)),
          size: Buffer.from(files[rel]!).length,
          cacheControl: want.cache,
          contentType: want.type,
          release: release.id,
        })
      }

      // Order, as the server saw it: every immutable upload finished before any
      // other file started, those before any HTML/entry document, and the ledger after all.
      const byKey = spans(proxy.requests)
      const phase = (p: number) =>
        Object.entries(EXPECTED)
          .filter(([, w]) => w.phase === p)
          .map(([rel]) => byKey.get(prefix + rel)!)
      const [p1, p2, p3] = [phase(1), phase(2), phase(3)]
      for (const p of [p1, p2, p3]) expect(p.every(Boolean)).toBe(true)
      expect(Math.max(...p1.map((s) => s.end))).toBeLessThan(Math.min(...p2.map((s) => s.start)))
      expect(Math.max(...p2.map((s) => s.end))).toBeLessThan(Math.min(...p3.map((s) => s.start)))
      // Two ledger PUTs: the intent to change pages before phase 2, the commit after phase 3.
      const ledgerPuts = proxy.requests.filter((r) => r.method === 'PUT' && r.key === `${prefix}.cdn-deploy/ledger.json`)
      expect(ledgerPuts).toHaveLength(2)
      expect(ledgerPuts[0]!.done).toBeLessThan(Math.min(...p2.map((s) => s.start)))
      expect(ledgerPuts[1]!.seq).toBeGreaterThan(Math.max(...p3.map((s) => s.end)))
      // The journal and the lock are gone once the release is committed.
      expect(await bookkeeping(client(), server.bucket, `${prefix}.cdn-deploy/`)).toEqual([`${prefix}.cdn-deploy/ledger.json`])
    })

    it('redeploying the same build uploads nothing and makes one request (the ledger GET)', async () => {
      proxy.clear()
      const report = await run(dir, prefix, { now: at(1) })
      expect(report.uploaded.count).toBe(0)
      expect(report.skipped).toBe(Object.keys(EXPECTED).length)
      expect(report.committed).toBe(false)
      expect(proxy.requests.length).toBeLessThanOrEqual(5)
      expect(describeRequests(proxy.requests)).toEqual([`GET ${prefix}.cdn-deploy/ledger.json`])
      expect((await readLedgerObject(client(), server.bucket, prefix))!.releases).toHaveLength(1)
    })

    it('a one-file change uploads that file and the ledger, nothing else', async () => {
      await writeFile(join(dir, 'robots.txt'), 'User-agent: *\nDisallow: /private\n')
      proxy.clear()
      const report = await run(dir, prefix, { now: at(2) })
      expect(report.uploaded.files.map((f) => [f.rel, f.reason])).toEqual([['robots.txt', 'changed']])
      expect(fileUploads(proxy.requests)).toEqual([`${prefix}robots.txt`])
      expect(proxy.requests.filter((r) => r.method === 'PUT' && r.key === `${prefix}.cdn-deploy/ledger.json`)).toHaveLength(2) // intent + commit
      expect(proxy.requests.filter((r) => r.method === 'DELETE' && !isToolKey(r.key))).toEqual([])
      const got = await getObject(client(), server.bucket, `${prefix}robots.txt`)
      expect(got!.bytes.toString()).toBe('User-agent: *\nDisallow: /private\n')
      const ledger = await readLedgerObject(client(), server.bucket, prefix)
      expect(ledger!.releases).toHaveLength(2)
      expect(ledger!.files['robots.txt']!.release).toBe(report.release)
      expect(ledger!.files['index.html']!.release).toBe(report.release) // still in the build: carried into the new release
    })

    it('a header-only change (a new Cache-Control rule) re-uploads just the files it matches', async () => {
      proxy.clear()
      const report = await run(dir, prefix, { now: at(3), config: config(prefix, { cacheControl: { '*.txt': 'public, max-age=60' } }) })
      expect(report.uploaded.files.map((f) => [f.rel, f.reason])).toEqual([['robots.txt', 'headers']])
      expect(fileUploads(proxy.requests)).toEqual([`${prefix}robots.txt`])
      const got = await getObject(client(), server.bucket, `${prefix}robots.txt`)
      expect(got!.cacheControl).toBe('public, max-age=60')
      expect(got!.contentType).toBe('text/plain; charset=utf-8')
      expect(got!.bytes.toString()).toBe('User-agent: *\nDisallow: /private\n')
      expect((await readLedgerObject(client(), server.bucket, prefix))!.files['robots.txt']!.cacheControl).toBe('public, max-age=60')
    })
  })

  describe('the requests of a one-chunk change', () => {
    const prefix = 'seq/'
    const site = (chunk: string): Tree => ({
      'index.html': `<!doctype html><script type="module" src="/assets/${chunk}"></script>`,
      [`assets/${chunk}`]: `app(${JSON.stringify(chunk)})`,
      ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`assets/lib${i}-Qq${String(i).padStart(2, '0')}Rr7T.js`, `lib(${i})`])),
      'robots.txt': 'User-agent: *',
    })

    it('costs 14 requests, in this order', async () => {
      const dir = await fixture(site('app-Aa11Bb22.js'), 'seq')
      await run(dir, prefix)
      await rewrite(dir, site('app-Cc33Dd44.js'))
      proxy.clear()
      const report = await run(dir, prefix, { now: at(1) })
      expect(report.uploaded.files.map((f) => f.rel)).toEqual(['assets/app-Cc33Dd44.js', 'index.html'])
      const seen = lines(proxy.requests)
      // The two reads under the lock go out together: compare them as a set.
      const sorted = [...seen.slice(0, 3), ...seen.slice(3, 5).sort(), ...seen.slice(5)]
      expect(sorted).toEqual(oneChunkSequence(prefix, 'assets/app-Cc33Dd44.js', sha256(site('app-Aa11Bb22.js')['index.html']!), report.release))
      expect(proxy.requests.length).toBe(14)

      const header = (method: string, name: string, h: string) =>
        proxy.requests.find((r) => r.method === method && r.key === `${prefix}.cdn-deploy/${name}`)?.headers[h]
      const ledgerEtag = proxy.requests.find((r) => r.method === 'GET' && r.key === `${prefix}.cdn-deploy/ledger.json` && r.status === 304)!.headers[
        'if-none-match'
      ]
      expect(ledgerEtag).toMatch(/^"[0-9a-f]{32}"$/)
      expect(header('PUT', 'lock', 'if-none-match')).toBe('*')
      const [intent, commit] = proxy.requests.filter((r) => r.method === 'PUT' && r.key === `${prefix}.cdn-deploy/ledger.json`)
      expect(intent!.headers['if-match']).toBe(ledgerEtag)
      expect(commit!.headers['if-match']).toMatch(/^"[0-9a-f]{32}"$/)
      expect(commit!.headers['if-match']).not.toBe(ledgerEtag)
      expect(header('DELETE', 'lock', 'if-match')).toMatch(/^"[0-9a-f]{32}"$/)
      expect(await bookkeeping(client(), server.bucket, `${prefix}.cdn-deploy/`)).toEqual([`${prefix}.cdn-deploy/ledger.json`])
    })
  })

  describe('a real Vite build of examples/basic, rebuilt with one module changed', () => {
    const prefix = 'vite/'

    it('uploads the changed chunk, the chunk and HTML that name it, and the ledger; old chunks stay', async () => {
      const root = await tempDir('basic-src')
      await cp(join(EXAMPLES, 'basic'), root, { recursive: true })
      const plugins = [cdn({ configFile: false, domain: 'https://cdn.example.com', prefix, deploy: false })]
      const first = await viteBuild('vite', { root, plugins })
      proxy.clear()
      const r1 = await run(first, prefix)
      const firstFiles = (await listTree(first)).filter((f) => !f.startsWith('.vite/'))
      expect(r1.uploaded.count).toBe(firstFiles.length)
      expect(await expectTreeInBucket(client(), server.bucket, prefix, first, firstFiles)).toEqual([])
      expect(await listKeys(client(), server.bucket, `${prefix}.vite/`)).toEqual([])
      for (const rel of firstFiles.filter((f) => f.startsWith('assets/'))) {
        expect((await getObject(client(), server.bucket, prefix + rel))!.cacheControl, rel).toBe(IMMUTABLE)
      }

      const lazy = join(root, 'src/lazy.js')
      await writeFile(lazy, (await readFile(lazy, 'utf8')).replace("'v1'", "'v2'"))
      const second = await viteBuild('vite', { root, plugins })
      const [a, b] = [await readTree(first), await readTree(second)]
      const changed = [...b.keys()].filter((rel) => !rel.startsWith('.vite/') && !a.get(rel)?.equals(b.get(rel)!)).sort()
      // The lazy chunk (new name), the entry chunk that imports it by name (new name), and index.html.
      expect(changed.filter((r) => r.endsWith('.js'))).toHaveLength(2)
      expect(changed.filter((r) => !r.startsWith('assets/'))).toEqual(['index.html'])
      expect(changed).toHaveLength(3)

      proxy.clear()
      const r2 = await run(second, prefix, { now: at(1) })
      expect(fileUploads(proxy.requests).sort()).toEqual(changed.map((r) => prefix + r))
      expect(r2.uploaded.count).toBe(3)
      expect(writes(proxy.requests).filter((r) => r.key === `${prefix}.cdn-deploy/ledger.json`)).toHaveLength(2) // intent + commit
      expect(await expectTreeInBucket(client(), server.bucket, prefix, second, changed)).toEqual([])
      // An open tab still holds the old entry chunk and lazy chunk: both stay readable.
      const dropped = [...a.keys()].filter((rel) => !rel.startsWith('.vite/') && !b.has(rel))
      expect(dropped).toHaveLength(2)
      expect(await expectTreeInBucket(client(), server.bucket, prefix, first, dropped)).toEqual([])
      expect(r2.retained).toBe(2)
    })
  })

  describe('awkward key names', () => {
    const prefix = 'keys/'
    const NAMES = [
      'with space/file name.txt',
      'plus+sign.js',
      'hash#fragment.css',
      'question?mark.txt',
      'percent%20literal.txt',
      '100%.txt',
      'unicode/café.txt'.normalize('NFC'),
      'unicode/café.txt'.normalize('NFD'),
      'emoji/🚀 launch.json',
      'deep/a/b/c/d/e/f/g/h/i/j/k/l/m/index.html',
      "tilde~and&amp=eq;semi,comma(paren)[br]!'.txt",
    ]

    it('deploy and read back by key, and over plain HTTP at the public URL', async () => {
      expect(NAMES[6]).not.toBe(NAMES[7]) // two distinct names on disk
      const files = Object.fromEntries(NAMES.map((n, i) => [n, `file ${i}: ${n}`]))
      const dir = await fixture(files, 'keys')
      // Served straight from the bucket, path style: the public base is the bucket URL + prefix.
      const domain = `${server.endpoint}/${server.bucket}/${prefix}`
      const cfg = config(prefix, { domain })
      if (server.name === 'moto') {
        // moto keeps objects private to anonymous readers (like S3); a public-read
        // bucket policy makes it an origin a browser can read, as behind a CDN.
        // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html
        const Policy = JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${server.bucket}/${prefix}*` }],
        })
        await client().send(new PutBucketPolicyCommand({ Bucket: server.bucket, Policy }))
      }
      const report = await deploy({ dir, config: cfg, storage: TUNING, now: at(0), env: {}, commit: 'test' })
      expect(report.uploaded.count).toBe(NAMES.length)
      expect(await listKeys(client(), server.bucket, prefix)).toEqual(expect.arrayContaining(NAMES.map((n) => prefix + n)))
      for (const [i, name] of NAMES.entries()) {
        const got = await getObject(client(), server.bucket, prefix + name)
        expect(got?.bytes.toString(), name).toBe(`file ${i}: ${name}`)
        const res = await fetch(urlFor(name, cfg.publicBase))
        expect(res.status, `GET ${urlFor(name, cfg.publicBase)}`).toBe(200)
        expect(await res.text(), name).toBe(`file ${i}: ${name}`)
      }
      const ledger = await readLedgerObject(client(), server.bucket, prefix)
      expect(Object.keys(ledger!.files).sort()).toEqual([...NAMES].sort())
      // And a redeploy sees every one of them as unchanged.
      proxy.clear()
      const again = await deploy({ dir, config: cfg, storage: TUNING, now: at(1), env: {}, commit: 'test' })
      expect(again.uploaded.count).toBe(0)
      expect(writes(proxy.requests)).toEqual([])
    })
  })

  describe('dry run and repair', () => {
    const prefix = 'dry/'

    it('a dry run on an empty prefix reports the plan and writes nothing', async () => {
      const dir = await fixture({ 'index.html': '<p>1</p>', 'assets/a-Zx81Lk2q.js': 'a()' })
      proxy.clear()
      const report = await run(dir, prefix, { dryRun: true })
      expect(report.dryRun).toBe(true)
      expect(report.committed).toBe(false)
      expect(report.uploaded.files.map((f) => [f.rel, f.phase])).toEqual([
        ['assets/a-Zx81Lk2q.js', 1],
        ['index.html', 3],
      ])
      expect(writes(proxy.requests)).toEqual([])
      expect(await listKeys(client(), server.bucket, prefix)).toEqual([])
    })

    it('a dry run after a deploy reports the changes and deletions, and writes nothing', async () => {
      const dir = await fixture({ 'index.html': '<p>1</p>', 'assets/a-Zx81Lk2q.js': 'a()', 'old.txt': 'old' })
      await run(dir, prefix, { config: config(prefix, { retain: { releases: 0, days: 0 } }) })
      const before = await readLedgerObject(client(), server.bucket, prefix)
      await writeTree(dir, { 'index.html': '<p>2</p>', 'new.txt': 'new' })
      const { rm } = await import('node:fs/promises')
      await rm(join(dir, 'old.txt'))
      proxy.clear()
      const report = await run(dir, prefix, { dryRun: true, now: at(1), config: config(prefix, { retain: { releases: 0, days: 0 } }) })
      expect(report.uploaded.files.map((f) => [f.rel, f.reason]).sort()).toEqual([
        ['index.html', 'changed'],
        ['new.txt', 'new'],
      ])
      expect(report.deleted).toEqual([`${prefix}old.txt`])
      expect(writes(proxy.requests)).toEqual([])
      expect(await readLedgerObject(client(), server.bucket, prefix)).toEqual(before)
      expect((await getObject(client(), server.bucket, `${prefix}old.txt`))?.bytes.toString()).toBe('old')
      expect((await getObject(client(), server.bucket, `${prefix}index.html`))?.bytes.toString()).toBe('<p>1</p>')
    })

    it('repair re-uploads an owned object deleted behind the tool’s back', async () => {
      const p = 'repair/'
      const dir = await fixture({ 'index.html': '<p>r</p>', 'assets/r-Qw12Er34.js': 'r()', 'robots.txt': 'x' })
      await run(dir, p)
      // https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html
      await client().send(new DeleteObjectCommand({ Bucket: server.bucket, Key: `${p}assets/r-Qw12Er34.js` }))
      // Without repair the ledger says all is there: nothing to do.
      expect((await run(dir, p, { now: at(1) })).uploaded.count).toBe(0)
      proxy.clear()
      const report = await run(dir, p, { now: at(1), repair: true })
      expect(fileUploads(proxy.requests)).toEqual([`${p}assets/r-Qw12Er34.js`])
      expect(report.uploaded.files.map((f) => f.rel)).toEqual(['assets/r-Qw12Er34.js'])
      expect((await getObject(client(), server.bucket, `${p}assets/r-Qw12Er34.js`))?.bytes.toString()).toBe('r()')
      const ledger = await readLedgerObject(client(), server.bucket, p)
      expect(ledger!.files['assets/r-Qw12Er34.js']).toBeDefined()

      // A repair that finds nothing wrong changes nothing: no upload, no new release.
      proxy.clear()
      const clean = await run(dir, p, { now: at(2), repair: true })
      expect(clean.uploaded.count).toBe(0)
      expect(clean.committed).toBe(false)
      expect(writes(proxy.requests).filter((r) => !r.key?.endsWith('.cdn-deploy/lock'))).toEqual([])
      expect(await readLedgerObject(client(), server.bucket, p)).toEqual(ledger)
    })
  })

  describe('reports', () => {
    const SECRET = 'test-secret-not-a-real-key/cdn-deploy+1'

    it('appends Markdown to $GITHUB_STEP_SUMMARY and writes the JSON report, with no secret in either', async () => {
      const prefix = 'report/'
      const dir = await fixture({ 'index.html': '<p>report</p>', 'assets/x-Ab12Cd34.js': 'x()' })
      const out = await tempDir('report')
      const summary = join(out, 'summary.md')
      await writeFile(summary, '# earlier step\n')
      const reportFile = join(out, 'nested/report.json')
      const env = { GITHUB_STEP_SUMMARY: summary, AWS_SECRET_ACCESS_KEY: SECRET, AWS_ACCESS_KEY_ID: 'test' }
      const report = await run(dir, prefix, { env, reportFile })
      const md = await readFile(summary, 'utf8')
      expect(md.startsWith('# earlier step\n### CDN deploy\n')).toBe(true)
      expect(md).toContain(`\`${report.release}\``)
      expect(md).toMatch(/\| Uploaded \| 2 files/)
      const json = JSON.parse(await readFile(reportFile, 'utf8')) as typeof report
      expect(json).toMatchObject({ release: report.release, committed: true, bucket: server.bucket, prefix })
      expect(json.uploaded.files.map((f) => f.rel).sort()).toEqual(['assets/x-Ab12Cd34.js', 'index.html'])
      for (const text of [md, await readFile(reportFile, 'utf8')]) expect(text).not.toContain(SECRET)
      // A second, no-op deploy appends again (every CI step gets its summary).
      await run(dir, prefix, { env, reportFile, now: at(1) })
      expect((await readFile(summary, 'utf8')).match(/### CDN deploy/g)).toHaveLength(2)
    })
  })
})

describe('secrets in errors (s3rver checks access keys; neither server verifies SigV4 signatures)', () => {
  it('rejected credentials fail with a credentials hint that contains neither key', async () => {
    const server = await startS3rver()
    const secret = 'test-secret-not-a-real-key/cdn-deploy+2'
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY }
    process.env.AWS_ACCESS_KEY_ID = 'TESTKEYWRONGWRONGWRONG'
    process.env.AWS_SECRET_ACCESS_KEY = secret
    try {
      const dir = await fixture({ 'index.html': '<p>s</p>' })
      const out = await tempDir('secret')
      const summary = join(out, 'summary.md')
      const error = await deploy({
        dir,
        config: targetConfig({ endpoint: server.endpoint, bucket: server.bucket, prefix: 's/' }),
        storage: TUNING,
        env: { GITHUB_STEP_SUMMARY: summary, AWS_SECRET_ACCESS_KEY: secret },
        commit: 'test',
        reportFile: join(out, 'report.json'),
      }).then(
        () => undefined,
        (e: Error) => e,
      )
      expect(error?.message).toMatch(
        /^\[cdn-deploy\] \[s3\] AWS credentials rejected \(InvalidAccessKeyId\) for GetObject on s3:\/\/test-bucket\/s\/\.cdn-deploy\/ledger\.json; check the AWS credential chain/,
      )
      const all = [error!.message, String(error!.stack), JSON.stringify(error), String((error as { cause?: unknown }).cause)].join('\n')
      expect(all).not.toContain(secret)
      expect(all).not.toContain('TESTKEYWRONG')
      // Nothing was deployed, so no summary or report claims it was.
      await expect(readFile(summary, 'utf8')).rejects.toThrow(/ENOENT/)
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved.id
      process.env.AWS_SECRET_ACCESS_KEY = saved.secret
      await server.stop()
    }
  })
})

/**
 * The storage layer against two real S3 servers (s3rver in-process, moto_server
 * as a child process): bytes, headers, multipart, ledger, listing, deletes, the
 * lock, retries of streamed bodies, and error mapping.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GetObjectAclCommand, GetObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CdnDeployError } from '../../src/errors.js'
import { emptyLedger, type Ledger, type PlannedUpload } from '../../src/plan/types.js'
import { createStorage, hostId, mapS3Error, type Storage, type StorageFactoryOptions } from '../../src/storage/index.js'
import { s3Options, startFaultProxy, startMoto, startS3rver, type S3TestServer } from '../helpers/s3-servers.js'

const SERVERS = [
  // What each store does, so the same tests assert each one's real behaviour:
  // honours If-None-Match/If-Match on PUT, verifies SigV4 access keys, keeps object ACLs.
  { name: 's3rver', start: startS3rver, conditionalWrites: false, checksSignatures: true, tracksAcls: false },
  { name: 'moto', start: startMoto, conditionalWrites: true, checksSignatures: false, tracksAcls: true },
] as const

const WEIRD_KEYS = [
  'with space/file name.txt',
  'plus+sign.js',
  'hash#fragment.css',
  'question?mark.html',
  'percent%20literal.txt',
  'unicode/café-nfc.txt'.normalize('NFC'),
  'unicode/café-nfd.txt'.normalize('NFD'),
  'emoji/🚀 launch.json',
  'deep/a/b/c/d/e/f/g/h/i/j/k/index.html',
  'tilde~and&amp=eq;semi,comma(paren)[br]!.txt',
]

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

describe.each(SERVERS)('storage on $name', ({ start, conditionalWrites, checksSignatures, tracksAcls }) => {
  let server: S3TestServer
  let dir: string
  const storages: Storage[] = []
  let fileNo = 0

  beforeAll(async () => {
    server = await start()
    dir = await mkdtemp(join(tmpdir(), 'cdn-storage-'))
  })
  afterAll(async () => {
    for (const s of storages) s.destroy()
    await server?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  function storageFor(overrides: Partial<StorageFactoryOptions> = {}): Storage {
    const s = createStorage(s3Options(server, overrides))
    storages.push(s)
    return s
  }

  /** Write bytes to a temp file (plain local name; the key carries the odd characters). */
  async function upload(prefix: string, rel: string, bytes: Uint8Array, extra: Partial<PlannedUpload> = {}): Promise<PlannedUpload> {
    const path = join(dir, `f${fileNo++}`)
    await writeFile(path, bytes)
    return {
      rel,
      key: prefix + rel,
      path,
      size: bytes.length,
      sha256: sha256(bytes),
      contentType: 'application/octet-stream',
      cacheControl: 'public, max-age=60',
      immutable: false,
      phase: 2,
      reason: 'new',
      ...extra,
    }
  }

  async function getObject(key: string) {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
    const out = await server.client.send(new GetObjectCommand({ Bucket: server.bucket, Key: key }))
    return { out, bytes: Buffer.from(await out.Body!.transformToByteArray()) }
  }

  /** Count API calls by command name: answers other than 5xx (an attempt the retry loop repeats is not a call of its own). */
  function countCalls(s: Storage): Map<string, number> {
    const counts = new Map<string, number>()
    s.client.middlewareStack.add(
      (next, context) => async (args) => {
        const count = () => void counts.set(context.commandName!.replace(/Command$/, ''), (counts.get(context.commandName!.replace(/Command$/, '')) ?? 0) + 1)
        try {
          const out = await next(args)
          count()
          return out
        } catch (err) {
          const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
          if (status !== undefined && status < 500) count()
          throw err
        }
      },
      { step: 'initialize' },
    )
    return counts
  }

  it.each(WEIRD_KEYS)('puts %j byte-identical with its headers', async (rel) => {
    const s = storageFor({ prefix: 'weird/' })
    const bytes = Buffer.concat([randomBytes(3000), Buffer.from(rel)])
    const u = await upload('weird/', rel, bytes, { contentType: 'text/plain; charset=utf-8', cacheControl: 'public, max-age=0, must-revalidate' })
    const res = await s.putFile(u)
    expect(res).toMatchObject({ key: `weird/${rel}`, parts: 0 })
    const { out, bytes: back } = await getObject(`weird/${rel}`)
    expect(sha256(back)).toBe(u.sha256)
    expect(out.ContentType).toBe('text/plain; charset=utf-8')
    expect(out.CacheControl).toBe('public, max-age=0, must-revalidate')
    expect(out.Metadata?.sha256).toBe(u.sha256)
    const head = await s.head(`weird/${rel}`)
    expect(head).toMatchObject({ size: bytes.length, sha256: u.sha256, contentType: 'text/plain; charset=utf-8' })
  })

  it('keeps NFC and NFD keys distinct and lists every key exactly as written', async () => {
    const s = storageFor({ prefix: 'weird/' })
    const listed = new Map<string, number>()
    for await (const o of s.list()) listed.set(o.key, o.size)
    for (const rel of WEIRD_KEYS) expect(listed.has(`weird/${rel}`), rel).toBe(true)
    const nfc = 'unicode/café-nfc.txt'
    expect(listed.has(`weird/${nfc.normalize('NFD')}`)).toBe(false)
    expect(await s.head(`weird/${'unicode/café-nfd.txt'.normalize('NFC')}`)).toBeUndefined()
  })

  it('sets Content-Encoding when asked, uploads empty files, and head() of a missing key is undefined', async () => {
    const s = storageFor({ prefix: 'enc/' })
    const gz = await upload('enc/', 'app.js', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]), { contentType: 'text/javascript; charset=utf-8' })
    await s.putFile(gz, { contentEncoding: 'gzip' })
    expect((await s.head('enc/app.js'))?.contentEncoding).toBe('gzip')
    const empty = await upload('enc/', 'empty.txt', Buffer.alloc(0))
    await s.putFile(empty)
    const { bytes } = await getObject('enc/empty.txt')
    expect(bytes.length).toBe(0)
    expect(await s.head('enc/nope')).toBeUndefined()
  })

  it('refuses a file whose size changed since the scan', async () => {
    const s = storageFor()
    const u = await upload('', 'changed.txt', Buffer.from('12345'))
    await expect(s.putFile({ ...u, size: 4 })).rejects.toThrow(/changed on disk since it was scanned \(4 → 5 bytes\)/)
  })

  it('uploads a 40 MiB file in parts, byte-identical', async () => {
    const s = storageFor({ prefix: 'big/', multipartThreshold: 10 * 2 ** 20, partSize: 5 * 2 ** 20, partConcurrency: 3 })
    const calls = countCalls(s)
    const path = join(dir, 'big.bin')
    const hash = createHash('sha256')
    const ws = createWriteStream(path)
    for (let i = 0; i < 40; i++) {
      const chunk = randomBytes(2 ** 20)
      hash.update(chunk)
      if (!ws.write(chunk)) await new Promise<void>((r) => ws.once('drain', () => r()))
    }
    ws.write(Buffer.from('tail')) // not a multiple of the part size
    hash.update('tail')
    await new Promise<void>((r) => ws.end(() => r()))
    const digest = hash.digest('hex')
    const size = 40 * 2 ** 20 + 4
    const res = await s.putFile({
      rel: 'big.bin',
      key: 'big/big.bin',
      path,
      size,
      sha256: digest,
      contentType: 'application/wasm',
      cacheControl: 'public, max-age=31536000, immutable',
      immutable: true,
      phase: 1,
      reason: 'new',
    })
    expect(res.parts).toBe(9)
    expect(calls.get('UploadPart')).toBe(9)
    expect(calls.get('PutObject')).toBeUndefined()
    const { out, bytes } = await getObject('big/big.bin')
    expect(bytes.length).toBe(size)
    expect(sha256(bytes)).toBe(digest)
    expect(out.ContentType).toBe('application/wasm')
    expect(out.CacheControl).toBe('public, max-age=31536000, immutable')
    expect((await s.head('big/big.bin'))?.sha256).toBe(digest)
  })

  it('reads a missing ledger as undefined, round-trips it, and rejects a corrupt one', async () => {
    const s = storageFor({ prefix: 'ledger/' })
    expect(await s.readLedger()).toBeUndefined()
    const ledger: Ledger = {
      ...emptyLedger(),
      releases: [{ id: 'r1', time: '2026-01-01T00:00:00.000Z', files: 1, bytes: 5 }],
      files: { 'café.js': { sha256: 'ab', size: 5, contentType: 'text/javascript', cacheControl: 'x', immutable: true, release: 'r1' } },
    }
    await s.writeLedger(ledger)
    expect(await s.readLedger()).toEqual(ledger)
    const { out } = await getObject('ledger/.cdn-deploy/ledger.json')
    expect(out.CacheControl).toBe('no-store')
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
    await server.client.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'ledger/.cdn-deploy/ledger.json', Body: '{"version":1,"releases":{}' }))
    await expect(s.readLedger()).rejects.toThrow(/\[s3\] ledger s3:\/\/test-bucket\/ledger\/\.cdn-deploy\/ledger\.json is not valid JSON/)
    await server.client.send(
      new PutObjectCommand({ Bucket: server.bucket, Key: 'ledger/.cdn-deploy/ledger.json', Body: '{"version":2,"releases":[],"files":{}}' }),
    )
    await expect(s.readLedger()).rejects.toThrow(/corrupt: version 2 was written by a newer/)
  })

  it('reads and writes other JSON objects of the tool by full key', async () => {
    const s = storageFor({ prefix: 'json/' })
    expect(await s.readJson('json/.cdn-deploy/journal.json')).toBeUndefined()
    await s.writeJson('json/.cdn-deploy/journal.json', { version: 1, files: { 'a b+c.js': { n: 1 } } })
    expect(await s.readJson('json/.cdn-deploy/journal.json')).toEqual({ version: 1, files: { 'a b+c.js': { n: 1 } } })
    expect((await getObject('json/.cdn-deploy/journal.json')).out.CacheControl).toBe('no-store')
    await server.client.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'json/broken.json', Body: '{' }))
    await expect(s.readJson('json/broken.json')).rejects.toThrow('[cdn-deploy] [s3] s3://test-bucket/json/broken.json is not valid JSON')
  })

  it('lists with pagination and deletes in batches', async () => {
    const s = storageFor({ prefix: 'page/', listPageSize: 7, deleteBatchSize: 10 })
    const calls = countCalls(s)
    const keys = Array.from({ length: 23 }, (_, i) => `page/k${String(i).padStart(2, '0')}`)
    for (const Key of keys) await server.client.send(new PutObjectCommand({ Bucket: server.bucket, Key, Body: Key }))
    await server.client.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'pageX/outside', Body: 'x' }))
    const listed: string[] = []
    for await (const o of s.list()) listed.push(o.key)
    expect(listed.sort()).toEqual(keys)
    expect(calls.get('ListObjectsV2')).toBe(4)
    const res = await s.deleteKeys([...keys, 'page/never-existed'])
    expect(res.errors).toEqual([])
    expect(res.deleted).toHaveLength(24)
    expect(calls.get('DeleteObjects')).toBe(3)
    const left: string[] = []
    for await (const o of s.list()) left.push(o.key)
    expect(left).toEqual([])
    expect(await s.deleteKeys([])).toEqual({ deleted: [], errors: [] })
  })

  it('lists and deletes past the 1,000-key page of the server', async () => {
    const s = storageFor({ prefix: 'many/' })
    const calls = countCalls(s)
    const keys = Array.from({ length: 1005 }, (_, i) => `many/${String(i).padStart(4, '0')}`)
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((Key) => server.client.send(new PutObjectCommand({ Bucket: server.bucket, Key, Body: Key }))))
    }
    const listed: string[] = []
    for await (const o of s.list()) listed.push(o.key)
    expect(listed.sort()).toEqual(keys)
    expect(calls.get('ListObjectsV2')).toBe(2)
    expect((await s.deleteKeys(keys)).deleted).toHaveLength(1005)
    expect(calls.get('DeleteObjects')).toBe(2)
    const left: string[] = []
    for await (const o of s.list()) left.push(o.key)
    expect(left).toEqual([])
  })

  it('locks: a second acquire names the holder, release frees it, a stale token does not', async () => {
    const a = storageFor({ prefix: 'lock1/' })
    const b = storageFor({ prefix: 'lock1/' })
    const held = await a.acquireLock('deploy-A', 60_000)
    const { bytes } = await getObject('lock1/.cdn-deploy/lock')
    expect(JSON.parse(bytes.toString())).toMatchObject({ owner: 'deploy-A', host: hostId(), pid: process.pid, token: held.token })
    const err = await b.acquireLock('deploy-B', 60_000).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CdnDeployError)
    expect((err as CdnDeployError).scope).toBe('lock')
    expect((err as Error).message).toMatch(
      /another deploy holds s3:\/\/test-bucket\/lock1\/\.cdn-deploy\/lock: deploy-A on host [0-9a-f]{16} \(pid \d+\) since .+, expires 20\d\d-/,
    )
    expect(await a.releaseLock(held)).toBe(true)
    expect(await a.head('lock1/.cdn-deploy/lock')).toBeUndefined()
    const second = await b.acquireLock('deploy-B', 60_000)
    expect(await a.releaseLock(held.token)).toBe(false)
    expect(await b.head('lock1/.cdn-deploy/lock')).toBeDefined()
    expect(await b.releaseLock(second)).toBe(true)
  })

  it('takes over an expired lock', async () => {
    const a = storageFor({ prefix: 'lock2/' })
    const old = await a.acquireLock('crashed-deploy', 1)
    await new Promise((r) => setTimeout(r, 20))
    const next = await a.acquireLock('deploy-C', 60_000)
    expect(next.tookOver).toMatchObject({ owner: 'crashed-deploy', token: old.token })
    expect(await a.releaseLock(old)).toBe(false)
    expect(await a.releaseLock(next)).toBe(true)
  })

  it('lets exactly one of two racing deploys take the lock when the store honours conditions', async () => {
    const [x, y] = [storageFor({ prefix: 'lock3/' }), storageFor({ prefix: 'lock3/' })]
    const results = await Promise.allSettled([x.acquireLock('racer-X', 60_000), y.acquireLock('racer-Y', 60_000)])
    const won = results.filter((r) => r.status === 'fulfilled')
    const { bytes } = await getObject('lock3/.cdn-deploy/lock')
    const holder = JSON.parse(bytes.toString()) as { owner: string }
    if (conditionalWrites) {
      expect(won).toHaveLength(1)
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
      expect(String(lost.reason)).toContain(`holds s3://test-bucket/lock3/.cdn-deploy/lock: ${holder.owner}`)
    } else {
      // Without conditional writes the race cannot be decided; the lock must still name a winner.
      expect(won.length).toBeGreaterThanOrEqual(1)
    }
    expect(['racer-X', 'racer-Y']).toContain(holder.owner)
  })

  it('lock requests: a read and a conditional PUT to take it, a read and a PUT to renew, a read and a DELETE to release', async () => {
    const s = storageFor({ prefix: 'lock5/' })
    const calls = countCalls(s)
    const held = await s.acquireLock('deploy-A', 60_000)
    await s.renewLock(held, 60_000)
    expect(await s.releaseLock(held)).toBe(true)
    expect(Object.fromEntries(calls)).toEqual({ GetObject: 3, PutObject: 2, DeleteObject: 1 })
    expect(await s.head('lock5/.cdn-deploy/lock')).toBeUndefined()
  })

  it('renew and release leave a lock that is not ours', async () => {
    const s = storageFor({ prefix: 'lock6/' })
    // Someone else's lock where ours was (taken over, clocks apart): neither renewed nor deleted.
    const lost = await s.acquireLock('deploy-B', 60_000)
    const theirs = {
      owner: 'other',
      host: 'elsewhere',
      pid: 1,
      token: 'theirs',
      acquired: new Date().toISOString(),
      expires: new Date(Date.now() + 60_000).toISOString(),
    }
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
    await server.client.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'lock6/.cdn-deploy/lock', Body: JSON.stringify(theirs) }))
    await expect(s.renewLock(lost, 60_000)).rejects.toThrow(
      /\[lock\] lost s3:\/\/test-bucket\/lock6\/\.cdn-deploy\/lock: taken over by other on host elsewhere/,
    )
    expect(await s.releaseLock(lost)).toBe(false)
    expect(JSON.parse((await getObject('lock6/.cdn-deploy/lock')).bytes.toString())).toMatchObject({ token: 'theirs' })
  })

  it('re-reads the ledger with If-None-Match (304: the same object back) and commits it conditionally', async () => {
    const s = storageFor({ prefix: 'ledger2/' })
    const calls = countCalls(s)
    const first = await s.writeLedger(emptyLedger(), { ifNoneMatch: '*' })
    const read = (await s.readLedgerVersion())!
    expect(read.etag).toBe(first)
    expect(await s.readLedgerVersion(read)).toBe(read) // 304, no parse
    // Another writer: the conditional read sees the new version.
    const next = { ...emptyLedger(), releases: [{ id: 'r2', time: '2030-01-01T00:00:00.000Z', files: 0, bytes: 0 }] }
    await server.client.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'ledger2/.cdn-deploy/ledger.json', Body: JSON.stringify(next) }))
    const again = (await s.readLedgerVersion(read))!
    expect(again).not.toBe(read)
    expect(again.ledger).toEqual(next)
    expect(calls.get('GetObject')).toBe(3)
    // A commit over a version this deploy did not read, or over one when it read none.
    // One at a time: a second promise rejecting while the first is awaited would be an unhandled rejection.
    const stale = () => s.writeLedger(emptyLedger(), { ifMatch: read.etag! })
    const created = () => s.writeLedger(emptyLedger(), { ifNoneMatch: '*' })
    if (conditionalWrites) {
      await expect(stale()).rejects.toThrow(
        /^\[cdn-deploy\] \[lock\] s3:\/\/test-bucket\/ledger2\/\.cdn-deploy\/ledger\.json changed since this deploy read it: another deploy has committed/,
      )
      await expect(created()).rejects.toThrow(/\[lock\] .* changed since this deploy read it/)
      expect(await s.readLedger()).toEqual(next)
    } else {
      // s3rver ignores both: the lock is the only guard there (and `status` says so).
      await expect(stale()).resolves.toMatch(/^"[0-9a-f]{32}"$/)
      await expect(created()).resolves.toMatch(/^"[0-9a-f]{32}"$/)
    }
  })

  it('falls back to read-check-write when the store answers 501 to conditional headers', async () => {
    const proxy = await startFaultProxy(server.endpoint, (req) =>
      req.method === 'PUT' && (req.headers['if-none-match'] || req.headers['if-match']) ? 'notimplemented' : undefined,
    )
    try {
      const [a, b] = [storageFor({ endpoint: proxy.endpoint, prefix: 'lock4/' }), storageFor({ endpoint: proxy.endpoint, prefix: 'lock4/' })]
      const held = await a.acquireLock('no-conditions', 60_000)
      expect(proxy.log.filter((l) => l.endsWith(' notimplemented'))).toHaveLength(1)
      await expect(b.acquireLock('other', 60_000)).rejects.toThrow(/holds s3:\/\/test-bucket\/lock4\/\.cdn-deploy\/lock: no-conditions on /)
      expect(await a.releaseLock(held)).toBe(true)
    } finally {
      await proxy.stop()
    }
  })

  it('retries streamed uploads with a fresh stream after 503 SlowDown and dropped connections', async () => {
    const attempts = new Map<string, number>()
    const proxy = await startFaultProxy(server.endpoint, (req) => {
      if (req.method !== 'PUT') return undefined
      const id = req.url!
      const n = (attempts.get(id) ?? 0) + 1
      attempts.set(id, n)
      if (n > 1) return undefined
      if (id.includes('slow.txt')) return 'slowdown'
      if (id.includes('reset.bin') || id.includes('partNumber=2')) return 'reset'
      return undefined
    })
    try {
      const s = storageFor({ endpoint: proxy.endpoint, prefix: 'retry/', multipartThreshold: 6 * 2 ** 20, partSize: 5 * 2 ** 20 })
      for (const [rel, bytes] of [
        ['slow.txt', randomBytes(100_000)],
        ['reset.bin', randomBytes(300_000)],
        ['parts.bin', randomBytes(7 * 2 ** 20)],
      ] as const) {
        const u = await upload('retry/', rel, bytes)
        await s.putFile(u)
        expect(sha256((await getObject(`retry/${rel}`)).bytes), rel).toBe(u.sha256)
      }
      expect(proxy.log.filter((l) => l.endsWith(' slowdown'))).toHaveLength(1)
      expect(proxy.log.filter((l) => l.endsWith(' reset'))).toHaveLength(2)
    } finally {
      await proxy.stop()
    }
  })

  it('aborts a multipart upload whose part keeps failing', async () => {
    const proxy = await startFaultProxy(server.endpoint, (req) => (req.method === 'PUT' && req.url!.includes('partNumber=2') ? 'reset' : undefined))
    try {
      const s = storageFor({ endpoint: proxy.endpoint, prefix: 'abort/', multipartThreshold: 6 * 2 ** 20, partSize: 5 * 2 ** 20, maxAttempts: 2 })
      const u = await upload('abort/', 'doomed.bin', randomBytes(11 * 2 ** 20))
      await expect(s.putFile(u)).rejects.toThrow(/\[s3\] UploadPart s3:\/\/test-bucket\/abort\/doomed\.bin failed: connection error/)
      expect(proxy.log.filter((l) => l.includes('partNumber=2'))).toHaveLength(2)
      expect(proxy.log.some((l) => l.startsWith('DELETE /test-bucket/abort/doomed.bin?uploadId='))).toBe(true)
      expect(proxy.log.some((l) => l.startsWith('POST') && l.includes('uploadId='))).toBe(false) // never completed
      expect(await s.head('abort/doomed.bin')).toBeUndefined()
    } finally {
      await proxy.stop()
    }
  })

  it('uses AWS_ENDPOINT_URL_S3 and the region chain when storage.endpoint/region are unset', async () => {
    const saved = { region: process.env.AWS_REGION, config: process.env.AWS_CONFIG_FILE }
    process.env.AWS_ENDPOINT_URL_S3 = server.endpoint
    delete process.env.AWS_REGION // no region anywhere: falls back to us-east-1
    process.env.AWS_CONFIG_FILE = join(dir, 'no-aws-config')
    try {
      const s = storageFor({ endpoint: undefined, region: undefined, prefix: 'envep/' })
      expect(await s.readLedger()).toBeUndefined()
      expect(await s.client.config.region()).toBe('us-east-1')
      const u = await upload('envep/', 'a.txt', Buffer.from('via env'))
      await s.putFile(u)
      expect((await getObject('envep/a.txt')).bytes.toString()).toBe('via env')
    } finally {
      delete process.env.AWS_ENDPOINT_URL_S3
      process.env.AWS_REGION = saved.region
      if (saved.config === undefined) delete process.env.AWS_CONFIG_FILE
      else process.env.AWS_CONFIG_FILE = saved.config
    }
  })

  it('maps a missing bucket to a scoped error', async () => {
    const s = storageFor({ bucket: 'no-such-bucket-here' })
    const expected = '[cdn-deploy] [s3] bucket "no-such-bucket-here" not found (check storage.bucket and storage.region)'
    await expect(s.readLedger()).rejects.toThrow(expected)
    await expect(s.putFile(await upload('', 'x.txt', Buffer.from('x')))).rejects.toThrow(expected)
    const err = await s.readLedger().catch((e: unknown) => e)
    expect((err as CdnDeployError).cause).toBeDefined()
  })

  it('maps a refused connection to "cannot reach"', async () => {
    const s = storageFor({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 })
    await expect(s.readLedger()).rejects.toThrow(/\[s3\] cannot reach http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\) during GetObject/)
  })

  it('maps rejected credentials without printing them (where the store checks them)', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'TESTKEYWRONGWRONGWRONG'
    try {
      const s = storageFor({ prefix: 'creds/' })
      const result = await s.readLedger().then(
        (v) => ({ ok: true as const, v }),
        (e: unknown) => ({ ok: false as const, e }),
      )
      if (checksSignatures) {
        expect(result.ok).toBe(false)
        const msg = String(!result.ok && result.e)
        expect(msg).toMatch(
          /\[s3\] AWS credentials rejected \(InvalidAccessKeyId\) for GetObject on s3:\/\/test-bucket\/creds\/\.cdn-deploy\/ledger\.json; check the AWS credential chain/,
        )
        expect(msg).not.toContain('TESTKEYWRONG')
      } else {
        // moto accepts any access key unless its IAM auth mode is on.
        expect(result).toEqual({ ok: true, v: undefined })
      }
    } finally {
      process.env.AWS_ACCESS_KEY_ID = 'test'
    }
  })

  it('sends an ACL only when configured, and keeps the ledger private', async () => {
    const s = storageFor({ prefix: 'acl/', acl: 'public-read' })
    await s.putFile(await upload('acl/', 'pub.txt', Buffer.from('pub')))
    await s.writeLedger(emptyLedger())
    const allUsers = async (Key: string) => {
      // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAcl.html
      const acl = await server.client.send(new GetObjectAclCommand({ Bucket: server.bucket, Key }))
      return (acl.Grants ?? []).some((g) => g.Grantee?.URI?.endsWith('/global/AllUsers'))
    }
    // s3rver accepts x-amz-acl but always reports an owner-only ACL.
    expect(await allUsers('acl/pub.txt')).toBe(tracksAcls)
    expect(await allUsers('acl/.cdn-deploy/ledger.json')).toBe(false)
  })
})

/** SDK-shaped errors for cases no local server produces (regions, ACL ownership, IAM). */
function sdkError(name: string, status: number, extra: Record<string, unknown> = {}): S3ServiceException {
  const err = new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: `${name} message` })
  return Object.assign(err, extra)
}

describe('mapS3Error', () => {
  const ctx = { action: 'PutObject', bucket: 'site', key: 'app/index.html', region: 'us-east-1' }
  it.each([
    ['NoSuchBucket', sdkError('NoSuchBucket', 404), 'bucket "site" not found (check storage.bucket and storage.region)'],
    ['HeadBucket 404', Object.assign(sdkError('NotFound', 404), { Code: undefined }), 'bucket "site" not found', 'HeadBucket'],
    [
      'HeadBucket 301 with the region header',
      sdkError('PermanentRedirect', 301, { $response: { headers: { 'x-amz-bucket-region': 'eu-west-1' } } }),
      `bucket "site" is in region "eu-west-1" but storage.region is "us-east-1" (set storage.region: 'eu-west-1')`,
      'HeadBucket',
    ],
    [
      'HEAD 400 naming another region',
      sdkError('BadRequest', 400, { $response: { headers: { 'x-amz-bucket-region': 'ap-south-1' } } }),
      `set storage.region: 'ap-south-1'`,
    ],
    [
      'AuthorizationHeaderMalformed with <Region>',
      sdkError('AuthorizationHeaderMalformed', 400, { Region: 'eu-central-1' }),
      `set storage.region: 'eu-central-1'`,
    ],
    [
      'PermanentRedirect without a region',
      sdkError('PermanentRedirect', 301),
      'is in another region than the one used (storage.region is "us-east-1"; check storage.region)',
    ],
    [
      'InvalidAccessKeyId',
      sdkError('InvalidAccessKeyId', 403),
      'AWS credentials rejected (InvalidAccessKeyId) for PutObject on s3://site/app/index.html; check the AWS credential chain',
    ],
    ['SignatureDoesNotMatch', sdkError('SignatureDoesNotMatch', 403), 'AWS credentials rejected (SignatureDoesNotMatch)'],
    ['ExpiredToken', sdkError('ExpiredToken', 400), 'AWS credentials rejected (ExpiredToken)'],
    [
      'CredentialsProviderError',
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      'no AWS credentials found for PutObject',
    ],
    ['AccessDenied', sdkError('AccessDenied', 403), 'access denied: PutObject on s3://site/app/index.html (the credentials need s3:PutObject on this bucket)'],
    [
      'AccessDenied on a read',
      sdkError('AccessDenied', 403),
      'need s3:GetObject on this bucket; S3 also answers 403 for a missing key when s3:ListBucket is not allowed',
      'GetObject',
    ],
    [
      'AccessDenied on a listing',
      sdkError('AccessDenied', 403),
      'access denied: ListObjectsV2 on s3://site/app/index.html (the credentials need s3:ListBucket',
      'ListObjectsV2',
    ],
    [
      'AccessControlListNotSupported',
      sdkError('AccessControlListNotSupported', 400),
      'has ACLs disabled (Object Ownership "bucket owner enforced"); remove storage.acl',
    ],
    [
      'ECONNREFUSED',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
      'cannot reach the S3 endpoint (AWS_ENDPOINT_URL_S3 or AWS S3) (ECONNREFUSED) during PutObject',
    ],
    [
      'a local file error',
      Object.assign(new Error("ENOENT: no such file or directory, open '/dist/a.js'"), { code: 'ENOENT' }),
      'PutObject s3://site/app/index.html failed reading the local file: ENOENT: no such file',
    ],
    [
      'a dropped connection',
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      'PutObject s3://site/app/index.html failed: connection error ECONNRESET (socket hang up), retries exhausted',
    ],
    [
      'anything else',
      sdkError('InvalidStorageClass', 400),
      'PutObject s3://site/app/index.html failed (HTTP 400, InvalidStorageClass: InvalidStorageClass message)',
    ],
  ])('%s', (_label, err, expected, action = 'PutObject') => {
    const mapped = mapS3Error(err, { ...ctx, action })
    expect(mapped).toBeInstanceOf(CdnDeployError)
    expect(mapped.scope).toBe('s3')
    expect(mapped.message.startsWith('[cdn-deploy] [s3] ')).toBe(true)
    expect(mapped.message).toContain(expected)
    expect(mapped.cause).toBe(err)
  })
})

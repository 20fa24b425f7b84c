/**
 * Retention and ownership against s3rver and moto_server: a file dropped from
 * the build stays for `retain.releases` releases AND `retain.days` days (time
 * driven through `now`), then goes; objects the tool did not write are never
 * deleted, even past retention and with repair; a first deploy onto a bucket
 * that already holds the files adopts them instead of uploading them again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  at,
  exists,
  fixture,
  getObject,
  listKeys,
  putPlain,
  readLedgerObject,
  removeFixtures,
  rewrite,
  targetConfig,
  TUNING,
  type Tree,
  deploy,
  type TestDeployOptions as DeployOptions,
} from '../helpers/deploy.js'
import { fileUploads, startRecordingProxy, writes, type RecordingProxy } from '../helpers/recording-proxy.js'
import { S3_SERVERS, type S3TestServer } from '../helpers/s3-servers.js'

describe.each(S3_SERVERS)('retention and ownership on $name', ({ start }) => {
  let server: S3TestServer
  let proxy: RecordingProxy

  beforeAll(async () => {
    server = await start()
    proxy = await startRecordingProxy(server.endpoint, server.bucket)
  })
  afterAll(async () => {
    await proxy?.stop()
    await server?.stop()
    await removeFixtures()
  })

  const has = (key: string) => exists(server.client, server.bucket, key)

  it('keeps a dropped file for retain.releases releases and retain.days days, then deletes it; never touches foreign objects', async () => {
    const prefix = 'ret/'
    const config = targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix, retain: { releases: 3, days: 7 } })
    // Objects under the prefix that the tool did not write (one even looks like a build asset).
    const FOREIGN = [`${prefix}uploaded-by-hand.txt`, `${prefix}assets/foreign-Zz99Yy88.js`]
    for (const key of FOREIGN) await putPlain(server.client, server.bucket, key, `not ours: ${key}`)

    const build = (n: number, extra: Tree): Tree => ({ 'index.html': `<p>release ${n}</p>`, 'assets/keep-Ab12Cd34.js': 'keep()', ...extra })
    const dir = await fixture({})
    const step = async (n: number, when: number, extra: Tree, options: Partial<DeployOptions> = {}) => {
      await rewrite(dir, build(n, extra))
      proxy.clear()
      return deploy({ dir, config, storage: TUNING, now: at(when), env: {}, commit: `c${n}`, ...options })
    }
    const GONE = `${prefix}assets/gone-Gh56Ij78.js`
    const LEGACY = `${prefix}legacy.txt`
    const LATE = `${prefix}assets/late-Kl90Mn12.js`

    // R1, day 0: everything present.
    const r1 = await step(1, 0, { 'assets/gone-Gh56Ij78.js': 'gone()', 'legacy.txt': 'legacy', 'assets/late-Kl90Mn12.js': 'late()' })
    expect(r1.ledger).toBe('bootstrapped') // the listing found the foreign objects, and adopted none of them
    // R2, day 1: gone + legacy dropped. Absent 1 release.
    const r2 = await step(2, 1, { 'assets/late-Kl90Mn12.js': 'late()' })
    expect(r2.retained).toBe(2)
    // R3, day 20: absent 2 releases (19 days): the release count holds them. late dropped.
    const r3 = await step(3, 20, {})
    expect(r3.deleted).toEqual([])
    expect(r3.retained).toBe(3)
    for (const key of [GONE, LEGACY, LATE]) expect(await has(key), key).toBe(true)
    expect((await getObject(server.client, server.bucket, GONE))!.bytes.toString()).toBe('gone()')
    const ledger3 = await readLedgerObject(server.client, server.bucket, prefix)
    expect(ledger3!.files['assets/gone-Gh56Ij78.js']!.release).toBe(r1.release) // the retention clock: last release that had it

    // R4, day 20.5: gone/legacy absent 3 releases: the 3 later releases they are kept for. late: 2 releases.
    expect((await step(4, 20.5, {})).deleted).toEqual([])
    expect(await has(GONE)).toBe(true)
    // R5, day 21: gone/legacy absent 4 releases and 20 days: deleted. late: 3 releases, kept.
    const r5 = await step(5, 21, {})
    expect(r5.deleted.sort()).toEqual([GONE, LEGACY].sort())
    expect(await has(GONE)).toBe(false)
    expect(await has(LEGACY)).toBe(false)
    expect(await has(LATE)).toBe(true)
    // R6, day 26.9: late absent 4 releases but under 7 days (since day 20): the days hold it.
    expect((await step(6, 26.9, {})).deleted).toEqual([])
    expect(await has(LATE)).toBe(true)
    // R7, day 27.1: 7.1 days: deleted.
    const r7 = await step(7, 27.1, {})
    expect(r7.deleted).toEqual([LATE])
    expect(await has(LATE)).toBe(false)
    const ledger7 = await readLedgerObject(server.client, server.bucket, prefix)
    expect(Object.keys(ledger7!.files).sort()).toEqual(['assets/keep-Ab12Cd34.js', 'index.html'])
    expect(ledger7!.releases.map((r) => r.commit)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'])

    // Far past any retention, with repair (which lists the bucket): foreign objects stay, unowned.
    const r8 = await step(8, 400, {}, { repair: true })
    expect(r8.committed).toBe(true)
    for (const key of FOREIGN) {
      expect((await getObject(server.client, server.bucket, key))?.bytes.toString(), key).toBe(`not ours: ${key}`)
    }
    const ledger8 = await readLedgerObject(server.client, server.bucket, prefix)
    expect(Object.keys(ledger8!.files).sort()).toEqual(['assets/keep-Ab12Cd34.js', 'index.html'])
    // (Plus what a rollback needs: the kept bytes of replaced pages, `blobs/`, and release maps, `releases/`.)
    expect(
      (await listKeys(server.client, server.bucket, prefix)).filter(
        (k) => !k.startsWith(`${prefix}.cdn-deploy/blobs/`) && !k.startsWith(`${prefix}.cdn-deploy/releases/`),
      ),
    ).toEqual([...FOREIGN, `${prefix}.cdn-deploy/ledger.json`, `${prefix}assets/keep-Ab12Cd34.js`, `${prefix}index.html`].sort())
  })

  it('a first deploy onto files already in the bucket adopts the matching ones and claims nothing else', async () => {
    const prefix = 'boot/'
    const files: Tree = {
      'index.html': '<p>boot</p>',
      'assets/a-Ab12Cd34.js': 'a()',
      'assets/b-Ef56Gh78.css': 'b{}',
      'robots.txt': 'User-agent: *',
      'img.txt': 'local bytes',
    }
    // Uploaded by another tool: plain single-part PutObject, no sha256 metadata, MD5 ETag.
    const put = (rel: string, body: string, headers: { ContentType?: string; CacheControl?: string }) =>
      putPlain(server.client, server.bucket, prefix + rel, body, headers)
    await put('assets/a-Ab12Cd34.js', 'a()', { ContentType: 'text/javascript; charset=utf-8', CacheControl: 'public, max-age=31536000, immutable' })
    await put('robots.txt', 'User-agent: *', { ContentType: 'text/plain; charset=utf-8', CacheControl: 'public, max-age=300' })
    await put('assets/b-Ef56Gh78.css', 'b{}', { ContentType: 'text/css' }) // same bytes, other headers
    await put('img.txt', 'other bytes', { ContentType: 'text/plain; charset=utf-8', CacheControl: 'public, max-age=300' }) // same size, other bytes
    const UNRELATED = [`${prefix}legacy/old.js`, `${prefix}assets/zz-Qq11Ww22.js`]
    for (const key of UNRELATED) await putPlain(server.client, server.bucket, key, 'unrelated')

    const dir = await fixture(files)
    const config = targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix, retain: { releases: 1, days: 0 } })
    proxy.clear()
    const report = await deploy({ dir, config, storage: TUNING, now: at(0), env: {}, commit: 'boot' })
    expect(report.ledger).toBe('bootstrapped')
    // The two exact matches are adopted (no upload); a header mismatch re-uploads the same bytes; other bytes go up.
    expect(report.uploaded.files.map((f) => [f.rel, f.reason]).sort()).toEqual([
      ['assets/b-Ef56Gh78.css', 'headers'],
      ['img.txt', 'new'],
      ['index.html', 'new'],
    ])
    // (img.txt held other bytes: where the store honours If-None-Match, a 412 first, then the overwrite.)
    expect([...new Set(fileUploads(proxy.requests))].sort()).toEqual(['assets/b-Ef56Gh78.css', 'img.txt', 'index.html'].map((r) => prefix + r))
    expect((await getObject(server.client, server.bucket, `${prefix}assets/b-Ef56Gh78.css`))!.cacheControl).toBe('public, max-age=31536000, immutable')
    expect((await getObject(server.client, server.bucket, `${prefix}img.txt`))!.bytes.toString()).toBe('local bytes')
    const ledger = await readLedgerObject(server.client, server.bucket, prefix)
    expect(Object.keys(ledger!.files).sort()).toEqual(Object.keys(files).sort())

    // Later deploys drop everything but index.html. Retention 1 release, 0 days: kept while
    // the release that dropped them is live, deleted by the next one (even the ones adopted
    // without sha256 metadata: their ETag says they are still what was adopted); the
    // unrelated objects never go, with or without repair.
    await rewrite(dir, { 'index.html': '<p>boot 2</p>' })
    const second = await deploy({ dir, config, storage: TUNING, now: at(1), env: {}, commit: 'boot2' })
    expect(second.deleted).toEqual([])
    await rewrite(dir, { 'index.html': '<p>boot 3</p>' })
    proxy.clear()
    const third = await deploy({ dir, config, storage: TUNING, now: at(30), env: {}, commit: 'boot3', repair: true })
    expect(third.deleted.sort()).toEqual(['assets/a-Ab12Cd34.js', 'assets/b-Ef56Gh78.css', 'img.txt', 'robots.txt'].map((r) => prefix + r))
    expect(writes(proxy.requests).filter((r) => r.key !== undefined && UNRELATED.includes(r.key))).toEqual([])
    expect(
      (await listKeys(server.client, server.bucket, prefix)).filter(
        (k) => !k.startsWith(`${prefix}.cdn-deploy/blobs/`) && !k.startsWith(`${prefix}.cdn-deploy/releases/`),
      ),
    ).toEqual([...UNRELATED, `${prefix}.cdn-deploy/ledger.json`, `${prefix}index.html`].sort())
  })
})

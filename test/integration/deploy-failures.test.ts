/**
 * Deploys that fail part-way, and deploys that race, against s3rver and
 * moto_server: a proxy that drops connections or answers errors mid-upload, a
 * server stopped mid-upload and started again on the same data, and two deploys
 * of the same prefix at once. The previous release must stay whole and served,
 * the re-run must finish uploading only what is missing, and two deploys must
 * never interleave.
 */
import { rm } from 'node:fs/promises'
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DeployReport } from '../../src/deploy/report.js'
import { CdnDeployError } from '../../src/errors.js'
import { tempDir } from '../helpers/build.js'
import {
  at,
  expectTreeInBucket,
  fixture,
  getObject,
  bookkeeping,
  listKeys,
  plainClient,
  readLedgerObject,
  removeFixtures,
  startS3rverAt,
  targetConfig,
  TUNING,
  type Tree,
  deploy,
  type TestDeployOptions as DeployOptions,
} from '../helpers/deploy.js'
import { fileUploads, isToolKey, isUploadStart, startRecordingProxy, writes, type ProxyFault, type RecordingProxy } from '../helpers/recording-proxy.js'
import { startMoto, startS3rver, type S3TestServer } from '../helpers/s3-servers.js'

/** The live release: an HTML page and the assets it names. */
const V1: Tree = {
  'index.html': '<!doctype html><script type="module" src="/assets/app-Aa11Bb22.js"></script>',
  'assets/app-Aa11Bb22.js': 'import "./vendor-Cc33Dd44.js"; app(1)',
  'assets/vendor-Cc33Dd44.js': 'vendor()',
  'robots.txt': 'User-agent: *',
}

/** The next release: twelve new chunks, a new entry, new HTML and robots.txt. */
function v2(): Tree {
  const chunks = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`assets/chunk${i}-Xy${String(i).padStart(2, '0')}Zw9Q.js`, `chunk(${i})`]))
  return {
    ...chunks,
    'index.html': '<!doctype html><script type="module" src="/assets/app-Ee55Ff66.js"></script>',
    'assets/app-Ee55Ff66.js': 'import "./vendor-Cc33Dd44.js"; app(2)',
    'assets/vendor-Cc33Dd44.js': 'vendor()',
    'robots.txt': 'User-agent: *\nDisallow: /tmp',
  }
}
/** What the second deploy must upload: everything in v2 but the unchanged vendor chunk. */
const V2_CHANGES = Object.keys(v2())
  .filter((rel) => rel !== 'assets/vendor-Cc33Dd44.js')
  .sort()

const errorOf = (p: Promise<unknown>): Promise<Error> =>
  p.then(
    () => {
      throw new Error('expected the deploy to fail')
    },
    (e: Error) => e,
  )

const SERVERS = [
  { name: 's3rver', start: startS3rver, conditionalWrites: false },
  { name: 'moto', start: startMoto, conditionalWrites: true },
] as const

describe.each(SERVERS)('failures and races on $name', ({ start, conditionalWrites }) => {
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

  const FAULTS: Array<{ fault: NonNullable<ProxyFault>; message: RegExp }> = [
    { fault: 'reset', message: /connection error|socket hang up|ECONNRESET/ },
    { fault: 'internal', message: /HTTP 500, InternalError/ },
  ]

  it.each(FAULTS)(
    'connections failing mid-upload ($fault): the old release stays whole; the re-run uploads only what is missing',
    async ({ fault, message }) => {
      const prefix = `fail-${fault}/`
      // concurrency 2: few uploads in flight when the faults start, so a known part is left to do.
      const config = targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix, concurrency: 2 })
      const run = (dir: string, n: number) => deploy({ dir, config, storage: TUNING, now: at(n), env: {}, commit: `c${n}` })
      const v1dir = await fixture(V1)
      await run(v1dir, 0)
      const ledgerBefore = await readLedgerObject(server.client, server.bucket, prefix)

      // After four site-file uploads have gone through, every further one fails (retries included).
      let started = 0
      proxy.fault = (r) => (isUploadStart(r) && !isToolKey(r.key) && ++started > 4 ? fault : undefined)
      proxy.clear()
      const v2dir = await fixture(v2())
      const error = await errorOf(run(v2dir, 1))
      proxy.fault = () => undefined
      const failedRun = [...proxy.requests]

      expect(error).toBeInstanceOf(CdnDeployError)
      expect(error.message).toMatch(/^\[cdn-deploy\] \[s3\] PutObject s3:\/\/test-bucket\/fail-\w+\/assets\//)
      expect(error.message).toMatch(message)
      // It failed in phase 1: no HTML or other mutable file was touched, nothing deleted.
      expect(fileUploads(failedRun).every((key) => key.startsWith(`${prefix}assets/`))).toBe(true)
      expect(writes(failedRun).filter((r) => r.method === 'DELETE' && !isToolKey(r.key))).toEqual([])
      expect(writes(failedRun).filter((r) => r.method === 'POST' && r.query.includes('delete'))).toEqual([])
      // The previous release is whole and still what the ledger says.
      expect(await readLedgerObject(server.client, server.bucket, prefix)).toEqual(ledgerBefore)
      expect(await expectTreeInBucket(server.client, server.bucket, prefix, v1dir, Object.keys(V1))).toEqual([])
      // The lock is released; the journal records what did go up.
      const tool = await bookkeeping(server.client, server.bucket, `${prefix}.cdn-deploy/`)
      expect(tool).toEqual([`${prefix}.cdn-deploy/journal.json`, `${prefix}.cdn-deploy/ledger.json`])
      const uploadedBefore = new Set(failedRun.filter((r) => isUploadStart(r) && !isToolKey(r.key) && r.status === 200).map((r) => r.key!))
      expect(uploadedBefore.size).toBeGreaterThanOrEqual(4)

      // The re-run, healthy: only what is missing goes up, then the release commits.
      proxy.clear()
      const report = await run(v2dir, 2)
      const rerun = fileUploads(proxy.requests)
      expect(rerun.length).toBeLessThan(V2_CHANGES.length)
      expect(rerun.filter((key) => uploadedBefore.has(key))).toEqual([])
      expect([...new Set([...rerun, ...uploadedBefore])].sort()).toEqual(V2_CHANGES.map((r) => prefix + r))
      expect(report.committed).toBe(true)
      expect(await expectTreeInBucket(server.client, server.bucket, prefix, v2dir, Object.keys(v2()))).toEqual([])
      const ledger = await readLedgerObject(server.client, server.bucket, prefix)
      expect(ledger!.releases.map((r) => r.commit)).toEqual(['c0', 'c2'])
      expect(Object.keys(ledger!.files).sort()).toEqual([...new Set([...Object.keys(V1), ...Object.keys(v2())])].sort())
      expect(await bookkeeping(server.client, server.bucket, `${prefix}.cdn-deploy/`)).toEqual([`${prefix}.cdn-deploy/ledger.json`])
    },
  )

  it('a journal written against an older release is not trusted: every file it names goes up again', async () => {
    const prefix = 'stale-journal/'
    const config = targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix, concurrency: 2 })
    const warnings: string[] = []
    const run = (dir: string, n: number) =>
      deploy({ dir, config, storage: TUNING, now: at(n), env: {}, commit: `c${n}`, reporter: { warn: (w) => warnings.push(w) } })
    await run(await fixture(V1), 0)
    let started = 0
    proxy.fault = (r) => (isUploadStart(r) && !isToolKey(r.key) && ++started > 4 ? 'internal' : undefined)
    const v2dir = await fixture(v2())
    await errorOf(run(v2dir, 1))
    proxy.fault = () => undefined
    const journalKey = `${prefix}.cdn-deploy/journal.json`
    const journal = JSON.parse((await getObject(server.client, server.bucket, journalKey))!.bytes.toString()) as {
      base: string
      files: Record<string, unknown>
    }
    const ledger = await readLedgerObject(server.client, server.bucket, prefix)
    expect(journal.base).toBe(ledger!.releases.at(-1)!.id)
    const journalled = Object.keys(journal.files)
    expect(journalled.length).toBeGreaterThanOrEqual(4)

    // As if a deploy that lost its lock wrote it after another deploy committed,
    // and one of the keys it names then got other bytes.
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
    await server.client.send(new PutObjectCommand({ Bucket: server.bucket, Key: journalKey, Body: JSON.stringify({ ...journal, base: 'an-older-release' }) }))
    await server.client.send(new PutObjectCommand({ Bucket: server.bucket, Key: prefix + journalled[0], Body: 'other bytes' }))
    proxy.clear()
    const report = await run(v2dir, 2)
    expect(fileUploads(proxy.requests).sort()).toEqual(V2_CHANGES.map((r) => prefix + r))
    expect(report.warnings.filter((w) => w.includes('upload journal predates the last release'))).toHaveLength(1)
    expect(warnings.filter((w) => w.includes(`its ${journalled.length} files are not trusted`))).toHaveLength(1)
    expect(await expectTreeInBucket(server.client, server.bucket, prefix, v2dir, Object.keys(v2()))).toEqual([])
    expect(await bookkeeping(server.client, server.bucket, `${prefix}.cdn-deploy/`)).toEqual([`${prefix}.cdn-deploy/ledger.json`])
  })

  // A prefix with a release already, or a fresh one: both deploys read the lock, then try the conditional PUT.
  // Only where the store honours conditional writes (s3rver does not: `status` says so, cli-s3rver.test.ts).
  const RACES = conditionalWrites
    ? [
        { on: 'a fresh prefix', hinted: false },
        { on: 'a prefix with a release', hinted: true },
      ]
    : []
  if (RACES.length > 0)
    it.each(RACES)('two deploys of the same prefix at once never interleave: one wins, the other names it ($on)', async ({ hinted }) => {
      const prefix = `race-${hinted}/`
      const config = targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix })
      const builds = {
        alice: { 'index.html': '<p>alice</p>', 'assets/alice-Al1ce111.js': 'alice()', 'shared.txt': 'from alice' },
        bob: { 'index.html': '<p>bob</p>', 'assets/bob-B0bb0b22.js': 'bob()', 'shared.txt': 'from bob' },
      }
      const dirs = { alice: await fixture(builds.alice), bob: await fixture(builds.bob) }
      const before = hinted ? ['first'] : []
      if (hinted)
        await deploy({
          dir: await fixture({ 'index.html': '<p>first</p>', 'shared.txt': 'first' }),
          config,
          storage: TUNING,
          now: at(0),
          env: {},
          commit: 'first',
        })
      const warnings: string[] = []
      const run = (who: 'alice' | 'bob') =>
        deploy({
          dir: dirs[who],
          config,
          storage: TUNING,
          now: at(0),
          env: { CDN_DEPLOY_OWNER: who },
          commit: who,
          reporter: { warn: (w) => warnings.push(w) },
        })

      // Site-file uploads wait until one deploy has given up, so the winner surely
      // holds the lock while the other tries to take it.
      let open!: () => void
      const gate = new Promise<void>((resolve) => (open = resolve))
      const timer = setTimeout(() => open(), 15_000) // never hang: a broken lock then fails the assertions below
      proxy.onRequest = async (r) => {
        if (isUploadStart(r) && !isToolKey(r.key)) await gate
      }
      proxy.clear()
      const results = await Promise.allSettled((['alice', 'bob'] as const).map((who) => run(who).catch((e: unknown) => (open(), Promise.reject(e)))))
      clearTimeout(timer)
      proxy.onRequest = undefined

      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [[(['alice', 'bob'] as const)[i]!, r.value] as const] : []))
      const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []))
      expect(won).toHaveLength(1)
      expect(lost).toHaveLength(1)
      const [winner, report] = won[0]! as readonly ['alice' | 'bob', DeployReport]
      expect(lost[0]).toBeInstanceOf(CdnDeployError)
      expect(lost[0]!.message).toMatch(
        new RegExp(
          `^\\[cdn-deploy\\] \\[lock\\] another deploy holds s3://test-bucket/${prefix}\\.cdn-deploy/lock: ${winner} on host [0-9a-f]{16} \\(pid \\d+\\) since `,
        ),
      )
      expect(lost[0]!.message).toMatch(/Wait for it to finish, or run `cdn-deploy unlock` if that deploy died\.$/)

      // Only the winner's files went up; the ledger holds exactly its one release.
      const loser = winner === 'alice' ? 'bob' : 'alice'
      expect(fileUploads(proxy.requests).sort()).toEqual(
        Object.keys(builds[winner])
          .map((r) => prefix + r)
          .sort(),
      )
      const ledger = await readLedgerObject(server.client, server.bucket, prefix)
      expect(ledger!.releases.map((r) => [r.id, r.commit]).slice(before.length)).toEqual([[report.release, winner]])
      expect(Object.keys(ledger!.files).sort()).toEqual(Object.keys(builds[winner]).sort())
      expect(await expectTreeInBucket(server.client, server.bucket, prefix, dirs[winner], Object.keys(builds[winner]))).toEqual([])
      expect((await listKeys(server.client, server.bucket, prefix)).filter((k) => k.includes(loser))).toEqual([])
      expect(await bookkeeping(server.client, server.bucket, `${prefix}.cdn-deploy/`)).toEqual([`${prefix}.cdn-deploy/ledger.json`])

      // The loser, run again afterwards, deploys over the winner's release cleanly.
      const again = await run(loser)
      expect(again.committed).toBe(true)
      expect((await readLedgerObject(server.client, server.bucket, prefix))!.releases.map((r) => r.commit)).toEqual([...before, winner, loser])
      expect(warnings).toEqual([])
    })
})

describe('s3rver stopped mid-upload and started again on the same data', () => {
  it('the old release is still whole after the restart; the re-run names the dead lock, then completes', async () => {
    const bucket = 'crash-bucket'
    const data = await tempDir('s3rver-data')
    let s3 = await startS3rverAt(data, bucket)
    const client = plainClient(s3.endpoint)
    const prefix = 'crash/'
    const config = targetConfig({ endpoint: s3.endpoint, bucket, prefix, concurrency: 2 })
    const base: Omit<DeployOptions, 'dir'> = { config, storage: TUNING, env: {}, commit: 'test' }
    try {
      const v1dir = await fixture(V1)
      await deploy({ ...base, dir: v1dir, now: at(0) })
      const ledgerBefore = await readLedgerObject(client, bucket, prefix)

      // Stop the server after the third file is up, with other uploads in flight.
      let uploaded = 0
      let killed: Promise<void> | undefined
      const v2dir = await fixture(v2())
      const error = await errorOf(
        deploy({
          ...base,
          dir: v2dir,
          now: at(1),
          reporter: { uploaded: () => void (++uploaded === 3 && (killed = s3.kill())) },
        }),
      )
      await killed
      expect(uploaded).toBeGreaterThanOrEqual(3)
      expect(uploaded).toBeLessThan(V2_CHANGES.length)
      expect(error.message).toMatch(/^\[cdn-deploy\] \[s3\] /)
      expect(error.message).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)|connection error/)

      s3 = await startS3rverAt(data, bucket, s3.port)
      expect(await readLedgerObject(client, bucket, prefix)).toEqual(ledgerBefore)
      expect(await expectTreeInBucket(client, bucket, prefix, v1dir, Object.keys(V1))).toEqual([])
      expect((await getObject(client, bucket, `${prefix}index.html`))!.bytes.toString()).toBe(V1['index.html'])

      // The dying deploy could not release its lock (the server was gone): the
      // re-run names it and says what to do; doing that, the re-run completes.
      const held = await errorOf(deploy({ ...base, dir: v2dir, now: at(2) }))
      expect(held.message).toMatch(
        /^\[cdn-deploy\] \[lock\] another deploy holds s3:\/\/crash-bucket\/crash\/\.cdn-deploy\/lock: a deploy on host [0-9a-f]{16} \(pid \d+\) since .*\(in \d+ min\)\. Wait for it to finish, or run `cdn-deploy unlock` if that deploy died\.$/,
      )
      expect(await readLedgerObject(client, bucket, prefix)).toEqual(ledgerBefore)
      // https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${prefix}.cdn-deploy/lock` }))
      const report = await deploy({ ...base, dir: v2dir, now: at(2) })
      expect(report.committed).toBe(true)
      expect(await expectTreeInBucket(client, bucket, prefix, v2dir, Object.keys(v2()))).toEqual([])
      const ledger = await readLedgerObject(client, bucket, prefix)
      expect(ledger!.releases).toHaveLength(2)
      expect(await bookkeeping(client, bucket, `${prefix}.cdn-deploy/`)).toEqual([`${prefix}.cdn-deploy/ledger.json`])
    } finally {
      client.destroy()
      await s3.kill().catch(() => {})
      await rm(data, { recursive: true, force: true })
    }
  })
})

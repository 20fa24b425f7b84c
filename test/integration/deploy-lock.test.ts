/**
 * The lock heartbeat on moto (which honours conditional writes): a deploy that
 * outlives its lock's lifetime keeps the lock by renewing it, and a deploy whose
 * lock is taken over stops before its commit, leaving the ledger untouched. Each
 * both on a fresh prefix and on one with a release already.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exists, fixture, getObject, putPlain, readLedgerObject, removeFixtures, targetConfig, TUNING, deploy } from '../helpers/deploy.js'
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy.js'
import { startMoto, type S3TestServer } from '../helpers/s3-servers.js'

const FILES = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`assets/file-${i}Ab12Cd3.js`, `export const n = ${i}`]))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A prefix with a release already (`hinted`), or a fresh one. */
const VARIANTS = [
  { name: 'a fresh prefix', hinted: false },
  { name: 'a prefix with a release', hinted: true },
] as const

describe('deploy lock heartbeat (moto)', () => {
  let server: S3TestServer
  let proxy: RecordingProxy
  beforeAll(async () => {
    server = await startMoto('lock-heartbeat')
    proxy = await startRecordingProxy(server.endpoint, server.bucket)
  })
  afterAll(async () => {
    await proxy?.stop()
    await server?.stop()
    await removeFixtures()
  })

  const isFilePut = (key: string | undefined, method: string) => method === 'PUT' && !!key && key.includes('assets/')
  const lockPuts = () => proxy.requests.filter((r) => r.method === 'PUT' && r.key?.endsWith('.cdn-deploy/lock'))

  /** A deploy of one small file first, so the ledger exists. */
  async function prepare(prefix: string, hinted: boolean): Promise<number> {
    if (!hinted) return 0
    const dir = await fixture({ 'robots.txt': 'User-agent: *' }, 'first')
    await deploy({ dir, config: targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix }), storage: TUNING, commit: 'first', env: {} })
    return 1
  }

  it.each(VARIANTS)('renews the lock while a slow upload outlives its lifetime, and commits ($name)', async ({ hinted }) => {
    const prefix = `renew-${hinted}/`
    const before = await prepare(prefix, hinted)
    const dir = await fixture(FILES, 'heartbeat')
    const config = targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix, concurrency: 1 })
    proxy.clear()
    // Six uploads of 250 ms one after another: well past the 600 ms lifetime.
    proxy.onRequest = async (r) => {
      if (isFilePut(r.key, r.method)) await sleep(250)
    }
    const report = await deploy({ dir, config, storage: TUNING, lockTtlMs: 600, commit: 'test', env: {} })
    proxy.onRequest = undefined
    expect(report.committed).toBe(true)
    // One create, then renewals: each one PUT with If-Match on the ETag just read.
    const [create, ...renewals] = lockPuts()
    expect(create!.headers['if-none-match']).toBe('*')
    expect(renewals.length).toBeGreaterThanOrEqual(2)
    expect(renewals.every((r) => r.status === 200 && /^"[0-9a-f]{32}"$/.test(String(r.headers['if-match'])))).toBe(true)
    // Released, not left to expire: the last lock request deletes it.
    expect(proxy.requests.filter((r) => r.key === `${prefix}.cdn-deploy/lock`).at(-1)).toMatchObject({ method: 'DELETE', status: 204 })
    expect(await exists(server.client, server.bucket, `${prefix}.cdn-deploy/lock`)).toBe(false)
    expect((await readLedgerObject(server.client, server.bucket, prefix))?.releases).toHaveLength(before + 1)
  })

  it.each(VARIANTS)('stops before the commit when another deploy takes the lock over ($name)', async ({ hinted }) => {
    const prefix = `takeover-${hinted}/`
    await prepare(prefix, hinted)
    const ledgerBefore = await readLedgerObject(server.client, server.bucket, prefix)
    const dir = await fixture(FILES, 'takeover')
    const config = targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix, concurrency: 1 })
    let stolen = false
    proxy.onRequest = async (r) => {
      if (!isFilePut(r.key, r.method)) return
      if (!stolen) {
        stolen = true
        // Someone else decides our lock is stale and takes it.
        await server.client.send(
          new PutObjectCommand({
            Bucket: server.bucket,
            Key: `${prefix}.cdn-deploy/lock`,
            Body: JSON.stringify({
              owner: 'other-deploy',
              host: 'elsewhere',
              pid: 1,
              token: 'theirs',
              acquired: new Date().toISOString(),
              expires: new Date(Date.now() + 60_000).toISOString(),
            }),
          }),
        )
      }
      await sleep(250)
    }
    await expect(deploy({ dir, config, storage: TUNING, lockTtlMs: 600, commit: 'test', env: {} })).rejects.toThrow(
      /\[lock\] lost .*taken over by other-deploy/,
    )
    proxy.onRequest = undefined
    expect(await readLedgerObject(server.client, server.bucket, prefix)).toEqual(ledgerBefore)
    // The lock is the other deploy's: not deleted, and no journal written over theirs.
    expect(await exists(server.client, server.bucket, `${prefix}.cdn-deploy/lock`)).toBe(true)
    expect(await exists(server.client, server.bucket, `${prefix}.cdn-deploy/journal.json`)).toBe(false)
  })

  it('a deploy that lost its lock without noticing does not commit over the release of the one that took it', async () => {
    const prefix = 'zombie/'
    await prepare(prefix, true)
    const dir = await fixture(FILES, 'zombie')
    const config = targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix, concurrency: 1 })
    // While our deploy uploads (its lock long-lived, so no renewal looks), another
    // deploy commits: as if ours had stalled past its lifetime and been taken over.
    let theirs: Awaited<ReturnType<typeof readLedgerObject>>
    proxy.clear()
    proxy.onRequest = async (r) => {
      if (!isFilePut(r.key, r.method) || theirs) return
      theirs = (await readLedgerObject(server.client, server.bucket, prefix))!
      theirs.releases.push({ id: 'their-release', time: new Date().toISOString(), files: 1, bytes: 13 })
      await putPlain(server.client, server.bucket, `${prefix}.cdn-deploy/ledger.json`, JSON.stringify(theirs))
    }
    const error = await deploy({ dir, config, storage: TUNING, lockTtlMs: 60_000, commit: 'test', env: {} }).catch((e: Error) => e)
    proxy.onRequest = undefined
    expect(String(error)).toMatch(
      /\[lock\] s3:\/\/lock-heartbeat\/zombie\/\.cdn-deploy\/ledger\.json changed since this deploy read it: another deploy has committed/,
    )
    const commit = proxy.requests.find((r) => r.method === 'PUT' && r.key === `${prefix}.cdn-deploy/ledger.json`)
    expect(commit).toMatchObject({ status: 412 })
    expect(await readLedgerObject(server.client, server.bucket, prefix)).toEqual(theirs)
    expect(await exists(server.client, server.bucket, `${prefix}.cdn-deploy/journal.json`)).toBe(false)
  })

  it('a deploy stalled past its lock lifetime stops before its next page write: the release that took over stays served', async () => {
    const prefix = 'stalled/'
    const lockKey = `${prefix}.cdn-deploy/lock`
    const asset = 'assets/app-Aa11Bb22.js'
    const build = (who: string) => ({ [asset]: 'app()', 'index.html': `<p>${who}</p>` })
    // A: through the proxy, which freezes it once its first upload starts: that
    // upload and every lock request it makes (the renewals) wait, as if the machine slept.
    let frozen = false
    let thaw!: () => void
    const thawed = new Promise<void>((resolve) => (thaw = resolve))
    proxy.onRequest = async (r) => {
      if (r.method === 'PUT' && r.key === prefix + asset) frozen = true
      if (!frozen) return
      if (r.key === prefix + asset) await thawed
      // The renewals answer a moment after the upload: the page write would go first without a fence.
      if (r.key === lockKey) await thawed.then(() => sleep(300))
    }
    const a = deploy({
      dir: await fixture(build('A'), 'stalled-a'),
      config: targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix, concurrency: 1 }),
      storage: TUNING,
      lockTtlMs: 1000,
      commit: 'A',
      env: {},
    })
    const failed = a.then(
      () => undefined,
      (e: Error) => e,
    )
    while (!frozen) await sleep(20)
    // B, straight to the server: A's lock expires unrenewed, B takes it over and commits its release.
    await sleep(1300)
    const b = await deploy({
      dir: await fixture(build('B'), 'stalled-b'),
      config: targetConfig({ endpoint: server.endpoint, bucket: server.bucket, prefix }),
      storage: TUNING,
      commit: 'B',
      env: {},
    })
    expect(b.committed).toBe(true)
    thaw()
    const error = await failed
    proxy.onRequest = undefined
    expect((await getObject(server.client, server.bucket, `${prefix}index.html`))!.bytes.toString()).toBe('<p>B</p>')
    expect(String(error)).toMatch(/\[lock\] lost s3:\/\/lock-heartbeat\/stalled\/\.cdn-deploy\/lock: it was deleted/)
    expect((await readLedgerObject(server.client, server.bucket, prefix))!.releases.map((r) => r.commit)).toEqual(['B'])
  })

  it('a deploy stalled past its lock lifetime in its prune deletes nothing the release committed meanwhile serves', async () => {
    // Found by the fault suite (test/fault/concurrent.test.ts): the prune's deletes were not fenced.
    const prefix = 'stalled-prune/'
    const lockKey = `${prefix}.cdn-deploy/lock`
    const old = 'assets/old-Aa11Bb22.js'
    const v1 = { [old]: 'old()', 'index.html': `<script src="${old}"></script>` }
    const v2 = { 'assets/new-Cc33Dd44.js': 'new()', 'index.html': '<script src="assets/new-Cc33Dd44.js"></script>' }
    const config = (endpoint: string) => targetConfig({ endpoint, bucket: server.bucket, prefix, concurrency: 1, retain: { releases: 0, days: 0 } })
    await deploy({ dir: await fixture(v1, 'prune-v1'), config: config(server.endpoint), storage: TUNING, commit: 'v1', env: {} })
    // A deploys v2, which drops `old`: committed, then frozen at the prune's HEAD of `old` (and its renewals with it).
    let frozen = false
    let thaw!: () => void
    const thawed = new Promise<void>((resolve) => (thaw = resolve))
    proxy.onRequest = async (r) => {
      if (r.method === 'HEAD' && r.key === prefix + old) frozen = true
      if (!frozen) return
      if (r.key === prefix + old) await thawed
      if (r.key === lockKey) await thawed.then(() => sleep(300))
    }
    const warnings: string[] = []
    const a = deploy({
      dir: await fixture(v2, 'prune-v2'),
      config: config(proxy.endpoint),
      storage: TUNING,
      lockTtlMs: 1000,
      commit: 'A',
      env: {},
      reporter: { warn: (w) => warnings.push(w) },
    })
    const settled = a.then(
      (report) => report,
      (e: Error) => e,
    )
    while (!frozen) await sleep(20)
    // B, straight to the server once A's lock expired: v1 again, which serves `old` (still there, so kept as it is).
    await sleep(1300)
    const b = await deploy({ dir: await fixture(v1, 'prune-v1-again'), config: config(server.endpoint), storage: TUNING, commit: 'B', env: {} })
    expect(b.committed).toBe(true)
    thaw()
    const report = await settled
    proxy.onRequest = undefined
    // A's release was committed before the stall (the deploy succeeded); its prune stopped at the fence.
    expect(report).toMatchObject({ committed: true, deleted: [] })
    expect(warnings.join('\n')).toMatch(/could not delete stalled-prune\/assets\/old-Aa11Bb22\.js: \[cdn-deploy\] \[lock\] lost /)
    // …and left the ledger to B: no attempt to list the file again over B's release.
    expect(warnings.join('\n')).not.toMatch(/in the ledger again/)
    expect((await getObject(server.client, server.bucket, prefix + old))?.bytes.toString()).toBe('old()')
    const ledger = (await readLedgerObject(server.client, server.bucket, prefix))!
    expect(ledger.releases.map((r) => r.commit)).toEqual(['v1', 'A', 'B'])
    expect(ledger.files[old]).toMatchObject({ release: ledger.releases[2]!.id })
  })
})

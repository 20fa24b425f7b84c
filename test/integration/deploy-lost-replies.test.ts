/**
 * Lost responses and dead holders (issue 11.3), on moto behind a recording
 * proxy that can forward a request and drop its answer: the lock PUT whose
 * answer is lost is recognised as ours by its token, a commit whose answer is
 * lost is recognised by reading the ledger again (the release is live and is
 * purged), and a lock left by a dead process on this machine is taken over at
 * once, with a line saying so.
 */
import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hostId } from '../../src/storage/index.js'
import { deploy, exists, fixture, putPlain, readLedgerObject, removeFixtures, targetConfig, TUNING } from '../helpers/deploy.js'
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy.js'
import { startMoto, type S3TestServer } from '../helpers/s3-servers.js'

const SITE = { 'index.html': '<p>v1</p>', 'assets/app-Aa11Bb22.js': 'app()' }

/** A pid that surely ran on this machine and is gone now. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  await new Promise((resolve) => child.once('exit', resolve))
  return child.pid!
}

describe('lost responses and dead holders (moto)', () => {
  let server: S3TestServer
  let proxy: RecordingProxy
  beforeAll(async () => {
    server = await startMoto('lost-replies')
    proxy = await startRecordingProxy(server.endpoint, server.bucket)
  })
  afterAll(async () => {
    await proxy?.stop()
    await server?.stop()
    await removeFixtures()
  })

  const config = (prefix: string) => targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix })
  /** Drop the answer to the first request matching, once. */
  const loseFirst = (match: (method: string, key: string | undefined) => boolean) => {
    let done = false
    proxy.fault = (r) => (!done && match(r.method, r.key) ? ((done = true), 'lost') : undefined)
  }

  it('the answer to our lock PUT is lost: the retry meets our own lock, recognised by its token', async () => {
    const prefix = 'lost-lock/'
    loseFirst((m, k) => m === 'PUT' && k === `${prefix}.cdn-deploy/lock`)
    const report = await deploy({ dir: await fixture(SITE), config: config(prefix), storage: TUNING, env: {}, commit: 'c1' })
    proxy.fault = () => undefined
    expect(report.committed).toBe(true)
    const puts = proxy.requests.filter((r) => r.method === 'PUT' && r.key === `${prefix}.cdn-deploy/lock`)
    expect(puts.map((r) => [r.fault ?? 'pass', r.status])).toEqual([
      ['lost', 200],
      ['pass', 412],
    ])
    expect(await exists(server.client, server.bucket, `${prefix}.cdn-deploy/lock`)).toBe(false)
  })

  it('the answer to a lock renewal is lost: the retry meets our own renewal, recognised as ours, and the deploy goes on', async () => {
    // Found by the fault suite (test/fault/random.test.ts): it was taken for a lock taken over.
    const prefix = 'lost-renewal/'
    const files = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`assets/file-${i}Ab12Cd3.js`, `export const n = ${i}`]))
    // Slow uploads (250 ms each, one at a time) past the 600 ms lifetime: the lock is renewed; the first renewal's answer is lost.
    proxy.onRequest = async (r) => {
      if (r.method === 'PUT' && r.key?.includes('assets/')) await new Promise((resolve) => setTimeout(resolve, 250))
    }
    let lockPuts = 0
    proxy.fault = (r) => (r.method === 'PUT' && r.key === `${prefix}.cdn-deploy/lock` && ++lockPuts === 2 ? 'lost' : undefined)
    proxy.clear()
    const report = await deploy({
      dir: await fixture({ ...files, 'index.html': '<p>v1</p>' }),
      config: targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix, concurrency: 1 }),
      storage: TUNING,
      lockTtlMs: 600,
      env: {},
      commit: 'c1',
    })
    proxy.onRequest = undefined
    proxy.fault = () => undefined
    expect(report.committed).toBe(true)
    const puts = proxy.requests.filter((r) => r.method === 'PUT' && r.key === `${prefix}.cdn-deploy/lock`)
    expect(puts.slice(0, 3).map((r) => [r.fault ?? 'pass', r.status])).toEqual([
      ['pass', 200],
      ['lost', 200],
      ['pass', 412],
    ])
    expect(puts.length).toBeGreaterThan(3) // renewed again afterwards
    expect(await exists(server.client, server.bucket, `${prefix}.cdn-deploy/lock`)).toBe(false)
  })

  it('the answer to the commit is lost: the release is live, reported committed, and purged', async () => {
    const prefix = 'lost-commit/'
    await deploy({ dir: await fixture(SITE), config: config(prefix), storage: TUNING, env: {}, commit: 'c1' })
    const purged: string[][] = []
    const invalidator = { name: 'test', invalidate: async (rels: string[]) => (purged.push(rels), { ids: ['I1'], paths: rels }) }
    loseFirst((m, k) => m === 'PUT' && k === `${prefix}.cdn-deploy/ledger.json`)
    const report = await deploy({
      dir: await fixture({ ...SITE, 'index.html': '<p>v2</p>' }),
      config: config(prefix),
      storage: TUNING,
      env: {},
      commit: 'c2',
      invalidator,
    })
    proxy.fault = () => undefined
    expect(report.committed).toBe(true)
    expect(purged).toEqual([['index.html']])
    const ledger = await readLedgerObject(server.client, server.bucket, prefix)
    expect(ledger!.releases.map((r) => r.commit)).toEqual(['c1', 'c2'])
    expect(ledger!.releases.at(-1)!.invalidations).toEqual(['I1'])
    expect(ledger!.pendingInvalidations ?? []).toEqual([])
  })

  it('a lock left by a dead process on this machine is taken over at once, with a line saying so', async () => {
    const prefix = 'dead-holder/'
    const pid = await deadPid()
    const lock = { host: hostId(), pid, token: 'dead', acquired: new Date().toISOString(), expires: new Date(Date.now() + 120_000).toISOString() }
    await putPlain(server.client, server.bucket, `${prefix}.cdn-deploy/lock`, JSON.stringify(lock))
    const warnings: string[] = []
    const started = Date.now()
    const report = await deploy({
      dir: await fixture(SITE),
      config: config(prefix),
      storage: TUNING,
      env: {},
      commit: 'c1',
      reporter: { warn: (w) => warnings.push(w) },
    })
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(report.committed).toBe(true)
    const line = `took over the lock of a deploy on host ${hostId()} (pid ${pid}): that process no longer runs on this machine`
    expect(warnings).toEqual([line])
    expect(report.warnings).toEqual([line])
  })

  it('a live lock of this very process (another deploy in it) is not taken over', async () => {
    const prefix = 'live-holder/'
    const lock = { host: hostId(), pid: process.pid, token: 'live', acquired: new Date().toISOString(), expires: new Date(Date.now() + 120_000).toISOString() }
    await putPlain(server.client, server.bucket, `${prefix}.cdn-deploy/lock`, JSON.stringify(lock))
    await expect(deploy({ dir: await fixture(SITE), config: config(prefix), storage: TUNING, env: {}, commit: 'c1' })).rejects.toThrow(
      /\[lock\] another deploy holds .* Wait for it to finish, or run `cdn-deploy unlock` if that deploy died\.$/,
    )
  })
})

/**
 * Deadlines and retries (issue 11.4), on moto behind a fault proxy: a request
 * that never gets an answer is abandoned at its deadline (sized to its body)
 * and tried again; an answer cut inside its body (the ledger) is read again; a
 * request that keeps hanging fails the deploy in seconds, naming the object.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deploy, fixture, getObject, removeFixtures, targetConfig, TUNING } from '../helpers/deploy.js'
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy.js'
import { startMoto, type S3TestServer } from '../helpers/s3-servers.js'

const SITE = { 'index.html': '<p>hi</p>', 'assets/app-Aa11Bb22.js': 'app()' }
/** Quick deadlines: 400 ms per attempt plus the body at 1 MiB/s. */
const QUICK = { ...TUNING, maxAttempts: 3, deadlineBaseMs: 400 }

describe('deadlines (moto)', () => {
  let server: S3TestServer
  let proxy: RecordingProxy
  beforeAll(async () => {
    server = await startMoto('deadlines')
    proxy = await startRecordingProxy(server.endpoint, server.bucket)
  })
  afterAll(async () => {
    await proxy?.stop()
    await server?.stop()
    await removeFixtures()
  })
  const run = (prefix: string, dir: string) =>
    deploy({ dir, config: targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix }), storage: QUICK, env: {}, commit: 'c1' })

  it('a PUT that never gets an answer is abandoned at its deadline and tried again', async () => {
    const prefix = 'hang-once/'
    let hung = 0
    proxy.fault = (r) => (r.method === 'PUT' && r.key === `${prefix}assets/app-Aa11Bb22.js` && hung++ === 0 ? 'hang' : undefined)
    const started = Date.now()
    const report = await run(prefix, await fixture(SITE))
    proxy.fault = () => undefined
    expect(report.committed).toBe(true)
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(proxy.requests.filter((r) => r.key === `${prefix}assets/app-Aa11Bb22.js`).map((r) => r.fault ?? 'pass')).toEqual(['hang', 'pass'])
    expect((await getObject(server.client, server.bucket, `${prefix}assets/app-Aa11Bb22.js`))!.bytes.toString()).toBe('app()')
  })

  it('an answer cut inside its body (the ledger GET) is read again', async () => {
    const prefix = 'cut-body/'
    const dir = await fixture(SITE)
    await run(prefix, dir)
    let cut = 0
    proxy.fault = (r) => (r.method === 'GET' && r.key === `${prefix}.cdn-deploy/ledger.json` && cut++ === 0 ? 'cut' : undefined)
    proxy.clear()
    const report = await run(prefix, dir)
    proxy.fault = () => undefined
    expect(report.committed).toBe(false) // a no-op, after reading the ledger a second time
    expect(proxy.requests.map((r) => `${r.method} ${r.key} ${r.fault ?? 'pass'}`)).toEqual([
      `GET ${prefix}.cdn-deploy/ledger.json cut`,
      `GET ${prefix}.cdn-deploy/ledger.json pass`,
    ])
  })

  it('a lock GET that never gets an answer costs a short deadline (a lock is small), so a renewal keeps a short-lived lock', async () => {
    // Found by the fault suite (test/fault/random.test.ts): lock GETs had the ledger's 16 MiB deadline
    // (base + 16 s), longer than a short lock's lifetime: one hung renewal GET lost the lock.
    const prefix = 'hang-lock-get/'
    const lockKey = `${prefix}.cdn-deploy/lock`
    const files = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`assets/file-${i}Ab12Cd3.js`, `export const n = ${i}`]))
    // Slow uploads past the 1.5 s lifetime, so the lock is renewed; the first renewal's GET hangs.
    proxy.onRequest = async (r) => {
      if (r.method === 'PUT' && r.key?.includes('assets/')) await new Promise((resolve) => setTimeout(resolve, 300))
    }
    let lockGets = 0
    proxy.fault = (r) => (r.method === 'GET' && r.key === lockKey && ++lockGets === 2 ? 'hang' : undefined)
    proxy.clear()
    const started = Date.now()
    const report = await deploy({
      dir: await fixture({ ...files, 'index.html': '<p>hi</p>' }),
      config: targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix, concurrency: 1 }),
      storage: QUICK,
      lockTtlMs: 1500,
      env: {},
      commit: 'c1',
    })
    proxy.onRequest = undefined
    proxy.fault = () => undefined
    expect(report.committed).toBe(true)
    expect(Date.now() - started).toBeLessThan(6_000)
    const gets = proxy.requests.filter((r) => r.method === 'GET' && r.key === lockKey)
    expect(gets.slice(0, 3).map((r) => r.fault ?? 'pass')).toEqual(['pass', 'hang', 'pass'])
  })

  it('a request that keeps hanging fails the deploy in seconds, naming the object', async () => {
    const prefix = 'hang-always/'
    proxy.fault = (r) => (r.method === 'PUT' && r.key === `${prefix}assets/app-Aa11Bb22.js` ? 'hang' : undefined)
    const started = Date.now()
    const error = await run(prefix, await fixture(SITE)).then(
      () => undefined,
      (e: Error) => e,
    )
    proxy.fault = () => undefined
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(error?.message).toMatch(
      /^\[cdn-deploy\] \[s3\] PutObject s3:\/\/deadlines\/hang-always\/assets\/app-Aa11Bb22\.js failed: connection error ETIMEDOUT \(no answer within 40\d ms\), retries exhausted$/,
    )
  })
})

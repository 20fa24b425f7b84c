/**
 * The lock heartbeat on moto (which honours conditional writes): a deploy that
 * outlives its lock's lifetime keeps the lock by renewing it, and a deploy whose
 * lock is taken over stops before its commit, leaving the ledger untouched.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deploy } from '../../src/index.js'
import { fixture, readLedgerObject, removeFixtures, targetConfig, TUNING } from '../helpers/deploy.js'
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy.js'
import { startMoto, type S3TestServer } from '../helpers/s3-servers.js'

const FILES = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`assets/file-${i}Ab12Cd3.js`, `export const n = ${i}`]))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

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

  it('renews the lock while a slow upload outlives its lifetime, and commits', async () => {
    const dir = await fixture(FILES, 'heartbeat')
    const config = targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix: 'renew/', concurrency: 1 })
    proxy.clear()
    // Six uploads of 250 ms one after another: well past the 600 ms lifetime.
    proxy.onRequest = async (r) => {
      if (isFilePut(r.key, r.method)) await sleep(250)
    }
    const report = await deploy({ dir, config, storage: TUNING, lockTtlMs: 600, commit: 'test', env: {} })
    proxy.onRequest = undefined
    expect(report.committed).toBe(true)
    // Acquire (create + the conditional-write probe) plus at least two renewals.
    expect(lockPuts().length).toBeGreaterThanOrEqual(4)
    expect((await readLedgerObject(server.client, server.bucket, 'renew/'))?.releases).toHaveLength(1)
  })

  it('stops before the commit when another deploy takes the lock over', async () => {
    const dir = await fixture(FILES, 'takeover')
    const config = targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix: 'takeover/', concurrency: 1 })
    let stolen = false
    proxy.onRequest = async (r) => {
      if (!isFilePut(r.key, r.method)) return
      if (!stolen) {
        stolen = true
        // Someone else decides our lock is stale and takes it.
        await server.client.send(new PutObjectCommand({
          Bucket: server.bucket,
          Key: 'takeover/.cdn-deploy/lock',
          Body: JSON.stringify({ owner: 'other-deploy', host: 'elsewhere', pid: 1, token: 'theirs', acquired: new Date().toISOString(), expires: new Date(Date.now() + 60_000).toISOString() }),
        }))
      }
      await sleep(250)
    }
    await expect(deploy({ dir, config, storage: TUNING, lockTtlMs: 600, commit: 'test', env: {} })).rejects.toThrow(/\[lock\] lost .*taken over by other-deploy/)
    proxy.onRequest = undefined
    expect(await readLedgerObject(server.client, server.bucket, 'takeover/')).toBeUndefined()
  })
})

/**
 * Where the deploy keeps its own objects and what they say (issue 11.8): the
 * ledger, lock and journal under `storage.statePrefix` (outside the served
 * prefix when asked), and no user name, host name or CI run id in them unless
 * the user labels the lock (`CDN_DEPLOY_OWNER`).
 */
import { hostname } from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bookkeeping, deploy, fixture, getObject, listKeys, removeFixtures, targetConfig, TUNING } from '../helpers/deploy.js'
import { describeRequests, isUploadStart, startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy.js'
import { startMoto, startS3rver, type S3TestServer } from '../helpers/s3-servers.js'

const SITE = { 'index.html': '<p>hi</p>', 'assets/app-Aa11Bb22.js': 'app()', 'robots.txt': 'User-agent: *' }

describe.each([
  { name: 's3rver', start: startS3rver },
  { name: 'moto', start: startMoto },
])('the bookkeeping on $name', ({ start }) => {
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

  /** The lock object as it is while the first site file goes up. */
  async function lockDuringDeploy(statePrefix: string, env: Record<string, string>, prefix = 'app/'): Promise<Record<string, unknown>> {
    let lock: Record<string, unknown> | undefined
    proxy.onRequest = async (r) => {
      if (lock || !isUploadStart(r) || !Object.keys(SITE).some((rel) => r.key === prefix + rel)) return
      lock = JSON.parse((await getObject(server.client, server.bucket, `${statePrefix}lock`))!.bytes.toString()) as Record<string, unknown>
    }
    const config = targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix, statePrefix })
    await deploy({ dir: await fixture(SITE), config, storage: TUNING, env, commit: 'c1' })
    proxy.onRequest = undefined
    return lock!
  }

  it('keeps ledger, lock and journal under storage.statePrefix, outside the served prefix; a no-op is one GET there', async () => {
    const lock = await lockDuringDeploy('_cdn-deploy/app/', { USER: 'alice', GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '4242' })
    expect(await listKeys(server.client, server.bucket, 'app/')).toEqual(['app/assets/app-Aa11Bb22.js', 'app/index.html', 'app/robots.txt'])
    expect(await bookkeeping(server.client, server.bucket, '_cdn-deploy/app/')).toEqual(['_cdn-deploy/app/ledger.json'])
    expect(await listKeys(server.client, server.bucket, '_cdn-deploy/')).toEqual([
      '_cdn-deploy/app/ledger.json',
      expect.stringMatching(/^_cdn-deploy\/app\/releases\/\S+\.json$/),
    ])
    // The lock: a token, a hash of the host name, the pid and the times; no user, host name or run id.
    expect(Object.keys(lock).sort()).toEqual(['acquired', 'expires', 'host', 'pid', 'token'])
    expect(lock.host).toMatch(/^[0-9a-f]{16}$/)
    expect(lock.host).not.toBe(hostname())
    const ledger = (await getObject(server.client, server.bucket, '_cdn-deploy/app/ledger.json'))!.bytes.toString()
    for (const secret of ['alice', hostname(), '4242', String(process.pid)]) expect(ledger).not.toContain(`"${secret}"`)

    proxy.clear()
    const config = targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix: 'app/', statePrefix: '_cdn-deploy/app/' })
    await deploy({ dir: await fixture(SITE), config, storage: TUNING, env: {}, commit: 'c1' })
    expect(describeRequests(proxy.requests)).toEqual(['GET _cdn-deploy/app/ledger.json'])
  })

  it('labels the lock only when asked (CDN_DEPLOY_OWNER)', async () => {
    const lock = await lockDuringDeploy('owned/.cdn-deploy/', { CDN_DEPLOY_OWNER: 'release bot, run 17' }, 'owned/')
    expect(lock.owner).toBe('release bot, run 17')
  })
})

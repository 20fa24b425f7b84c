/**
 * The provider contract (`vite-plugin-cdn-deploy/testing`) on every built-in
 * provider, each loaded through the registry as a deploy loads it and pointed at
 * its loopback stand-in: CloudFront at moto_server, Cloudflare at the fake
 * purge_cache API, the webhook at a recording server. `broken` is the same
 * provider with a rejected credential or an unknown target.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadProvider, type CdnProvider, type ProviderInput } from '../../src/providers/index.js'
import { PROVIDER_TYPES } from '../../src/providers/lookup.js'
import { checkProviderContract } from '../../src/testing/index.js'
import { createTestDistribution } from '../helpers/cloudfront.js'
import { startFakeCloudflare, startRecordingServer, type FakeCloudflare, type RecordingServer } from '../helpers/fake-cloudflare.js'
import { startMoto, type S3TestServer } from '../helpers/s3-servers.js'

const publicBase = 'https://cdn.example.com/app/'
const load = async (config: ProviderInput) => (await loadProvider(config, { publicBase }, { retryBaseDelayMs: 5, maxAttempts: 2 }))!

describe('the provider contract', () => {
  let moto: S3TestServer
  let cf: FakeCloudflare
  let hook: RecordingServer
  let refusing: RecordingServer
  const cleanup: Array<() => unknown> = []

  beforeAll(async () => {
    ;[moto, cf, hook, refusing] = await Promise.all([
      startMoto('contract-origin'),
      startFakeCloudflare(),
      startRecordingServer({ status: 200, body: { id: 'job-1' } }),
      // Refuses everyone, echoing the credential back as a careless server might.
      startRecordingServer({ status: 403, body: { error: 'denied for Bearer contract-hook-secret' } }),
    ])
    cleanup.push(
      () => moto.stop(),
      () => cf.stop(),
      () => hook.stop(),
      () => refusing.stop(),
    )
  })
  afterAll(async () => {
    await Promise.all(cleanup.map((stop) => stop()))
    delete process.env.CDN_CONTRACT_TOKEN
  })

  it('covers every built-in provider that has an adapter', () => {
    expect(PROVIDER_TYPES).toEqual(['cloudfront', 'cloudflare', 'generic', 'none'])
  })

  it('cloudfront (moto_server)', async () => {
    const { cf: client, distributionId } = await createTestDistribution(moto.endpoint, 'contract-origin', 'contract')
    cleanup.push(() => client.destroy())
    const provider = await load({ type: 'cloudfront', distributionId, endpoint: moto.endpoint })
    const broken = await load({ type: 'cloudfront', distributionId: 'ENOTFOUND1234', endpoint: moto.endpoint })
    expect(await checkProviderContract({ provider, broken, publicBase })).toEqual([])
  })

  it('cloudflare (the fake purge_cache API)', async () => {
    const config = { type: 'cloudflare' as const, zoneId: cf.zoneId, apiToken: cf.token, baseURL: cf.baseURL, batchSize: 100 }
    const provider = await load(config)
    const broken = await load({ ...config, apiToken: 'wrong-token-0123456789' })
    expect(await checkProviderContract({ provider, broken, publicBase, secrets: [cf.token, 'wrong-token-0123456789'] })).toEqual([])
  })

  it('generic (a recording server)', async () => {
    process.env.CDN_CONTRACT_TOKEN = 'contract-hook-secret'
    const headers = { Authorization: 'Bearer ${CDN_CONTRACT_TOKEN}' }
    const provider = await load({ type: 'generic', url: `${hook.url}/purge`, method: 'POST', headers })
    const broken = await load({ type: 'generic', url: `${refusing.url}/purge`, method: 'POST', headers })
    expect(await checkProviderContract({ provider, broken, publicBase, secrets: ['contract-hook-secret'] })).toEqual([])
    expect(JSON.parse(hook.requests.at(-1)!.body).paths).toEqual(['/app/', '/app/index.html', '/app/docs/é t.html', '/app/assets/*'])
  })

  it('finds the problems of an adapter that breaks it', async () => {
    const leaky: CdnProvider = {
      name: 'leaky',
      invalidate: async () => ({ ids: [], paths: [], requests: 0 }),
      check: async () => {
        throw new Error('token abc-secret-123 rejected')
      },
    }
    expect(
      await checkProviderContract({
        provider: leaky,
        broken: { ...leaky, invalidate: async () => ({ ids: [], paths: ['x'], requests: 1 }) },
        secrets: ['abc-secret-123'],
      }),
    ).toEqual([
      'check() rejected against a working target: Error: token abc-secret-123 rejected',
      "invalidate() must resolve to { paths: string[] }: what was submitted, in the provider's own form (not empty when paths were given)",
      'invalidate() must resolve to { requests }: the API calls that submitted something (at least 1 here)',
      'check()\'s error message contains a secret ("abc…")',
      'invalidate() resolved with a rejected credential or an unknown target: it must reject, saying what to fix',
    ])
    expect(await checkProviderContract({ provider: { name: '', invalidate: leaky.invalidate } as unknown as CdnProvider })).toEqual([
      'the adapter needs invalidate() and check() functions (the config takes it as `provider` only then)',
      'name must be a non-empty string (reports and logs show it)',
    ])
  })
})

/**
 * Adding a provider takes one file: test/helpers/toy-provider.ts, written as
 * src/providers/toy.ts would be, and its name in the list of
 * src/providers/registry.ts — done here by a module mock that appends it, the
 * one line docs/providers.md tells you to add. Everything else picks it up:
 * config validation and "did you mean", env vars, required settings, its
 * invalidation default, `cdn-deploy status`'s wording, the docs table, the
 * contract, and a real deploy (s3rver) that purges through it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { resolveConfig } from '../../src/config/resolve.js'
import { describeProvider, loadProvider, planInvalidationFor, type ProviderInput } from '../../src/providers/index.js'
import { providerTable } from '../../src/providers/lookup.js'
import { checkProviderContract } from '../../src/testing/index.js'
import { startRecordingServer, type RecordingServer } from '../helpers/fake-cloudflare.js'
import { deploy, fixture, removeFixtures, rewrite, TUNING } from '../helpers/deploy.js'
import { startS3rver, type S3TestServer } from '../helpers/s3-servers.js'

vi.mock('../../src/providers/registry.js', async (importOriginal) => {
  const registry = await importOriginal<typeof import('../../src/providers/registry.js')>()
  const toy = (await import('../helpers/toy-provider.js')).default
  return { ...registry, PROVIDERS: [...registry.PROVIDERS, toy] }
})

const BASE = { domain: 'https://cdn.example.com', prefix: 'app/', storage: { bucket: 'toy-bucket' } }
const ENV = { TOY_TOKEN: 'toy-token-0123456789' }
const problems = (file: unknown, env: Record<string, string> = ENV): string[] => {
  try {
    resolveConfig({ file, env })
    return []
  } catch (err) {
    return [...(err as { problems: string[] }).problems]
  }
}

describe('a new provider in one file (the toy)', () => {
  let api: RecordingServer
  let s3: S3TestServer
  beforeAll(async () => {
    ;[api, s3] = await Promise.all([startRecordingServer({ status: 200, body: { id: 'toy-purge-1' } }), startS3rver('toy')])
  })
  afterAll(async () => {
    await Promise.all([api?.stop(), s3?.stop()])
    await removeFixtures()
  })

  it('is configured like the built-in ones: schema, env vars, defaults, required settings', () => {
    const config = resolveConfig({ file: { ...BASE, provider: { type: 'toy' } }, env: { ...ENV, TOY_SERVICE_ID: 'svc-abc123' } })
    expect(config.provider).toEqual({ type: 'toy', serviceId: 'svc-abc123', endpoint: 'https://api.toy-cdn.example', token: ENV.TOY_TOKEN })
    expect(problems({ ...BASE, provider: { type: 'toy', serviceId: 'abc', endpont: 'https://x.example' } })).toEqual([
      'provider.serviceId: "abc" is not a toy service id (like "svc-abc123")',
      'provider.endpont: unknown option (did you mean "endpoint"?)',
    ])
    expect(problems({ ...BASE, provider: { type: 'toy', serviceId: 'svc-1' } }, {})).toEqual(['TOY_TOKEN: required for the toy CDN'])
    expect(problems({ ...BASE, provider: { type: 'toy', apiToken: 'x' } })[0]).toMatch(/^provider\.apiToken: secrets do not belong in the config file/)
    expect(problems({ ...BASE, provider: { type: 'toi' } })).toEqual([
      'provider.type: must be an object whose "type" is one of "cloudfront", "cloudflare", "generic", "none", "toy"',
    ])
  })

  it('has its invalidation default, its status wording and its docs row', () => {
    const rels = Array.from({ length: 30 }, (_, i) => `docs/p${i}.html`)
    expect(planInvalidationFor('toy', rels, { publicBase: 'https://cdn.example.com/app/' }).paths).toEqual(['/app/docs/*']) // 30 > 20
    expect(describeProvider({ type: 'toy', serviceId: 'svc-1', endpoint: api.url, token: 't' } as unknown as ProviderInput)).toBe('toy service svc-1')
    expect(providerTable().split('\n').at(-1)).toBe(
      '| `toy` | Toy CDN | `serviceId`, `endpoint` (`"https://api.toy-cdn.example"`) | `TOY_SERVICE_ID` → `serviceId` | `TOY_TOKEN` | 20 | — |',
    )
  })

  it('keeps the provider contract', async () => {
    const config = (token: string) => ({ type: 'toy', serviceId: 'svc-1', endpoint: api.url, token }) as unknown as ProviderInput
    const provider = (await loadProvider(config(ENV.TOY_TOKEN), { publicBase: 'https://cdn.example.com/app/' }))!
    const refusing = await startRecordingServer({ status: 401, body: {} })
    try {
      const broken = (await loadProvider({ ...config('wrong'), endpoint: refusing.url } as ProviderInput, { publicBase: 'https://cdn.example.com/app/' }))!
      expect(await checkProviderContract({ provider, broken, secrets: [ENV.TOY_TOKEN] })).toEqual([])
    } finally {
      await refusing.stop()
    }
  })

  it("purges a real deploy's changed pages", async () => {
    const config = resolveConfig({
      file: {
        ...BASE,
        storage: { bucket: s3.bucket, endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1' },
        provider: { type: 'toy', serviceId: 'svc-1', endpoint: api.url },
      },
      env: ENV,
    })
    const dir = await fixture({ 'index.html': '<p>1</p>', 'docs/index.html': '<p>d</p>', 'assets/a-Ab12Cd34.js': 'a' }, 'toy')
    await deploy({ dir, config, storage: TUNING, commit: 't', env: {} })
    api.requests.length = 0
    await rewrite(dir, { 'index.html': '<p>1</p>', 'docs/index.html': '<p>d2</p>', 'assets/b-Ef56Gh78.js': 'b' })
    const report = await deploy({ dir, config, storage: TUNING, commit: 't', env: {} })
    // The preflight's check() before any write, then the one purge.
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /services/svc-1', 'POST /services/svc-1/purge'])
    expect(api.requests[1]!.headers.authorization).toBe(`Bearer ${ENV.TOY_TOKEN}`)
    expect(JSON.parse(api.requests[1]!.body)).toEqual({
      urls: ['https://cdn.example.com/app/docs', 'https://cdn.example.com/app/docs/', 'https://cdn.example.com/app/docs/index.html'],
    })
    expect(report.invalidation).toMatchObject({ provider: 'toy', ids: ['toy-purge-1'] })
  })
})

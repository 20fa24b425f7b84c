/**
 * The adapters against real servers on loopback: CloudFront against moto_server
 * (a distribution created here through the SDK), Cloudflare against a local
 * implementation of POST /zones/{zone}/purge_cache, and the generic webhook
 * against a recording server. Paths come from the real planner, so these tests
 * check what a deploy would submit, byte for byte.
 */
import { readdir, readFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import * as cloudFrontSdk from '@aws-sdk/client-cloudfront'
import { CloudFrontClient, GetInvalidationCommand, ListInvalidationsCommand } from '@aws-sdk/client-cloudfront'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CdnDeployError } from '../../src/errors.js'
import { CLOUDFRONT_LIMITS, planInvalidation } from '../../src/plan/invalidation.js'
import { createPlan, type PlanOptions } from '../../src/plan/plan.js'
import { contentTypeFor } from '../../src/plan/content-type.js'
import { looksHashed } from '../../src/plan/rules.js'
import type { LocalFile } from '../../src/plan/types.js'
import { createCloudFrontProvider } from '../../src/providers/cloudfront.js'
import { createInvalidator, loadProvider } from '../../src/providers/index.js'
import { providerTable } from '../../src/providers/lookup.js'
import { PROVIDERS } from '../../src/providers/registry.js'
import type { CdnProvider } from '../../src/providers/types.js'
import packageJson from '../../package.json' with { type: 'json' }
import { startFakeCloudflare, startRecordingServer, type FakeCloudflare, type RecordingServer } from '../helpers/fake-cloudflare.js'
import { startMoto, type S3TestServer } from '../helpers/s3-servers.js'
import { createTestDistribution } from '../helpers/cloudfront.js'

const PUBLIC_BASE = 'https://cdn.example.com/app/'
const plan = (rels: string[], maxPaths = 50, universe?: string[]) =>
  planInvalidation(rels, PUBLIC_BASE, { maxPaths, maxWildcards: CLOUDFRONT_LIMITS.wildcardsInFlight, universe })

async function caught(promise: Promise<unknown>): Promise<CdnDeployError> {
  try {
    await promise
  } catch (err) {
    expect(err).toBeInstanceOf(CdnDeployError)
    return err as CdnDeployError
  }
  throw new Error('expected a rejection')
}

describe('CloudFront against moto_server', () => {
  let moto: S3TestServer
  let cf: CloudFrontClient
  let distributionId: string
  let provider: CdnProvider

  const invalidations = async () => {
    // https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ListInvalidations.html
    const out = await cf.send(new ListInvalidationsCommand({ DistributionId: distributionId, MaxItems: 100 }))
    return out.InvalidationList?.Items ?? []
  }
  const submitted = async (id: string) => {
    // https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetInvalidation.html
    const out = await cf.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: id }))
    return out.Invalidation?.InvalidationBatch?.Paths?.Items ?? []
  }

  beforeAll(async () => {
    moto = await startMoto('cf-origin-bucket')
    ;({ cf, distributionId } = await createTestDistribution(moto.endpoint, 'cf-origin-bucket', 'providers-test'))
    provider = (await loadProvider({ type: 'cloudfront', distributionId, endpoint: moto.endpoint }, { publicBase: PUBLIC_BASE }))!
  })
  afterAll(async () => {
    cf?.destroy()
    await moto?.stop()
  })

  it('loads lazily through the registry and checks the distribution', async () => {
    expect(provider.name).toBe('cloudfront')
    await expect(provider.check()).resolves.toBeUndefined()
    const missing = (await loadProvider({ type: 'cloudfront', distributionId: 'ENOTFOUND1234', endpoint: moto.endpoint }, { publicBase: PUBLIC_BASE }))!
    const err = await caught(missing.check())
    expect(err.message).toBe('[cdn-deploy] [cloudfront] distribution ENOTFOUND1234 not found (check provider.distributionId and provider.endpoint)')
  })

  it('a changed index.html at the root and in a sub-directory: the files and their directory URLs', async () => {
    const before = (await invalidations()).length
    const result = await provider.invalidate(plan(['index.html', 'docs/index.html']).paths, { release: 'r-index', publicBase: PUBLIC_BASE })
    expect(result.requests).toBe(1)
    expect(await submitted(result.ids[0]!)).toEqual(['/app', '/app/', '/app/docs', '/app/docs/', '/app/docs/index.html', '/app/index.html'])
    expect((await invalidations()).length).toBe(before + 1)
  })

  it('unicode and spaces in names are percent-encoded, reserved characters are not', async () => {
    const rels = ['ünï cödé/naïve file.html', 'docs/a b/index.html', '日本/page.html', 'odd/a@b+c~[1].html']
    const result = await provider.invalidate(plan(rels).paths, { release: 'r-unicode', publicBase: PUBLIC_BASE })
    expect(await submitted(result.ids[0]!)).toEqual([
      '/app/docs/a%20b',
      '/app/docs/a%20b/',
      '/app/docs/a%20b/index.html',
      '/app/odd/a@b+c%7E%5B1%5D.html',
      '/app/%C3%BCn%C3%AF%20c%C3%B6d%C3%A9/na%C3%AFve%20file.html',
      '/app/%E6%97%A5%E6%9C%AC/page.html',
    ])
  })

  it('a hashed-only change yields no path, and no path means no call at all', async () => {
    const sha = (s: string) => createHash('sha256').update(s).digest('hex')
    const file = (rel: string, content = rel): LocalFile => ({
      rel,
      path: `/dist/${rel}`,
      size: content.length,
      sha256: sha(content),
      contentType: contentTypeFor(rel),
      immutable: looksHashed(rel),
    })
    const options: PlanOptions = { prefix: 'app/', cacheControl: [], retain: { releases: 3, days: 7 }, release: 'r1', now: new Date('2026-01-01T00:00:00Z') }
    const v1 = [file('index.html'), file('assets/index-Bx12abcd.js'), file('robots.txt')]
    const { pendingInvalidations: _, ...ledger } = createPlan(v1, undefined, options).ledger
    // A new lazy chunk appears; nothing mutable changes.
    const v2 = [...v1, file('assets/chunk-Zq98wxyz.js')]
    const deploy = createPlan(v2, ledger, { ...options, release: 'r2', now: new Date('2026-01-02T00:00:00Z') })
    expect(deploy.uploads.map((u) => u.rel)).toEqual(['assets/chunk-Zq98wxyz.js'])
    expect(deploy.invalidate).toEqual([])
    const paths = plan(deploy.invalidate).paths
    expect(paths).toEqual([])

    const before = (await invalidations()).length
    expect(await provider.invalidate(paths, { release: 'r2', publicBase: PUBLIC_BASE })).toEqual({ ids: [], paths: [], requests: 0 })
    expect((await invalidations()).length).toBe(before)
  })

  it('more changed files than the threshold: collapsed into a wildcard that spares the assets', async () => {
    const pages = Array.from({ length: 80 }, (_, i) => `docs/page-${i}.html`)
    const universe = [...pages, 'index.html', 'docs/index.html', ...Array.from({ length: 40 }, (_, i) => `assets/chunk-${i}Ab3dE9fG.js`)]
    const p = plan(['index.html', 'docs/index.html', ...pages], 50, universe)
    expect(p.collapsed).toBe(true)
    const result = await provider.invalidate(p.paths, { release: 'r-many', publicBase: PUBLIC_BASE })
    expect(await submitted(result.ids[0]!)).toEqual(['/app', '/app/', '/app/docs', '/app/docs/*', '/app/index.html'])
  })

  it('each purge is one CreateInvalidation per batch, under a CallerReference of its own', async () => {
    const reference = async (id: string) => {
      // https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetInvalidation.html
      const out = await cf.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: id }))
      return out.Invalidation?.InvalidationBatch?.CallerReference
    }
    const paths = plan(['index.html', 'about/index.html']).paths
    const before = (await invalidations()).length
    const first = await provider.invalidate(paths, { release: 'r-again', publicBase: PUBLIC_BASE })
    // The same paths for the same release again (the next deploy retrying pending paths): a new purge.
    const again = await provider.invalidate(paths, { release: 'r-again', publicBase: PUBLIC_BASE })
    expect([first.requests, again.requests]).toEqual([1, 1])
    expect(again.ids[0]).not.toBe(first.ids[0])
    expect((await invalidations()).length).toBe(before + 2)
    const refs = [await reference(first.ids[0]!), await reference(again.ids[0]!)]
    expect(refs[0]).toMatch(/^cdn-deploy:r-again:0:[0-9a-f-]{36}$/)
    expect(refs[1]).not.toBe(refs[0])
  })

  it('splits more than 3,000 paths into batches', async () => {
    const rels = Array.from({ length: 3500 }, (_, i) => `bulk/f${i}.txt`)
    const paths = planInvalidation(rels, PUBLIC_BASE, { maxPaths: 10_000 }).paths
    const before = (await invalidations()).length
    const result = await provider.invalidate(paths, { release: 'r-bulk', publicBase: PUBLIC_BASE })
    expect(result.requests).toBe(2)
    expect((await submitted(result.ids[0]!)).length).toBe(3000)
    expect((await submitted(result.ids[1]!)).length).toBe(500)
    expect((await invalidations()).length).toBe(before + 2)
  })

  it('status is normalised (moto says COMPLETED) and wait resolves once complete', async () => {
    const { ids } = await provider.invalidate(['/app/wait.html'], { release: 'r-wait', publicBase: PUBLIC_BASE })
    expect(await provider.status!(ids[0]!)).toBe('Completed')
    await expect(provider.wait!(ids, 5000)).resolves.toBeUndefined()
  })

  it('AWS_ENDPOINT_URL_CLOUDFRONT keeps working when provider.endpoint is unset', async () => {
    const saved = process.env.AWS_ENDPOINT_URL_CLOUDFRONT
    process.env.AWS_ENDPOINT_URL_CLOUDFRONT = moto.endpoint
    try {
      const viaEnv = (await loadProvider({ type: 'cloudfront', distributionId }, { publicBase: PUBLIC_BASE }))!
      await expect(viaEnv.check()).resolves.toBeUndefined()
      const { ids } = await viaEnv.invalidate(['/app/env.html'], { release: 'r-env', publicBase: PUBLIC_BASE })
      expect(await submitted(ids[0]!)).toEqual(['/app/env.html'])
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_CLOUDFRONT
      else process.env.AWS_ENDPOINT_URL_CLOUDFRONT = saved
    }
  })
})

describe('CloudFront busy distribution (scripted client)', () => {
  const busy = () => Object.assign(new Error('Your request contains too many invalidations.'), { name: 'TooManyInvalidationsInProgress' })

  function scripted(failures: number) {
    const calls: Array<{ command: string; input: Record<string, unknown> }> = []
    const client = {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        const name = command.constructor.name
        calls.push({ command: name, input: command.input })
        if (name === 'CreateInvalidationCommand') {
          if (calls.filter((c) => c.command === name).length <= failures) throw busy()
          return { Invalidation: { Id: 'I-OK', Status: 'InProgress' } }
        }
        if (name === 'GetInvalidationCommand') return { Invalidation: { Id: 'I-OK', Status: 'InProgress' } }
        throw new Error(`unexpected ${name}`)
      },
    }
    return { calls, client: client as never }
  }

  it('backs off on TooManyInvalidationsInProgress and retries with the same CallerReference', async () => {
    const { calls, client } = scripted(2)
    const p = createCloudFrontProvider(
      { type: 'cloudfront', distributionId: 'E2EXAMPLE1' },
      { publicBase: PUBLIC_BASE },
      { client, retryBaseDelayMs: 5 },
      cloudFrontSdk,
    )
    const result = await p.invalidate(['/app/index.html'], { release: 'r1', publicBase: PUBLIC_BASE })
    expect(result).toEqual({ ids: ['I-OK'], paths: ['/app/index.html'], requests: 1 })
    const creates = calls.filter((c) => c.command === 'CreateInvalidationCommand')
    expect(creates).toHaveLength(3)
    const refs = creates.map((c) => (c.input.InvalidationBatch as { CallerReference: string }).CallerReference)
    expect(new Set(refs).size).toBe(1)
  })

  it('gives up after busyTimeoutMs with a message that says what happens next', async () => {
    const { client } = scripted(Infinity)
    const p = createCloudFrontProvider(
      { type: 'cloudfront', distributionId: 'E2EXAMPLE1' },
      { publicBase: PUBLIC_BASE },
      { client, retryBaseDelayMs: 5, busyTimeoutMs: 60 },
      cloudFrontSdk,
    )
    const err = await caught(p.invalidate(['/app/index.html'], { release: 'r1', publicBase: PUBLIC_BASE }))
    expect(err.message).toMatch(/too many invalidations still in progress on distribution E2EXAMPLE1 .*next deploy retries them/)
  })

  it('wait times out on an invalidation that stays InProgress', async () => {
    const { client } = scripted(0)
    const p = createCloudFrontProvider(
      { type: 'cloudfront', distributionId: 'E2EXAMPLE1' },
      { publicBase: PUBLIC_BASE },
      { client, pollIntervalMs: 10 },
      cloudFrontSdk,
    )
    const err = await caught(p.wait!(['I-OK'], 50))
    expect(err.message).toMatch(/invalidation I-OK on distribution E2EXAMPLE1 still in progress after 0 s/)
  })
})

describe('Cloudflare against a local purge_cache endpoint', () => {
  let cf: FakeCloudflare
  const config = (over: Record<string, unknown> = {}) => ({
    type: 'cloudflare' as const,
    zoneId: cf.zoneId,
    apiToken: cf.token,
    baseURL: cf.baseURL,
    batchSize: 100,
    ...over,
  })

  beforeAll(async () => {
    cf = await startFakeCloudflare()
  })
  afterAll(async () => {
    await cf?.stop()
  })

  it('250 URLs: three calls of at most 100 full URLs, after honouring a 429 Retry-After', async () => {
    cf.requests.length = 0
    cf.script.push({ status: 429, headers: { 'retry-after': '1' } })
    const rels = Array.from({ length: 250 }, (_, i) => `pages/p${String(i).padStart(3, '0')}.html`)
    const paths = planInvalidation(rels, PUBLIC_BASE, { maxPaths: 1000 }).paths
    const provider = (await loadProvider(config(), { publicBase: PUBLIC_BASE }, { retryBaseDelayMs: 5 }))!
    expect(provider.name).toBe('cloudflare')

    const result = await provider.invalidate(paths, { release: 'r1', publicBase: PUBLIC_BASE })

    const posts = cf.requests.filter((r) => r.method === 'POST')
    expect(posts).toHaveLength(4) // the rate-limited call, then the same call again, then two more
    expect(posts[1]!.body).toBe(posts[0]!.body)
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(950) // Retry-After: 1 honoured
    const bodies = cf.purges().slice(1)
    expect(bodies.map((b) => b.files?.length)).toEqual([100, 100, 50])
    expect(bodies.flatMap((b) => b.files)).toEqual(rels.map((r) => `https://cdn.example.com/app/${r}`))
    expect(result).toMatchObject({ requests: 3, ids: ['purge-1', 'purge-2', 'purge-3'] })
    for (const r of cf.requests) expect(r.headers.authorization).toBe(`Bearer ${cf.token}`)
  })

  it('a smaller batchSize, unicode names in both URL forms, and wildcards as prefixes', async () => {
    cf.requests.length = 0
    const provider = (await loadProvider(config({ batchSize: 2 }), { publicBase: PUBLIC_BASE }))!
    await provider.invalidate(['/app/a b@c.html', '/app/docs/*', '/app/é.html', '/app/x*'], { release: 'r2', publicBase: PUBLIC_BASE })
    expect(cf.purges()).toEqual([
      { files: ['https://cdn.example.com/app/a%20b@c.html', 'https://cdn.example.com/app/a%20b%40c.html'] },
      { files: ['https://cdn.example.com/app/%C3%A9.html'] },
      { prefixes: ['cdn.example.com/app/docs', 'cdn.example.com/app'] },
    ])
  })

  it('no paths: no call', async () => {
    cf.requests.length = 0
    const provider = (await loadProvider(config(), { publicBase: PUBLIC_BASE }))!
    expect(await provider.invalidate([], { release: 'r3', publicBase: PUBLIC_BASE })).toEqual({ ids: [], paths: [], requests: 0 })
    expect(cf.requests).toHaveLength(0)
  })

  it('a rejected token fails with the fix, and the token never appears (even when the server echoes it)', async () => {
    const wrong = 'wrong-token-abcdef123456'
    const provider = (await loadProvider(config({ apiToken: wrong }), { publicBase: PUBLIC_BASE }))!
    const err = await caught(provider.invalidate(['/app/index.html'], { release: 'r4', publicBase: PUBLIC_BASE }))
    expect(err.message).toMatch(/^\[cdn-deploy\] \[cloudflare\] purge_cache on zone \w+ failed \(HTTP 403, code 10000: Authentication error/)
    expect(err.message).toContain('"Zone > Cache Purge" permission')
    expect(err.message).not.toContain(wrong)
    expect(err.message).not.toContain(cf.token)
  })

  it('keeps retrying 5xx up to maxAttempts, then fails naming the status', async () => {
    cf.requests.length = 0
    for (let i = 0; i < 3; i++)
      cf.script.push({ status: 503, body: { success: false, errors: [{ code: 10001, message: 'service unavailable' }], messages: [], result: null } })
    const provider = (await loadProvider(config(), { publicBase: PUBLIC_BASE }, { retryBaseDelayMs: 5, maxAttempts: 3 }))!
    const err = await caught(provider.invalidate(['/app/index.html'], { release: 'r5', publicBase: PUBLIC_BASE }))
    expect(err.message).toContain('HTTP 503, code 10001: service unavailable')
    expect(cf.requests).toHaveLength(3)
  })

  it('check: a known zone passes, an unknown one names the setting to fix', async () => {
    const ok = (await loadProvider(config(), { publicBase: PUBLIC_BASE }))!
    await expect(ok.check()).resolves.toBeUndefined()
    const other = (await loadProvider(config({ zoneId: 'f'.repeat(32) }), { publicBase: PUBLIC_BASE }))!
    const err = await caught(other.check())
    expect(err.message).toContain('check provider.zoneId or CLOUDFLARE_ZONE_ID')
  })
})

describe('generic webhook against a recording server', () => {
  let hook: RecordingServer
  beforeAll(async () => {
    hook = await startRecordingServer({ status: 200, body: { id: 'job-1' } })
  })
  afterAll(async () => {
    await hook?.stop()
  })

  it('sends { release, paths, urls } with env-resolved headers, retrying a 503', async () => {
    hook.requests.length = 0
    hook.script.push({ status: 503, body: { error: 'busy' } })
    process.env.CDN_HOOK_TOKEN = 'hook-secret-42'
    try {
      const provider = (await loadProvider(
        { type: 'generic', url: `${hook.url}/purge`, method: 'POST', headers: { Authorization: 'Bearer ${CDN_HOOK_TOKEN}', 'X-Site': 'docs' } },
        { publicBase: PUBLIC_BASE },
        { retryBaseDelayMs: 5 },
      ))!
      const result = await provider.invalidate(['/app/', '/app/é t.html', '/app/docs/*'], { release: 'r1', publicBase: PUBLIC_BASE })
      expect(result).toEqual({
        ids: ['job-1'],
        paths: ['https://cdn.example.com/app/', 'https://cdn.example.com/app/%C3%A9%20t.html', 'https://cdn.example.com/app/docs/*'],
        requests: 1,
      })
    } finally {
      delete process.env.CDN_HOOK_TOKEN
    }
    expect(hook.requests).toHaveLength(2)
    const last = hook.requests[1]!
    expect(last).toMatchObject({ method: 'POST', path: '/purge' })
    expect(last.headers.authorization).toBe('Bearer hook-secret-42')
    expect(last.headers['x-site']).toBe('docs')
    expect(last.headers['content-type']).toBe('application/json')
    expect(JSON.parse(last.body)).toEqual({
      release: 'r1',
      paths: ['/app/', '/app/é t.html', '/app/docs/*'],
      urls: ['https://cdn.example.com/app/', 'https://cdn.example.com/app/%C3%A9%20t.html', 'https://cdn.example.com/app/docs/*'],
    })
  })

  it('a missing env var fails before any request, naming the variable', async () => {
    hook.requests.length = 0
    delete process.env.CDN_HOOK_MISSING
    const provider = (await loadProvider(
      { type: 'generic', url: hook.url, method: 'PUT', headers: { 'X-Key': '${CDN_HOOK_MISSING}' } },
      { publicBase: PUBLIC_BASE },
    ))!
    const err = await caught(provider.invalidate(['/app/index.html'], { release: 'r2', publicBase: PUBLIC_BASE }))
    expect(err.message).toContain('provider.headers.X-Key references ${CDN_HOOK_MISSING}, which is not set')
    expect(hook.requests).toHaveLength(0)
  })

  it('a non-2xx answer fails clearly without echoing secrets; PUT is honoured', async () => {
    hook.requests.length = 0
    process.env.CDN_HOOK_TOKEN = 'hook-secret-43'
    hook.script.push({ status: 400, body: { error: 'bad request from Bearer hook-secret-43' } })
    try {
      const provider = (await loadProvider(
        { type: 'generic', url: `${hook.url}/hook?key=query-secret-1`, method: 'PUT', headers: { Authorization: 'Bearer ${CDN_HOOK_TOKEN}' } },
        { publicBase: PUBLIC_BASE },
      ))!
      const err = await caught(provider.invalidate(['/app/index.html'], { release: 'r3', publicBase: PUBLIC_BASE }))
      expect(err.message).toMatch(/^\[cdn-deploy\] \[generic\] webhook PUT http:\/\/127\.0\.0\.1:\d+\/hook answered HTTP 400/)
      expect(err.message).not.toContain('hook-secret-43')
      expect(err.message).not.toContain('query-secret-1')
    } finally {
      delete process.env.CDN_HOOK_TOKEN
    }
    expect(hook.requests.map((r) => r.method)).toEqual(['PUT'])
  })

  it('an unreachable webhook fails after its retries', async () => {
    const dead = await startRecordingServer()
    const url = dead.url
    await dead.stop()
    const provider = (await loadProvider(
      { type: 'generic', url, method: 'POST', headers: {} },
      { publicBase: PUBLIC_BASE },
      { retryBaseDelayMs: 5, maxAttempts: 2 },
    ))!
    const err = await caught(provider.invalidate(['/app/index.html'], { release: 'r4', publicBase: PUBLIC_BASE }))
    expect(err.message).toMatch(/unreachable after 2 attempts: ECONNREFUSED/)
  })
})

describe('registry', () => {
  it('none loads nothing; a custom adapter is used as is', async () => {
    expect(await loadProvider({ type: 'none' }, { publicBase: PUBLIC_BASE })).toBeUndefined()
    const custom: CdnProvider = { name: 'fastly', invalidate: async (paths) => ({ ids: ['x'], paths: [...paths], requests: 1 }), check: async () => {} }
    expect(await loadProvider(custom, { publicBase: PUBLIC_BASE })).toBe(custom)
  })

  it("createInvalidator: rels → planned paths with the provider's default threshold; nothing changed → no call; a slow wait does not fail the purge", async () => {
    const received: string[][] = []
    const adapter: CdnProvider = {
      name: 'cloudfront',
      invalidate: async (paths) => (received.push([...paths]), { ids: ['I1'], paths: [...paths], requests: 1 }),
      wait: async () => {
        throw new Error('still in progress')
      },
      check: async () => {},
    }
    const pages = Array.from({ length: 60 }, (_, i) => `docs/p${i}.html`)
    const invalidator = createInvalidator(adapter, { publicBase: PUBLIC_BASE, waitMs: 10 })
    const result = await invalidator.invalidate(pages, 'r1', [...pages, 'assets/a-Bx12abcd.js'])
    expect(received).toEqual([['/app/docs/*']]) // 60 > 50, CloudFront's default
    expect(result).toMatchObject({ ids: ['I1'], paths: ['/app/docs/*'], waitError: 'still in progress' })
    expect(await invalidator.invalidate([], 'r2')).toMatchObject({ ids: [], paths: [] })
    expect(received).toHaveLength(1)
    const few = await createInvalidator({ ...adapter, name: 'cloudflare' }, { publicBase: PUBLIC_BASE }).invalidate(pages, 'r3')
    expect(few.paths).toHaveLength(60) // Cloudflare's threshold is 500
  })

  const pkg = packageJson as unknown as Record<'peerDependencies' | 'devDependencies', Record<string, string>> & {
    peerDependenciesMeta: Record<string, { optional?: boolean }>
  }

  it('no module imports an optional SDK statically: each is imported when its provider (or presignS3Url) is used', async () => {
    const optional = Object.keys(pkg.peerDependenciesMeta).filter((name) => pkg.peerDependenciesMeta[name]!.optional && !['vite', 'rollup'].includes(name))
    expect(optional.sort()).toEqual(['@aws-sdk/client-cloudfront', '@aws-sdk/s3-request-presigner', 'cloudflare'])
    const files = (await readdir(new URL('../../src/', import.meta.url), { recursive: true })).filter((f) => f.endsWith('.ts'))
    for (const file of files) {
      const source = await readFile(new URL(`../../src/${file}`, import.meta.url), 'utf8')
      for (const name of optional) {
        // `import x from`, `import { a,\n b } from`, `import * as x from`, `import 'name'`; not `import type`, not `import('name')`.
        const valueImport = new RegExp(`^\\s*import\\s+(?!type\\s)(?:(?:[\\w$*\\s,]*\\{[^}]*\\}|[\\w$*\\s,]+?)\\s*from\\s*)?'${name}'`, 'm')
        expect(valueImport.test(source), `${file} imports ${name}`).toBe(false)
      }
    }
  })

  it('docs/providers.md has the table the definitions give (npm run docs:providers rewrites it)', async () => {
    const docs = await readFile(new URL('../../docs/providers.md', import.meta.url), 'utf8')
    const table = docs.slice(docs.indexOf('\n', docs.indexOf('<!-- providers-table')) + 1, docs.indexOf('<!-- /providers-table -->')).trim()
    expect(table).toBe(providerTable())
  })

  it('the peer ranges in the code are the ones package.json declares, and they cover what the tests install', () => {
    const declared = (name: string) => pkg.peerDependencies[name]
    for (const definition of PROVIDERS) {
      if (!('peer' in definition) || !definition.peer) continue
      expect(definition.peer.range, definition.type).toBe(declared(definition.peer.name))
      expect(definition.peer.range, definition.type).toBe(`^${pkg.devDependencies[definition.peer.name]}`)
    }
    expect(pkg.peerDependencies['@aws-sdk/s3-request-presigner']).toBe(`^${pkg.devDependencies['@aws-sdk/s3-request-presigner']}`)
  })
})

/**
 * Step 5 of a deploy against moto_server, which serves both S3 and CloudFront:
 * a changed index.html is purged under the base path (`/app/` and
 * `/app/index.html`), a hashed-only change purges nothing, and a failed purge
 * fails the deploy loudly while the release stands and the paths stay pending
 * in the ledger for the next deploy to purge.
 */
import { CloudFrontClient, GetInvalidationCommand, ListInvalidationsCommand } from '@aws-sdk/client-cloudfront'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CdnDeployError } from '../../src/errors.js'
import { startRecordingProxy } from '../helpers/recording-proxy.js'
import { at, fixture, getObject, readLedgerObject, removeFixtures, rewrite, targetConfig, TUNING, type Tree, deploy } from '../helpers/deploy.js'
import { startMoto, type S3TestServer } from '../helpers/s3-servers.js'
import { createTestDistribution } from '../helpers/cloudfront.js'

describe('invalidation during a deploy (CloudFront on moto_server)', () => {
  let moto: S3TestServer
  let cf: CloudFrontClient
  let distributionId: string

  beforeAll(async () => {
    moto = await startMoto('cf-site')
    ;({ cf, distributionId } = await createTestDistribution(moto.endpoint, 'cf-site', 'deploy-test'))
  })
  afterAll(async () => {
    cf?.destroy()
    await moto?.stop()
    await removeFixtures()
  })

  /** Invalidation ids on the distribution, and the paths each one carried. */
  async function invalidations(): Promise<Map<string, string[]>> {
    // https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ListInvalidations.html
    const list = await cf.send(new ListInvalidationsCommand({ DistributionId: distributionId, MaxItems: 100 }))
    const out = new Map<string, string[]>()
    for (const item of list.InvalidationList?.Items ?? []) {
      // https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetInvalidation.html
      const got = await cf.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: item.Id! }))
      out.set(item.Id!, [...(got.Invalidation?.InvalidationBatch?.Paths?.Items ?? [])].sort())
    }
    return out
  }
  const newIds = (before: Map<string, string[]>, after: Map<string, string[]>) => [...after.keys()].filter((id) => !before.has(id))

  it('purges changed HTML under the base path, nothing for hashed-only changes, and retries a failed purge on the next deploy', async () => {
    const prefix = 'app/'
    const config = (cfEndpoint: string) =>
      targetConfig({
        endpoint: moto.endpoint,
        bucket: moto.bucket,
        prefix,
        domain: 'https://cdn.example.com',
        provider: { type: 'cloudfront', distributionId, endpoint: cfEndpoint },
      })
    const site = (html: string, extra: Tree = {}): Tree => ({
      'index.html': html,
      'about/index.html': '<p>about</p>',
      'assets/app-Aa11Bb22.js': 'app()',
      ...extra,
    })
    const dir = await fixture(site('<p>v1</p>'))
    const run = (n: number, cfEndpoint = moto.endpoint) => deploy({ dir, config: config(cfEndpoint), storage: TUNING, now: at(n), env: {}, commit: `c${n}` })

    // 1: first deploy. New mutable URLs are purged too (a CDN may hold a cached 404 for them).
    let before = await invalidations()
    const r1 = await run(1)
    let after = await invalidations()
    expect(newIds(before, after)).toEqual(r1.invalidation.ids)
    expect(r1.invalidation.ids).toHaveLength(1)
    expect(after.get(r1.invalidation.ids[0]!)).toEqual(expect.arrayContaining(['/app/', '/app/index.html', '/app/about/', '/app/about/index.html']))
    expect(after.get(r1.invalidation.ids[0]!)!.some((p) => p.includes('assets'))).toBe(false)
    let ledger = await readLedgerObject(moto.client, moto.bucket, prefix)
    expect(ledger!.releases[0]!.invalidations).toEqual(r1.invalidation.ids)
    expect(ledger!.pendingInvalidations ?? []).toEqual([])

    // 2: index.html changes (it now names a new hashed chunk): exactly its URLs are purged.
    await rewrite(dir, site('<p>v2</p><script src="/assets/b-Cc33Dd44.js"></script>', { 'assets/b-Cc33Dd44.js': 'b()' }))
    before = after
    const r2 = await run(2)
    after = await invalidations()
    const [id2] = newIds(before, after)
    expect(newIds(before, after)).toEqual([id2])
    const paths2 = after.get(id2!)!
    expect(paths2).toEqual(expect.arrayContaining(['/app/', '/app/index.html']))
    expect(paths2.filter((p) => !['/app', '/app/', '/app/index.html'].includes(p))).toEqual([])
    expect(r2.invalidation.ids).toEqual([id2])

    // 3: a hashed-only change (a new content-hashed file): new URL, nothing to purge.
    await rewrite(dir, site('<p>v2</p><script src="/assets/b-Cc33Dd44.js"></script>', { 'assets/b-Cc33Dd44.js': 'b()', 'assets/c-Ee55Ff66.js': 'c()' }))
    before = after
    const r3 = await run(3)
    after = await invalidations()
    expect(r3.uploaded.files.map((f) => f.rel)).toEqual(['assets/c-Ee55Ff66.js'])
    expect(r3.committed).toBe(true)
    expect(newIds(before, after)).toEqual([])
    expect(r3.invalidation.ids).toEqual([])

    // 4: the purge fails (CloudFront answers 500 to CreateInvalidation; the check before the
    // first write passed): the deploy fails and says the release is live.
    await rewrite(dir, site('<p>v4</p>', { 'assets/b-Cc33Dd44.js': 'b()', 'assets/c-Ee55Ff66.js': 'c()' }))
    before = after
    const cfProxy = await startRecordingProxy(moto.endpoint, 'none')
    cfProxy.fault = (r) => (r.method === 'POST' && r.url.includes('/invalidation') ? 'internal' : undefined)
    const error = await run(4, cfProxy.endpoint).then(
      () => undefined,
      (e: Error) => e,
    )
    await cfProxy.stop()
    expect(error).toBeInstanceOf(CdnDeployError)
    expect(error!.message).toMatch(
      /^\[cdn-deploy\] \[deploy\] release \S+ is live, but invalidation failed: \[cdn-deploy\] \[cloudfront\] CreateInvalidation on distribution \S+ failed: .*; the next deploy retries the 1 pending paths/,
    )
    expect((await getObject(moto.client, moto.bucket, `${prefix}index.html`))!.bytes.toString()).toBe('<p>v4</p>')
    ledger = await readLedgerObject(moto.client, moto.bucket, prefix)
    expect(ledger!.releases).toHaveLength(4)
    expect(error!.message).toContain(`release ${ledger!.releases[3]!.id} is live`)
    expect(ledger!.pendingInvalidations).toEqual(['index.html'])
    expect(newIds(before, await invalidations())).toEqual([])

    // 5: the next deploy (valid id, no file change) purges what was pending, then clears it.
    const r5 = await run(5)
    after = await invalidations()
    const [id5] = newIds(before, after)
    expect(newIds(before, after)).toEqual([id5])
    expect(after.get(id5!)).toEqual(expect.arrayContaining(['/app/', '/app/index.html']))
    expect(r5.uploaded.count).toBe(0)
    expect(r5.invalidation.ids).toEqual([id5])
    ledger = await readLedgerObject(moto.client, moto.bucket, prefix)
    expect(ledger!.pendingInvalidations ?? []).toEqual([])
    expect(ledger!.releases.at(-1)!.invalidations).toEqual([id5])

    // 6: and then a redeploy of the same build is a no-op again: nothing pending, no purge.
    before = after
    const r6 = await run(6)
    expect(r6.committed).toBe(false)
    expect(newIds(before, await invalidations())).toEqual([])
  })
})

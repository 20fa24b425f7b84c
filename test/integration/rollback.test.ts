/**
 * Rollback (issue 14.1) on moto (with its CloudFront) and s3rver: three
 * releases, then `rollback` serves the second again byte for byte (HTML and
 * headers), as a new release that says so, purging exactly the restored URLs;
 * then the first, explicitly; a bucket polled all along never serves a page that
 * references a missing object; a release whose files retention pruned is
 * refused; a dry run writes nothing; `releases` marks what can be rolled back.
 */
import { GetInvalidationCommand, ListInvalidationsCommand, type CloudFrontClient } from '@aws-sdk/client-cloudfront'
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { releaseRows } from '../../src/cli/releases.js'
import { rollbackWith, type RollbackOptions } from '../../src/deploy/lazy.js'
import type { DeployInternals } from '../../src/deploy/options.js'
import { createTestDistribution } from '../helpers/cloudfront.js'
import {
  at,
  deploy,
  exists,
  fixture,
  getObject,
  readLedgerObject,
  removeFixtures,
  rewrite,
  sha256,
  targetConfig,
  TUNING,
  type Tree,
} from '../helpers/deploy.js'
import { startRecordingProxy, writes, type RecordingProxy } from '../helpers/recording-proxy.js'
import { startMoto, startS3rver, type S3TestServer } from '../helpers/s3-servers.js'
import { tempDir } from '../helpers/build.js'
import { baseEnv, registerS3rverKey, runCli } from '../helpers/cli.js'

const page = (n: number, asset: string) => `<!doctype html><p>release ${n}</p><script type="module" src="/app/assets/${asset}"></script>`
const R1: Tree = {
  'index.html': page(1, 'app-Aa11Bb22.js'),
  'about/index.html': '<p>about 1</p>',
  'assets/app-Aa11Bb22.js': 'app(1)',
  'robots.txt': 'User-agent: *',
}
const R2: Tree = {
  'index.html': page(2, 'app-Cc33Dd44.js'),
  'about/index.html': '<p>about 2</p>',
  'assets/app-Cc33Dd44.js': 'app(2)',
  'robots.txt': 'User-agent: *\nDisallow: /2',
  'new.html': '<p>new in 2</p>',
}
const R3: Tree = {
  'index.html': page(3, 'app-Ee55Ff66.js'),
  'about/index.html': '<p>about 2</p>',
  'assets/app-Ee55Ff66.js': 'app(3)',
  'robots.txt': 'User-agent: *\nDisallow: /2',
}
const PAGES = ['index.html', 'about/index.html', 'robots.txt', 'new.html']

describe.each([
  { name: 's3rver', start: startS3rver, cloudfront: false },
  { name: 'moto', start: startMoto, cloudfront: true },
])('rollback on $name', ({ start, cloudfront }) => {
  let server: S3TestServer
  let proxy: RecordingProxy
  let cf: CloudFrontClient | undefined
  let distributionId = ''
  beforeAll(async () => {
    server = await start()
    proxy = await startRecordingProxy(server.endpoint, server.bucket)
    if (cloudfront) ({ cf, distributionId } = await createTestDistribution(server.endpoint, server.bucket, 'rollback-test'))
  })
  afterAll(async () => {
    cf?.destroy()
    await proxy?.stop()
    await server?.stop()
    await removeFixtures()
  })

  const config = (prefix: string, retain = { releases: 3, days: 0 }) =>
    targetConfig({
      endpoint: proxy.endpoint,
      bucket: server.bucket,
      prefix,
      retain,
      ...(cloudfront ? { provider: { type: 'cloudfront', distributionId, endpoint: server.endpoint } } : {}),
    })
  const back = (options: RollbackOptions, internals: DeployInternals = {}) => rollbackWith(options, { storage: TUNING, env: {}, ...internals })

  /** What visitors get by a fixed URL: bytes and headers. */
  async function served(prefix: string): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {}
    for (const rel of PAGES) {
      const got = await getObject(server.client, server.bucket, prefix + rel)
      out[rel] = got && { sha256: sha256(got.bytes), type: got.contentType, cache: got.cacheControl, encoding: got.contentEncoding, meta: got.metadata.sha256 }
    }
    return out
  }

  /** Paths of the CloudFront invalidations created since `before` (moto). */
  async function purgedSince(before: number): Promise<string[][]> {
    // https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ListInvalidations.html
    const list = await cf!.send(new ListInvalidationsCommand({ DistributionId: distributionId, MaxItems: 100 }))
    const items = list.InvalidationList?.Items ?? []
    const out: string[][] = []
    for (const item of items.slice(before)) {
      // moto lists them oldest first
      // https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetInvalidation.html
      const got = await cf!.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: item.Id! }))
      out.push([...(got.Invalidation?.InvalidationBatch?.Paths?.Items ?? [])].sort())
    }
    return out
  }
  const invalidationCount = async () =>
    cloudfront ? ((await cf!.send(new ListInvalidationsCommand({ DistributionId: distributionId, MaxItems: 100 }))).InvalidationList?.Items ?? []).length : 0

  it('serves an earlier release again, byte for byte, as a new release, purging exactly what it restored; a polled bucket never serves a page pointing at a missing object', async () => {
    const prefix = 'app/'
    const dir = await fixture(R1)
    const states: Array<Record<string, unknown>> = []
    const ids: string[] = []
    for (const [n, tree] of [R1, R2, R3].entries()) {
      await rewrite(dir, tree)
      ids.push((await deploy({ dir, config: config(prefix), storage: TUNING, now: at(n), env: {}, commit: `c${n + 1}` })).release)
      states.push(await served(prefix))
    }
    expect(
      releaseRows((await readLedgerObject(server.client, server.bucket, prefix))!.releases.slice().reverse(), ids[2]).map((r) => r.split(/\s{2,}/)[5]),
    ).toEqual(['ROLLBACK', 'live', 'yes', 'yes'])

    // A dry run says what would come back and writes nothing.
    proxy.clear()
    const plan = await back({ config: config(prefix), dryRun: true })
    expect(plan.rollbackOf).toBe(ids[1])
    expect(plan.uploaded.files.map((f) => f.rel)).toEqual(['index.html'])
    expect(writes(proxy.requests)).toEqual([])

    // Rollback to the previous release (the default), with a poller reading every page and what it references.
    const before = await invalidationCount()
    let polls = 0
    let stop = false
    const broken: string[] = []
    const poller = (async () => {
      while (!stop) {
        const html = await getObject(server.client, server.bucket, `${prefix}index.html`)
        // s3rver replaces an object's file non-atomically: a GET during the copy may find none, or an empty one
        // (S3 and moto replace atomically). Such a read shows no page at all, so it proves nothing either way.
        if (!html?.bytes.length) continue
        for (const [, path] of html.bytes.toString().matchAll(/src="\/(app\/assets\/[^"]+)"/g))
          if (!(await exists(server.client, server.bucket, path!))) broken.push(path!)
        polls++
      }
    })()
    proxy.onRequest = async (r) => {
      if (r.headers['x-amz-copy-source']) await new Promise((resolve) => setTimeout(resolve, 150))
    }
    const report = await back({ config: config(prefix) })
    proxy.onRequest = undefined
    stop = true
    await poller
    expect(broken).toEqual([])
    expect(polls).toBeGreaterThan(2)
    expect(report).toMatchObject({ committed: true, rollbackOf: ids[1] })
    expect(await served(prefix)).toEqual({ ...states[1], 'new.html': states[2]!['new.html'] }) // new.html: kept since release 2, the same bytes
    const ledger = (await readLedgerObject(server.client, server.bucket, prefix))!
    expect(ledger.releases.at(-1)).toMatchObject({ id: report.release, rollbackOf: ids[1], commit: 'c2', record: true })
    expect(ledger.files['index.html']!.sha256).toBe(sha256(R2['index.html']!))
    expect(ledger.pending).toBeUndefined()
    if (cloudfront) expect(await purgedSince(before)).toEqual([['/app', '/app/', '/app/index.html']])

    // And the first release, by id: its hashed file is still kept (3 later releases).
    const first = await back({ config: config(prefix), release: ids[0]! })
    expect(first.rollbackOf).toBe(ids[0])
    expect(await served(prefix)).toMatchObject({
      'index.html': states[0]!['index.html'],
      'about/index.html': states[0]!['about/index.html'],
      'robots.txt': states[0]!['robots.txt'],
    })
    expect(await exists(server.client, server.bucket, `${prefix}assets/app-Aa11Bb22.js`)).toBe(true)
  })

  it('refuses a release whose files retention pruned, a release deployed before rollback existed, and the live one', async () => {
    const prefix = 'pruned/'
    const dir = await fixture(R1)
    const ids: string[] = []
    for (const [n, tree] of [R1, R2].entries()) {
      await rewrite(dir, tree)
      ids.push((await deploy({ dir, config: config(prefix, { releases: 0, days: 0 }), storage: TUNING, now: at(n), env: {}, commit: `c${n}` })).release)
    }
    await expect(back({ config: config(prefix), release: ids[0]! })).rejects.toThrow(
      `[cdn-deploy] [deploy] release ${ids[0]} cannot be rolled back to: its file map is not kept (deployed before rollback existed, or pruned by retention)`,
    )
    await expect(back({ config: config(prefix), release: ids[1]! })).rejects.toThrow(`release ${ids[1]} is the live one already`)
    const keys =
      (await server.client.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: `${prefix}.cdn-deploy/releases/` }))).Contents?.map((o) => o.Key) ??
      []
    expect(keys).toEqual([`${prefix}.cdn-deploy/releases/${ids[1]}.json`]) // the pruned release's record went with its files
  })

  if (!cloudfront) {
    it('the CLI: --dry-run shows the plan, a terminal-less run needs --yes, then it rolls back; releases marks it', async () => {
      registerS3rverKey()
      const prefix = 'cli/'
      const dir = await fixture(R1)
      const ids: string[] = []
      for (const [n, tree] of [R1, R2].entries()) {
        await rewrite(dir, tree)
        ids.push((await deploy({ dir, config: config(prefix), storage: TUNING, now: at(n), env: {}, commit: `c${n}` })).release)
      }
      const cwd = await tempDir('rollback-cli')
      const env = {
        ...baseEnv(cwd),
        AWS_ENDPOINT_URL_S3: server.endpoint,
        CDN_BUCKET: server.bucket,
        CDN_DOMAIN: 'https://cdn.example.com',
        CDN_PREFIX: prefix,
      }
      const cli = (...args: string[]) => runCli(args, { cwd, env })
      const dry = await cli('rollback', '--dry-run')
      expect(dry.code, dry.stderr).toBe(0)
      expect(dry.stdout).toContain(`[cdn-deploy] plan for rolling back to release ${ids[0]} as release`)
      expect(dry.stdout).toMatch(/3 HTML and entry documents: 2 [\s\S]*~ index\.html/)
      const refused = await cli('rollback')
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain(`[cdn-deploy] [cli] not rolling back to release ${ids[0]}: not a terminal, so pass --yes to confirm`)
      const done = await cli('rollback', '--yes')
      expect(done.code, done.stderr).toBe(0)
      expect(done.stdout).toContain(`[cdn-deploy] rolled back to release ${ids[0]} as release`)
      expect((await getObject(server.client, server.bucket, `${prefix}index.html`))!.bytes.toString()).toBe(R1['index.html'])
      const releases = await cli('releases')
      expect(releases.stdout).toMatch(new RegExp(`\\* .* live \\(restored ${ids[0]}\\)`))
    })
  }
})

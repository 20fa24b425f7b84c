/**
 * `cdn-deploy invalidate --pending` with CloudFront and S3 on one moto_server:
 * the paths a failed purge left in the ledger are shown by `--dry-run` (nothing
 * written, nothing purged), purged for real (what CloudFront received is
 * checked) and cleared from the ledger; a held lock is refused; and a ledger
 * that changes during the purge is not overwritten (If-Match).
 */
import { join } from 'node:path'
import { CloudFrontClient, GetInvalidationCommand, ListInvalidationsCommand } from '@aws-sdk/client-cloudfront'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pendingCommand } from '../../src/cli/invalidate-pending.js'
import type { Invalidator } from '../../src/deploy/execute.js'
import type { Ledger } from '../../src/plan/types.js'
import { createStorage } from '../../src/storage/index.js'
import { tempDir } from '../helpers/build.js'
import { createTestDistribution } from '../helpers/cloudfront.js'
import { assertBuilt, baseEnv, parseJson, runCli, writeConfig } from '../helpers/cli.js'
import { at, deploy, getObject, readLedgerObject, rewrite, targetConfig, TUNING } from '../helpers/deploy.js'
import { s3Options, startMoto, type S3TestServer } from '../helpers/s3-servers.js'

const BUCKET = 'pending-site'
let moto: S3TestServer
let cf: CloudFrontClient
let distributionId: string
let cwd: string
let env: Record<string, string>
const cli = (...args: string[]) => runCli(args, { cwd, env })
const LEDGER = 'app/.cdn-deploy/ledger.json'

const failing: Invalidator = { name: 'failing', invalidate: () => Promise.reject(new Error('purge API down')) }

/** Deploy a changed build whose purge fails: the release is live, its paths stay pending. */
async function deployWithFailedPurge(n: number): Promise<string[]> {
  await rewrite(join(cwd, 'dist'), { 'index.html': `<p>v${n}</p>`, 'docs/index.html': `<p>docs ${n}</p>`, 'assets/app-Ab12Cd34.js': 'app()' })
  const config = targetConfig({
    endpoint: moto.endpoint,
    bucket: BUCKET,
    prefix: 'app/',
    provider: { type: 'cloudfront', distributionId, endpoint: moto.endpoint },
  })
  await expect(deploy({ dir: join(cwd, 'dist'), config, storage: TUNING, now: at(n), env: {}, invalidator: failing })).rejects.toThrow(
    /is live, but invalidation failed: purge API down/,
  )
  return (await readLedgerObject(moto.client, BUCKET, 'app/'))!.pendingInvalidations ?? []
}

async function invalidationCount(): Promise<number> {
  // https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ListInvalidations.html
  const out = await cf.send(new ListInvalidationsCommand({ DistributionId: distributionId }))
  return out.InvalidationList?.Quantity ?? 0
}

beforeAll(async () => {
  assertBuilt()
  moto = await startMoto(BUCKET)
  ;({ cf, distributionId } = await createTestDistribution(moto.endpoint, BUCKET, 'pending'))
  cwd = await tempDir('cli-pending')
  const provider = { type: 'cloudfront', distributionId, endpoint: moto.endpoint }
  await writeConfig(cwd, {
    domain: 'https://cdn.example.com',
    prefix: 'app/',
    storage: { bucket: BUCKET, region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true },
    provider,
    environments: { plain: { provider: { type: 'none' } } },
  })
  env = baseEnv(cwd)
})

afterAll(async () => {
  cf?.destroy()
  await moto?.stop()
})

describe('cdn-deploy invalidate --pending', () => {
  it('--dry-run shows the pending paths and writes nothing; then purges them and clears the ledger', async () => {
    const pending = await deployWithFailedPurge(1)
    expect(pending).toEqual(['docs/index.html', 'index.html'])
    const etag = (await getObject(moto.client, BUCKET, LEDGER))!.etag
    const before = await invalidationCount()

    const dry = await cli('invalidate', '--pending', '--dry-run', '--json')
    expect(dry.code, dry.stderr).toBe(0)
    expect(parseJson(dry)).toMatchObject({
      dryRun: true,
      provider: 'cloudfront',
      pending,
      paths: ['/app', '/app/', '/app/docs', '/app/docs/', '/app/docs/index.html', '/app/index.html'],
    })
    expect((await getObject(moto.client, BUCKET, LEDGER))!.etag).toBe(etag)
    expect(await invalidationCount()).toBe(before)

    const real = await cli('invalidate', '--pending', '--json')
    expect(real.code, real.stderr).toBe(0)
    const result = parseJson<{ ids: string[]; cleared: boolean; paths: string[] }>(real)
    expect(result.cleared).toBe(true)
    expect(result.ids).toHaveLength(1)
    // https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetInvalidation.html
    const got = await cf.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: result.ids[0]! }))
    expect([...(got.Invalidation?.InvalidationBatch?.Paths?.Items ?? [])].sort()).toEqual(result.paths.sort())
    const ledger = await readLedgerObject(moto.client, BUCKET, 'app/')
    expect(ledger).not.toHaveProperty('pendingInvalidations')
    expect(ledger!.releases.at(-1)!.invalidations).toEqual(result.ids)

    const again = await cli('invalidate', '--pending')
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('nothing pending')
  })

  it('refuses while a deploy holds the lock, and without a provider', async () => {
    await deployWithFailedPurge(2)
    const storage = createStorage(s3Options(moto, { bucket: BUCKET, prefix: 'app/' }))
    const lock = await storage.acquireLock('a running deploy', 60_000)
    try {
      const held = await cli('invalidate', '--pending')
      expect(held.code).toBe(1)
      expect(held.stderr).toContain('[cdn-deploy] [lock] another deploy holds')
    } finally {
      await storage.releaseLock(lock)
      storage.destroy()
    }
    const none = await cli('invalidate', '--pending', '--mode', 'plain')
    expect(none.code).toBe(1)
    expect(none.stderr).toContain('provider is "none"')
    expect((await readLedgerObject(moto.client, BUCKET, 'app/'))!.pendingInvalidations).toEqual(['docs/index.html', 'index.html'])
  })

  it('does not overwrite a ledger that changed during the purge (If-Match): the paths stay pending', async () => {
    const pending = await deployWithFailedPurge(3)
    let changed: Ledger | undefined
    const meddling: Invalidator = {
      name: 'meddling',
      async invalidate(rels) {
        // Another writer commits while the purge runs.
        changed = { ...(await readLedgerObject(moto.client, BUCKET, 'app/'))!, pendingInvalidations: [...pending, 'other.html'] }
        // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
        await moto.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: LEDGER, Body: JSON.stringify(changed) }))
        return { ids: ['I-TEST'], paths: rels }
      },
    }
    const cwdBefore = process.cwd()
    process.chdir(cwd)
    try {
      expect(await pendingCommand({ pending: true, quiet: true }, { invalidator: meddling })).toBe(0)
    } finally {
      process.chdir(cwdBefore)
    }
    expect(await readLedgerObject(moto.client, BUCKET, 'app/')).toEqual(changed)
  })

  it('refuses --pending with paths, and --dry-run without --pending', async () => {
    const both = await cli('invalidate', 'index.html', '--pending')
    expect([both.code, both.stderr]).toEqual([1, expect.stringContaining('give either --pending, or paths, or --all')])
    const dry = await cli('invalidate', 'index.html', '--dry-run')
    expect([dry.code, dry.stderr]).toEqual([1, expect.stringContaining('--dry-run goes with --pending')])
  })
})

/**
 * The built bin with CloudFront, all on one moto_server: the bucket and a
 * distribution created here through the SDK. Configured through a
 * `cdn.config.mjs` (storage.endpoint + forcePathStyle, provider.endpoint) with
 * an environment picked by `--mode`. Checks what reaches CloudFront, not only
 * what the CLI prints.
 */
import { join } from 'node:path'
import { CloudFrontClient, GetInvalidationCommand } from '@aws-sdk/client-cloudfront'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DeployReport, Release } from '../../src/index.js'
import { tempDir } from '../helpers/build.js'
import { assertBuilt, baseEnv, DUMMY_SECRET, parseJson, runCli, SITE, transcript, writeConfig, writeSite } from '../helpers/cli.js'
import { startMoto, type S3TestServer } from '../helpers/s3-servers.js'
import { createTestDistribution } from '../helpers/cloudfront.js'

const BUCKET = 'cli-cf-site'
const BASE = 'https://cdn.example.com/app/'

let moto: S3TestServer
let cf: CloudFrontClient
let distributionId: string
let cwd: string
let env: Record<string, string>
const cli = (...args: string[]) => runCli(args, { cwd, env })

/** The paths CloudFront received for an invalidation id. */
async function submitted(id: string): Promise<string[]> {
  // https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetInvalidation.html
  const out = await cf.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: id }))
  return [...(out.Invalidation?.InvalidationBatch?.Paths?.Items ?? [])].sort()
}

beforeAll(async () => {
  assertBuilt()
  moto = await startMoto(BUCKET)
  ;({ cf, distributionId } = await createTestDistribution(moto.endpoint, BUCKET, 'cli-test'))
  cwd = await tempDir('cli-cloudfront')
  await writeSite(join(cwd, 'dist'), SITE)
  const cloudfront = (id: string) => ({ type: 'cloudfront', distributionId: id, endpoint: moto.endpoint })
  await writeConfig(cwd, {
    domain: 'https://cdn-prod.example.com',
    prefix: 'app/',
    storage: { bucket: 'prod-bucket-not-used-here', region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true },
    provider: cloudfront('EPRODNOTUSED1'),
    environments: {
      test: { domain: 'https://cdn.example.com', storage: { bucket: BUCKET }, provider: cloudfront(distributionId) },
      broken: { domain: 'https://cdn.example.com', storage: { bucket: BUCKET }, provider: cloudfront('ENOTFOUND1234') },
    },
  })
  env = { ...baseEnv(cwd), CDN_ENV: 'test' }
})

afterAll(async () => {
  cf?.destroy()
  await moto?.stop()
  expect(transcript.join('\n')).not.toContain(DUMMY_SECRET)
})

describe('cdn-deploy with CloudFront on moto', () => {
  it('deploy to the environment picked by CDN_ENV', async () => {
    const r = await cli('deploy', '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(parseJson<DeployReport>(r)).toMatchObject({
      bucket: BUCKET,
      prefix: 'app/',
      publicBase: BASE,
      committed: true,
      invalidation: { provider: 'cloudfront' },
    })
  })

  it('status: the distribution is reachable', async () => {
    const r = await cli('status')
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toMatch(new RegExp(`ok\\s+provider\\s+CloudFront distribution ${distributionId} reachable`))
    expect(r.stdout).toMatch(/config\s+\S+cdn\.config\.mjs \(mode test\)/)
  })

  it('status --mode broken: the provider check fails with the fix', async () => {
    const r = await cli('status', '--mode', 'broken')
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/FAIL\s+provider\s+\[cdn-deploy\] \[cloudfront\] distribution ENOTFOUND1234 not found \(check provider\.distributionId/)
  })

  it('invalidate <paths>: the files and their directory URLs reach CloudFront', async () => {
    const r = await cli('invalidate', 'index.html', 'docs/', `${BASE}docs/read%20me.txt`)
    expect(r.code, r.stderr).toBe(0)
    const id = /invalidation submitted \(cloudfront\) \[(\w+)\]: 5 paths/.exec(r.stdout)?.[1]
    expect(id, r.stdout).toBeDefined()
    expect(await submitted(id!)).toEqual(['/app', '/app/', '/app/docs/', '/app/docs/read%20me.txt', '/app/index.html'])
  })

  it('invalidate --all: one wildcard over the public base', async () => {
    const r = await cli('invalidate', '--all', '--json')
    expect(r.code, r.stderr).toBe(0)
    const out = parseJson<{ provider: string; ids: string[]; paths: string[] }>(r)
    expect(out).toMatchObject({ provider: 'cloudfront', paths: ['/app/*'] })
    expect(await submitted(out.ids[0]!)).toEqual(['/app/*'])
  })

  it('invalidate refuses a URL outside the public base', async () => {
    const r = await cli('invalidate', 'https://elsewhere.example.com/index.html')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`is not under the public base ${BASE}`)
  })

  it('a changed page: plan shows the paths and their cost, deploy invalidates them, releases and status show the ids', async () => {
    await writeSite(join(cwd, 'dist'), { ...SITE, 'docs/index.html': '<!doctype html><title>docs v2</title>' })
    const plan = await cli('plan')
    expect(plan.code).toBe(2)
    expect(plan.stdout).toMatch(/invalidation \(cloudfront\): 3 paths \(at most USD 0\.015/)
    expect(plan.stdout).toContain('    /app/docs/index.html')

    const r = await cli('deploy')
    expect(r.code, r.stderr).toBe(0)
    const [release] = parseJson<Release[]>(await cli('releases', '--json'))
    expect(release?.invalidations).toHaveLength(1)
    expect(await submitted(release!.invalidations![0]!)).toEqual(['/app/docs', '/app/docs/', '/app/docs/index.html'])
    expect(r.stdout).toContain(`invalidation (cloudfront): 3 paths [${release!.invalidations![0]}]`)

    const text = await cli('releases')
    expect(text.stdout).toContain(release!.invalidations![0])
    const status = await cli('status')
    expect(status.code, status.stdout).toBe(0)
    expect(status.stdout).toMatch(
      new RegExp(
        `ok\\s+invalidations\\s+(all 1 of release ${release!.id} completed|still in progress for release ${release!.id}: ${release!.invalidations![0]})`,
      ),
    )
  })
})

/**
 * The built bin against s3rver: `cdn-deploy plan` shows, before anything
 * happens, the files include/exclude leave out, each upload's headers and the
 * delete cap; `deploy` stops at the cap (or a nearly empty build) with exit 1
 * and writes nothing; `--force` lets it through.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DeployReport } from '../../src/index.js'
import { tempDir } from '../helpers/build.js'
import { assertBuilt, baseEnv, parseJson, registerS3rverKey, runCli, writeConfig } from '../helpers/cli.js'
import { listKeys, rewrite } from '../helpers/deploy.js'
import { startS3rver, type S3TestServer } from '../helpers/s3-servers.js'

const BUCKET = 'cli-features'
let server: S3TestServer
let cwd: string
let env: Record<string, string>
const cli = (...args: string[]) => runCli(args, { cwd, env })

const pages = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`p/${i}.html`, `<p>${i}</p>`]))

beforeAll(async () => {
  assertBuilt()
  server = await startS3rver(BUCKET)
  registerS3rverKey()
  cwd = await tempDir('cli-features')
  await writeConfig(cwd, {
    domain: 'https://cdn.example.com',
    prefix: 'site/',
    storage: { bucket: BUCKET, endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1' },
    exclude: ['**/*.map', '**/.DS_Store'],
    headers: { '**/*.pdf': { 'Content-Disposition': 'attachment', 'Content-Language': 'en' } },
    // 0: the second deploy itself reaches the deletes the cap stops. Since the retention fix,
    // `releases: 1` keeps the dropped pages while the release that dropped them is live (before
    // it, 1 behaved like 0), so with 1 the cap would only bite a deploy later.
    retain: { releases: 0, days: 0 },
    maxDeletes: 10,
  })
  await rewrite(join(cwd, 'dist'), { 'index.html': '<p>v1</p>', 'app.js.map': '{}', '.DS_Store': 'x', 'guide.pdf': '%PDF', ...pages(30) })
  env = baseEnv(cwd)
})

afterAll(async () => {
  await server?.stop()
})

describe('cdn-deploy plan and deploy: what ships, headers, the delete cap', () => {
  it('plan lists the files left out, the headers of each upload and the cap', async () => {
    const r = await cli('plan')
    expect(r.code, r.stderr).toBe(2)
    expect(r.stdout).toMatch(/left out by include\/exclude \(never uploaded\): 2\n {4}x \.DS_Store\n {4}x app\.js\.map/)
    expect(r.stdout).toMatch(/\+ guide\.pdf \(4 B\)\n {10}Content-Disposition: attachment · Content-Language: en/)
    expect(r.stdout).toContain('delete cap: 0 of at most 10 (maxDeletes)')
    const deployed = await cli('deploy')
    expect(deployed.code, deployed.stderr).toBe(0)
    expect((await listKeys(server.client, BUCKET, 'site/')).filter((k) => k.endsWith('.map') || k.endsWith('.DS_Store'))).toEqual([])
  })

  it('deploy stops at the cap with exit 1, writing nothing; --force goes through', async () => {
    await rewrite(join(cwd, 'dist'), { 'index.html': '<p>v2</p>', 'guide.pdf': '%PDF', ...pages(15) })
    const plan = await cli('plan', '--json')
    expect(plan.code).toBe(2)
    expect(parseJson<DeployReport>(plan).prune).toEqual({
      deletes: 15,
      max: 10,
      forced: false,
      stop: expect.stringContaining('would delete 15 files, more than maxDeletes (10)'),
    })
    const text = await cli('plan')
    expect(text.stdout).toContain('STOP: a deploy would stop before writing anything: this deploy would delete 15 files')
    expect(text.stdout).toContain('`cdn-deploy deploy dist` would stop before writing anything')

    const before = await listKeys(server.client, BUCKET, 'site/')
    const stopped = await cli('deploy')
    expect(stopped.code).toBe(1)
    expect(stopped.stderr).toContain('[cdn-deploy] [deploy] stopped before writing anything: this deploy would delete 15 files, more than maxDeletes (10)')
    expect(await listKeys(server.client, BUCKET, 'site/')).toEqual(before)

    const forcedPlan = await cli('plan', '--force')
    expect(forcedPlan.stdout).toContain('delete cap: 15 of at most 10 (maxDeletes), --force given')
    expect(forcedPlan.stdout).not.toContain('STOP')
    const forced = await cli('deploy', '--force')
    expect(forced.code, forced.stderr).toBe(0)
    expect(forced.stdout).toContain('deleted 15')
  })
})

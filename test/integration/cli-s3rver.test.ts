/**
 * The built bin against s3rver, configured the way CI does it: environment
 * variables only (CDN_DOMAIN, CDN_BUCKET, CDN_PREFIX and the SDK's own
 * AWS_ENDPOINT_URL_S3; a loopback IP endpoint makes the SDK use path style).
 * The public base is the bucket's own path-style URL, so `verify` fetches the
 * stored objects as a CDN would serve them. The steps run in order, like a
 * user's session: plan, deploy, plan again, releases, status, verify, redeploy,
 * tamper, verify again.
 */
import { spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { createServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { DeleteObjectCommand, GetObjectCommand, PutBucketCorsCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DeployReport, Ledger, Release } from '../../src/index.js'
import { hostId } from '../../src/storage/index.js'
import { tempDir } from '../helpers/build.js'
import { assertBuilt, baseEnv, DUMMY_SECRET, parseJson, registerS3rverKey, runCli, SITE, transcript, writeSite } from '../helpers/cli.js'
import { startS3rver, type S3TestServer } from '../helpers/s3-servers.js'

const BUCKET = 'cli-site'
const COMMIT = '0123456789abcdef0123456789abcdef01234567'

let server: S3TestServer
let cwd: string
let env: Record<string, string>
let publicBase: string
const cli = (...args: string[]) => runCli(args, { cwd, env })

async function ledger(): Promise<Ledger> {
  const out = await server.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'site/.cdn-deploy/ledger.json' }))
  return JSON.parse(await out.Body!.transformToString()) as Ledger
}

/** Overwrite a deployed object behind the tool's back (what a broken sync or a manual upload does). */
async function tamper(rel: string, body: string, headers: { ContentType: string; CacheControl: string }): Promise<void> {
  await server.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `site/${rel}`, Body: body, ...headers }))
}

beforeAll(async () => {
  assertBuilt()
  server = await startS3rver(BUCKET)
  registerS3rverKey()
  cwd = await tempDir('cli-s3rver')
  publicBase = `${server.endpoint}/${BUCKET}/site/`
  await writeSite(join(cwd, 'dist'), SITE, publicBase)
  env = {
    ...baseEnv(cwd),
    AWS_ENDPOINT_URL_S3: server.endpoint,
    CDN_BUCKET: BUCKET,
    CDN_DOMAIN: publicBase,
    CDN_PREFIX: 'site/',
    GITHUB_SHA: COMMIT,
  }
})

afterAll(async () => {
  await server?.stop()
  const all = transcript.join('\n')
  expect(all).not.toContain(DUMMY_SECRET)
})

describe('cdn-deploy against s3rver', () => {
  it('plan: exit 2 and the uploads by phase before the first deploy', async () => {
    const r = await cli('plan')
    expect(r.code, r.stderr).toBe(2)
    expect(r.stdout).toContain(`plan for release`)
    expect(r.stdout).toContain(`would upload ${Object.keys(SITE).length} files`)
    expect(r.stdout).toMatch(/1 immutable \(content-hashed\) files: 2 [\s\S]*\+ assets\/app-Bx7kQ2mZ\.js/)
    expect(r.stdout).toMatch(/2 other files: 2 [\s\S]*\+ docs\/read me\.txt/)
    expect(r.stdout).toMatch(/3 HTML and entry documents: 2 [\s\S]*\+ index\.html/)
    expect(r.stdout).toContain('changes pending')
  })

  it('plan warns when the build was made for another public base', async () => {
    const r = await runCli(['plan'], { cwd, env: { ...env, CDN_DOMAIN: 'https://cdn-other.example.com/' } })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`warning: dist was built for ${publicBase} but this config deploys to https://cdn-other.example.com/site/`)
  })

  it('plan --json: the report as JSON, nothing else on stdout', async () => {
    const r = await cli('plan', 'dist', '--json')
    expect(r.code).toBe(2)
    const report = parseJson<DeployReport & { changes: boolean }>(r)
    expect(report).toMatchObject({ dryRun: true, changes: true, bucket: BUCKET, prefix: 'site/', publicBase })
    expect(report.uploaded.files.map((f) => [f.rel, f.phase]).sort()).toEqual([
      ['assets/app-Bx7kQ2mZ.js', 1],
      ['assets/style-9f8e7d6c.css', 1],
      ['docs/index.html', 3],
      ['docs/read me.txt', 2],
      ['index.html', 3],
      ['robots.txt', 2],
    ])
  })

  it('deploy: uploads, commits the ledger, prints the summary', async () => {
    const reportFile = join(cwd, 'out/report.json')
    const r = await cli('deploy', '--report', reportFile)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`deployed release`)
    expect(r.stdout).toContain(`uploaded ${Object.keys(SITE).length} files`)
    expect(r.stderr).toContain('uploading immutable (content-hashed) files (2)')
    const written = JSON.parse(await readFile(reportFile, 'utf8')) as DeployReport
    expect(written.committed).toBe(true)
    const l = await ledger()
    expect(l.releases).toHaveLength(1)
    expect(l.releases[0]).toMatchObject({ id: written.release, commit: COMMIT, files: Object.keys(SITE).length })
    expect(Object.keys(l.files).sort()).toEqual(Object.keys(SITE).sort())
    expect(l.files['assets/app-Bx7kQ2mZ.js']).toMatchObject({ immutable: true, cacheControl: 'public, max-age=31536000, immutable' })
  })

  it('plan: exit 0 once the bucket serves the build', async () => {
    const r = await cli('plan')
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toContain('nothing would change')
    const quiet = await cli('plan', '--quiet')
    expect(quiet).toMatchObject({ code: 0, stdout: '' })
  })

  it('releases: the release with its commit, as text and JSON', async () => {
    const [text, json] = await Promise.all([cli('releases'), cli('releases', '--json')])
    const id = (await ledger()).releases[0]!.id
    expect(text.code).toBe(0)
    expect(text.stdout).toContain(`${id} *`)
    expect(text.stdout).toContain(COMMIT.slice(0, 10))
    expect(parseJson<Release[]>(json)).toEqual([expect.objectContaining({ id, commit: COMMIT, files: Object.keys(SITE).length })])
  })

  it('status: every check passes on a healthy setup', async () => {
    const r = await cli('status')
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toMatch(/ok\s+bucket\s+credentials accepted, s3:\/\/cli-site reachable \(region us-east-1/)
    expect(r.stdout).toMatch(/ok\s+ledger\s+1 release, 6 files owned/)
    expect(r.stdout).toContain('all checks passed')
    const json = parseJson<{ ok: boolean; checks: Array<{ name: string; status: string }> }>(await cli('status', '--json'))
    expect(json.ok).toBe(true)
    expect(json.checks.map((c) => c.name)).toEqual(['config', 'bucket', 'cors', 'lock', 'ledger', 'state', 'provider'])
    // The ledger sits under the served prefix and s3rver serves it to anyone: status says so, and how to fix it.
    expect(r.stdout).toMatch(
      /warn\s+state\s+the ledger is publicly readable at http:\/\/127\.0\.0\.1:\d+\/cli-site\/site\/\.cdn-deploy\/ledger\.json .*set storage\.statePrefix outside what the CDN serves \(e\.g\. "_cdn-deploy\/site\/"\)/,
    )
    // s3rver ignores If-None-Match on PUT: the lock cannot exclude a racing deploy, and status says so.
    expect(r.stdout).toMatch(
      /warn\s+lock\s+this store ignores conditional writes \(If-None-Match\), so the deploy lock cannot stop two concurrent deploys; run one at a time/,
    )
  })

  it('status: no warning about the ledger once storage.statePrefix is outside the served prefix', async () => {
    const file = join(cwd, 'state.config.mjs')
    await writeFile(
      file,
      `export default { domain: ${JSON.stringify(publicBase)}, prefix: 'site/', storage: { bucket: '${BUCKET}', statePrefix: '_state/site/' } }\n`,
    )
    const json = parseJson<{ checks: Array<{ name: string; status: string; message: string }> }>(await cli('status', '--json', '--config', file))
    expect(json.checks.find((c) => c.name === 'state')).toEqual({
      name: 'state',
      status: 'ok',
      message: "the deploy's own objects live under _state/site/, outside the served prefix",
    })
  })

  it('status: fails on a missing bucket, saying what to check', async () => {
    const r = await runCli(['status'], { cwd, env: { ...env, CDN_BUCKET: 'no-such-bucket' } })
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/FAIL\s+bucket\s+\[cdn-deploy\] \[s3\] bucket "no-such-bucket" not found \(check storage\.bucket and storage\.region\)/)
    expect(r.stderr).toContain('1 check failed: bucket')
  })

  it('status: fails on rejected credentials, naming the chain to check', async () => {
    const r = await runCli(['status'], { cwd, env: { ...env, AWS_ACCESS_KEY_ID: 'TESTKEYUNKNOWNTOTHESERVER' } })
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(
      /FAIL\s+bucket\s+\[cdn-deploy\] \[s3\] AWS credentials rejected \(InvalidAccessKeyId\) for HeadBucket on s3:\/\/cli-site; check the AWS credential chain/,
    )
  })

  it('status --origin: fails without a CORS rule for the site, passes with one', async () => {
    const before = await cli('status', '--origin', 'https://www.example.com')
    expect(before.code).toBe(1)
    expect(before.stdout).toMatch(/FAIL\s+cors\s+bucket cli-site has no CORS configuration/)
    expect(before.stdout).toContain('"AllowedOrigins":["https://www.example.com"]')
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html
    await server.client.send(
      new PutBucketCorsCommand({
        Bucket: BUCKET,
        CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['https://*.example.com'], AllowedMethods: ['GET', 'HEAD'] }] },
      }),
    )
    const after = await cli('status', '--origin', 'https://www.example.com')
    expect(after.code, after.stdout).toBe(0)
    expect(after.stdout).toMatch(/ok\s+cors\s+bucket CORS allows GET from https:\/\/www\.example\.com/)
    const other = await cli('status', '--origin', 'https://evil.test', '--quiet')
    expect(other.code).toBe(1)
    expect(other.stderr).toContain('bucket CORS does not allow GET from https://evil.test (allowed origins: https://*.example.com)')
  })

  it('verify: every file matches through its public URL, SRI included', async () => {
    const r = await cli('verify', 'dist', '--verbose')
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toContain('ok    docs/read me.txt (200)')
    expect(r.stdout).toContain(`6 of 6 files ok (SRI checked)`)
    const json = parseJson<{ ok: boolean; sri: boolean; files: Array<{ rel: string; url: string; ok: boolean }> }>(await cli('verify', 'dist', '--json'))
    expect(json).toMatchObject({ ok: true, sri: true })
    expect(json.files.find((f) => f.rel === 'docs/read me.txt')?.url).toBe(`${publicBase}docs/read%20me.txt`)
  })

  it('verify reports the CDN cache headers when a CDN sends them', async () => {
    // A stand-in CDN: forwards to the bucket and marks every answer as a cache hit.
    const cdn = createServer((req, res) => {
      const upstream = httpRequest(`${server.endpoint}${req.url}`, { headers: { 'accept-encoding': req.headers['accept-encoding'] ?? 'identity' } }, (up) => {
        res.writeHead(up.statusCode ?? 502, { ...up.headers, 'x-cache': 'Hit from cloudfront', age: '42' })
        up.pipe(res)
      })
      upstream.end()
    })
    await new Promise<void>((resolve) => cdn.listen(0, '127.0.0.1', resolve))
    try {
      const domain = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}/${BUCKET}/site/`
      const r = await runCli(['verify', '--verbose'], { cwd, env: { ...env, CDN_DOMAIN: domain } })
      expect(r.code, r.stdout + r.stderr).toBe(0)
      expect(r.stdout).toContain('ok    index.html (200, cache Hit from cloudfront, age 42s)')
      expect(r.stdout).toContain('CDN cache: Hit from cloudfront 6')
    } finally {
      cdn.closeAllConnections()
      await new Promise((resolve) => cdn.close(resolve))
    }
  })

  it('a second deploy uploads only the changed HTML; releases lists both, newest first', async () => {
    const site = { ...SITE, 'index.html': SITE['index.html']!.replace('v1', 'v2') }
    await writeSite(join(cwd, 'dist'), site, publicBase)
    const plan = await cli('plan')
    expect(plan.code).toBe(2)
    expect(plan.stdout).toMatch(/3 HTML and entry documents: 1 [\s\S]*~ index\.html/)
    const dry = await cli('deploy', '--dry-run', '--json')
    expect(dry.code).toBe(0)
    expect(parseJson<DeployReport>(dry)).toMatchObject({ dryRun: true, committed: false, uploaded: { count: 1 } })
    const r = await cli('deploy', '--json', '--quiet')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe('')
    const report = parseJson<DeployReport>(r)
    expect(report).toMatchObject({ committed: true, uploaded: { count: 1, files: [expect.objectContaining({ rel: 'index.html', reason: 'changed' })] } })
    const releases = parseJson<Release[]>(await cli('releases', '--json'))
    expect(releases.map((x) => x.id)).toEqual([report.release, (await ledger()).releases[0]!.id])
    expect(parseJson<Release[]>(await cli('releases', '--json', '--limit', '1'))).toHaveLength(1)
    expect((await cli('verify')).code).toBe(0)
  })

  it('verify fails when an object was overwritten with other bytes', async () => {
    await tamper('assets/app-Bx7kQ2mZ.js', 'console.log("injected")\n', {
      ContentType: 'text/javascript; charset=utf-8',
      CacheControl: 'public, max-age=31536000, immutable',
    })
    const r = await cli('verify', 'dist')
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/FAIL {2}assets\/app-Bx7kQ2mZ\.js \S+\n\s+content differs: sha256/)
    expect(r.stdout).toContain('SRI sha384-')
    expect(r.stdout).toContain('5 of 6 files ok, 1 failed')
  })

  it('verify fails on tampered Cache-Control and Content-Type, listing each', async () => {
    await tamper('robots.txt', SITE['robots.txt']!, { ContentType: 'text/plain; charset=utf-8', CacheControl: 'public, max-age=31536000, immutable' })
    await tamper('docs/index.html', SITE['docs/index.html']!, { ContentType: 'text/plain', CacheControl: 'public, max-age=0, must-revalidate' })
    const r = await cli('verify', '--json')
    expect(r.code).toBe(1)
    const json = parseJson<{ ok: boolean; failed: number; files: Array<{ rel: string; ok: boolean; problems: string[] }> }>(r)
    expect(json).toMatchObject({ ok: false, failed: 3 })
    const problems = Object.fromEntries(json.files.filter((f) => !f.ok).map((f) => [f.rel, f.problems]))
    expect(problems['robots.txt']).toEqual(['Cache-Control is "public, max-age=31536000, immutable", expected "public, max-age=300"'])
    expect(problems['docs/index.html']).toEqual(['Content-Type is "text/plain", expected "text/html; charset=utf-8"'])
    expect(problems['assets/app-Bx7kQ2mZ.js']?.[0]).toMatch(/^content differs/)
    // The failures reach stderr too, so a --json run in CI still shows them.
    expect(r.stderr).toContain('FAIL  robots.txt')
  })

  it('verify fails on a missing object with its HTTP status', async () => {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html
    await server.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'site/docs/read me.txt' }))
    const r = await cli('verify')
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/FAIL {2}docs\/read me\.txt \S+read%20me\.txt\n\s+HTTP 404 \(expected 200\)/)
    expect(r.stdout).toContain('2 of 6 files ok, 4 failed')
  })

  it('verify says so when there is no release yet', async () => {
    const r = await runCli(['verify'], { cwd, env: { ...env, CDN_PREFIX: 'empty/', CDN_DOMAIN: `${server.endpoint}/${BUCKET}/empty/` } })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('no release to verify: s3://cli-site/empty/.cdn-deploy/ledger.json does not exist')
  })

  it('plan and deploy agree on a build that only drops a file: kept for open tabs, nothing to do (exit 0)', async () => {
    const { 'robots.txt': _dropped, ...rest } = SITE
    const dir = join(cwd, 'dist-dropped')
    await writeSite(dir, { ...rest, 'index.html': SITE['index.html']!.replace('v1', 'v2') }, publicBase)
    const r = await cli('plan', dir)
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toContain('would upload 0 files (0 B), skipped 5 unchanged, would delete 0, kept 1 from earlier releases')
    const deployed = parseJson<DeployReport>(await cli('deploy', dir, '--json'))
    expect(deployed).toMatchObject({ committed: false, uploaded: { count: 0 } })
    expect((await ledger()).releases).toHaveLength(2)
  })

  describe('unlock', () => {
    const LOCK = 'site/.cdn-deploy/lock'
    const putLock = (lock: Record<string, unknown>) => server.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: LOCK, Body: JSON.stringify(lock) }))
    const lockExists = () =>
      server.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: LOCK })).then(
        () => true,
        () => false,
      )
    const inMinutes = (n: number) => new Date(Date.now() + n * 60_000).toISOString()

    it('says so when there is no lock', async () => {
      const r = await cli('unlock')
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain('[cdn-deploy] no lock at s3://cli-site/site/.cdn-deploy/lock: nothing to remove')
    })

    it('shows the holder; outside a terminal it removes the lock only with --yes', async () => {
      await putLock({ owner: 'ci run 7', host: 'feedfacecafebeef', pid: 4321, token: 't', acquired: inMinutes(-1), expires: inMinutes(1) })
      const asked = await cli('unlock')
      expect(asked.code).toBe(1)
      expect(asked.stderr).toContain('is held by ci run 7 on host feedfacecafebeef (pid 4321) since')
      expect(asked.stderr).toContain('[cdn-deploy] [cli] not removing s3://cli-site/site/.cdn-deploy/lock: not a terminal, so pass --yes to confirm')
      expect(await lockExists()).toBe(true)
      const done = await cli('unlock', '--yes')
      expect(done.code, done.stderr).toBe(0)
      expect(done.stdout).toContain('[cdn-deploy] removed s3://cli-site/site/.cdn-deploy/lock')
      expect(await lockExists()).toBe(false)
    })

    it('refuses the live lock of a deploy still running on this machine unless --force', async () => {
      const running = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' })
      try {
        await putLock({ host: hostId(), pid: running.pid, token: 't', acquired: inMinutes(-1), expires: inMinutes(1) })
        const refused = await cli('unlock', '--yes')
        expect(refused.code).toBe(1)
        expect(refused.stderr).toContain(`belongs to a deploy still running on this machine (pid ${running.pid}): stop it, or pass --force`)
        expect(await lockExists()).toBe(true)
        const forced = await cli('unlock', '--yes', '--force')
        expect(forced.code, forced.stderr).toBe(0)
        expect(await lockExists()).toBe(false)
      } finally {
        running.kill()
      }
    })
  })

  it('deploy fails with a scoped message when the directory is empty', async () => {
    const empty = await tempDir('cli-empty')
    await writeFile(join(empty, '.keep'), '')
    const r = await cli('deploy', join(empty, 'nothing'))
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^\[cdn-deploy\] \[scan\]/)
  })
})

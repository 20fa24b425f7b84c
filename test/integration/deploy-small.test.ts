/**
 * The smaller defects of issue 11.10, each as it was found: a config file
 * whose default export is null, an endpoint that is not an S3 API (taken for an
 * empty bucket), a file name with a terminal escape sequence (printed raw), and
 * a lock that cannot be released (the failure was swallowed). Globs that never
 * match are rejected by the config (test/unit/config.test.ts).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfigFile } from '../../src/config/load.js'
import { tempDir } from '../helpers/build.js'
import { baseEnv, registerS3rverKey, runCli } from '../helpers/cli.js'
import { deploy, fixture, removeFixtures, targetConfig, TUNING } from '../helpers/deploy.js'
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy.js'
import { startS3rver, type S3TestServer } from '../helpers/s3-servers.js'

describe('smaller defects', () => {
  let server: S3TestServer
  let proxy: RecordingProxy
  let website: Server
  beforeAll(async () => {
    server = await startS3rver('small-bucket')
    registerS3rverKey()
    proxy = await startRecordingProxy(server.endpoint, server.bucket)
    // A web server at the "endpoint": every path is a 404 page.
    website = createServer((req, res) => {
      req.resume()
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Not Found</body></html>')
    })
    await new Promise<void>((resolve) => website.listen(0, '127.0.0.1', resolve))
  })
  afterAll(async () => {
    await new Promise((resolve) => website.close(resolve))
    await proxy?.stop()
    await server?.stop()
    await removeFixtures()
  })

  it('a config file exporting null says so', async () => {
    const dir = await tempDir('null-config')
    await writeFile(join(dir, 'cdn.config.mjs'), 'export default null\n')
    await expect(loadConfigFile(dir)).rejects.toThrow(/^\[cdn-deploy\] \[config\] \S+cdn\.config\.mjs exports null as its default: export the config object/)
  })

  it('an endpoint that is not an S3 API is not taken for an empty bucket', async () => {
    const endpoint = `http://127.0.0.1:${(website.address() as AddressInfo).port}`
    const error = await deploy({
      dir: await fixture({ 'index.html': '<p>x</p>' }),
      config: targetConfig({ endpoint, bucket: 'site' }),
      storage: TUNING,
      env: {},
      commit: 'c1',
    }).then(
      () => undefined,
      (e: Error) => e,
    )
    expect(error?.message).toMatch(
      /^\[cdn-deploy\] \[s3\] GetObject s3:\/\/site\/\.cdn-deploy\/ledger\.json: http:\/\/127\.0\.0\.1:\d+ answered 404 without an S3 error \(NoSuchKey\): is storage\.endpoint an S3 API/,
    )
  })

  it('a file name with a terminal escape sequence is printed escaped', async () => {
    const cwd = await tempDir('escape-cli')
    const dist = join(cwd, 'dist')
    await mkdir(dist, { recursive: true })
    await writeFile(join(dist, 'index.html'), '<p>x</p>')
    await writeFile(join(dist, 'evil\x1b[2Jname.txt'), 'x')
    const env = { ...baseEnv(cwd), AWS_ENDPOINT_URL_S3: server.endpoint, CDN_BUCKET: server.bucket, CDN_DOMAIN: 'https://cdn.example.com', CDN_PREFIX: 'esc/' }
    const r = await runCli(['plan', 'dist'], { cwd, env })
    expect(r.code, r.stderr).toBe(2)
    expect(r.stdout).toContain('evil\\x1b[2Jname.txt')
    expect(r.stdout).not.toContain('\x1b')
  })

  it('a lock that cannot be released is said, with when it expires', async () => {
    const prefix = 'unreleased/'
    proxy.fault = (r) => (r.method === 'DELETE' && r.key === `${prefix}.cdn-deploy/lock` ? 'internal' : undefined)
    const report = await deploy({
      dir: await fixture({ 'index.html': '<p>x</p>' }),
      config: targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix }),
      storage: TUNING,
      env: {},
      commit: 'c1',
    })
    proxy.fault = () => undefined
    expect(report.committed).toBe(true)
    expect(report.warnings).toEqual([
      expect.stringMatching(/^could not release the deploy lock \(.*HTTP 500.*\): it blocks the next deploy until \S+, or until `cdn-deploy unlock`$/),
    ])
  })
})

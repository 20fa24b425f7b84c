/**
 * Secrets (issue 11.7): a webhook token given as `${VAR}` inside a header value
 * never reaches a message, the JSON report or the CI step summary, even when
 * the webhook echoes the bare token in its error body, and even where the
 * echoed text is cut to its first 300 characters.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redact, registerSecret } from '../../src/secrets.js'
import { tempDir } from '../helpers/build.js'
import { deploy, fixture, removeFixtures, targetConfig, TUNING } from '../helpers/deploy.js'
import { startS3rver, type S3TestServer } from '../helpers/s3-servers.js'

const TOKEN = 'hook-token-5f0c2a9e7d1b4c3a'

describe('a webhook that echoes its token (s3rver)', () => {
  let server: S3TestServer
  let hook: Server
  let url: string
  /** What the webhook answers to the purge: its error body, built around the token. */
  let body = ''
  beforeAll(async () => {
    server = await startS3rver('secrets')
    hook = createServer((req, res) => {
      req.resume()
      if (req.method === 'HEAD') return void res.writeHead(200).end()
      res.writeHead(400, { 'content-type': 'text/plain' }).end(body)
    })
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/purge`
  })
  afterAll(async () => {
    await new Promise((resolve) => hook.close(resolve))
    await server?.stop()
    await removeFixtures()
  })

  it.each([
    ['the bare token in a JSON error', () => `{"error":"token ${TOKEN} is not allowed to purge"}`],
    ['the token across the 300-character cut', () => `${'x'.repeat(290)}${TOKEN}`],
  ])('%s: masked in the error, the report and the step summary', async (_name, answer) => {
    body = answer()
    const prefix = `s-${Math.random().toString(36).slice(2, 8)}/`
    const out = await tempDir('secrets')
    const env = { HOOK_TOKEN: TOKEN, GITHUB_STEP_SUMMARY: join(out, 'summary.md') }
    const saved = process.env.HOOK_TOKEN
    process.env.HOOK_TOKEN = TOKEN // the provider reads ${VAR} from the process environment
    try {
      const config = targetConfig({
        endpoint: server.endpoint,
        bucket: server.bucket,
        prefix,
        provider: { type: 'generic', url, headers: { authorization: 'Bearer ${HOOK_TOKEN}' } },
      })
      const error = await deploy({
        dir: await fixture({ 'index.html': '<p>hi</p>' }),
        config,
        storage: TUNING,
        env,
        commit: 'c1',
        reportFile: join(out, 'report.json'),
      }).then(
        () => undefined,
        (e: Error) => e,
      )
      expect(error?.message).toMatch(
        /release \S+ is live, but invalidation failed: \[cdn-deploy\] \[generic\] webhook POST http:\/\/127\.0\.0\.1:\d+\/purge answered HTTP 400: /,
      )
      const texts = [error!.message, await readFile(join(out, 'report.json'), 'utf8'), await readFile(join(out, 'summary.md'), 'utf8')]
      for (const text of texts) expect(text).not.toContain(TOKEN.slice(0, 10))
      expect(error!.message).toContain('***')
    } finally {
      if (saved === undefined) delete process.env.HOOK_TOKEN
      else process.env.HOOK_TOKEN = saved
    }
  })
})

describe('redact', () => {
  it.each([
    ['a registered value', 'token=abcdef123456 here', 'token=*** here'],
    ['a credential in a URL', 'GET https://user:p4ssw0rd@example.com/x failed', 'GET https://***@example.com/x failed'],
    ['short values stay (a dummy "test" key would mask words)', 'test passed', 'test passed'],
  ])('%s', (_name, text, expected) => {
    registerSecret('abcdef123456')
    registerSecret('test')
    expect(redact(text, {})).toBe(expected)
  })
})

/**
 * `cdn-deploy verify` on a redirect object (`redirects`), against a loopback
 * HTTP server: a website endpoint's 301 to the target passes, and so does the
 * empty object a REST endpoint serves; a 301 elsewhere or a page with content fails.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkFile } from '../../src/cli/verify-file.js'
import type { LedgerEntry } from '../../src/plan/types.js'

let server: Server
let base: string

beforeAll(async () => {
  server = createServer((req, res) => {
    const routes: Record<string, [number, Record<string, string>, string]> = {
      '/website': [301, { location: '/app/new' }, ''],
      '/absolute': [301, { location: `${base}/app/new` }, ''],
      '/elsewhere': [301, { location: '/app/other' }, ''],
      '/rest': [200, { 'content-type': 'text/html; charset=utf-8', 'x-amz-website-redirect-location': '/app/new' }, ''],
      '/page': [200, { 'content-type': 'text/html' }, '<p>not a redirect</p>'],
    }
    const [status, headers, body] = routes[req.url ?? ''] ?? [404, {}, 'missing']
    res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) })
    res.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const entry: LedgerEntry = {
  sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  size: 0,
  contentType: 'text/html; charset=utf-8',
  cacheControl: 'public, max-age=300',
  immutable: false,
  release: 'r1',
  params: { WebsiteRedirectLocation: '/app/new' },
}

describe('verify: redirect objects', () => {
  it.each([
    ['/website', true, []],
    ['/absolute', true, []],
    ['/rest', true, []],
    ['/elsewhere', false, ['redirects to "/app/other", expected "/app/new"']],
    ['/page', false, ['HTTP 200 (expected a redirect to "/app/new", or the empty redirect object itself)']],
    ['/gone', false, ['HTTP 404 (expected a redirect to "/app/new", or the empty redirect object itself)']],
  ])('%s → ok %s', async (path, ok, problems) => {
    const result = await checkFile({ rel: 'old', url: base + path, entry, timeoutMs: 5_000 })
    expect(result).toMatchObject({ ok, problems })
  })
})

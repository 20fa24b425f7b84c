/**
 * A loopback stand-in for the parts of the Cloudflare API v4 the adapter uses,
 * with the documented request bodies and response envelope:
 *   POST /zones/{zone_id}/purge_cache   { files } | { prefixes } | { hosts } | { tags } | { purge_everything }
 *   GET  /zones/{zone_id}
 *   GET  /user/tokens/verify
 * Every request is recorded. Rate limiting (429 + Retry-After) and failures are
 * scripted per test. Also a plain recording HTTP server for the webhook tests.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
  /** ms since the server started */
  at: number
}

export interface ScriptedResponse {
  status: number
  headers?: Record<string, string>
  body?: unknown
}

export interface FakeCloudflare {
  /** e.g. http://127.0.0.1:PORT/client/v4 */
  baseURL: string
  zoneId: string
  token: string
  requests: RecordedRequest[]
  purges(): Array<{ files?: string[]; prefixes?: string[]; [key: string]: unknown }>
  /** The next purge calls answer these instead (in order), e.g. a 429. */
  script: ScriptedResponse[]
  stop(): Promise<void>
}

/** The documented limit of URLs (or prefixes) per purge call on most plans. */
export const MAX_PER_CALL = 100

const envelope = (result: unknown) => ({ success: true, errors: [], messages: [], result })
const failure = (code: number, message: string) => ({ success: false, errors: [{ code, message }], messages: [], result: null })

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(body === undefined ? '' : JSON.stringify(body))
}

export async function startFakeCloudflare(zoneId = '023e105f4ecef8ad9ca31a8372d0c353', token = 'cf-test-token-0123456789'): Promise<FakeCloudflare> {
  const requests: RecordedRequest[] = []
  const script: ScriptedResponse[] = []
  const started = Date.now()
  let purgeCount = 0

  const server = createServer(async (req, res) => {
    const body = await readBody(req)
    const path = (req.url ?? '/').replace(/^\/client\/v4/, '')
    requests.push({ method: req.method ?? '', path, headers: req.headers, body, at: Date.now() - started })

    if (req.headers.authorization !== `Bearer ${token}`) {
      // Echo what was sent, as a careless server might: the adapter must not repeat it.
      return send(res, 403, failure(10000, `Authentication error (got "${req.headers.authorization ?? ''}")`))
    }
    if (req.method === 'GET' && path === '/user/tokens/verify') return send(res, 200, envelope({ id: 'tok-1', status: 'active' }))

    const zone = /^\/zones\/([^/]+)(\/purge_cache)?$/.exec(path)
    if (!zone) return send(res, 404, failure(7000, 'No route for that URI'))
    if (zone[1] !== zoneId) return send(res, 404, failure(7003, `Could not route to /zones/${zone[1]}, perhaps your object identifier is invalid?`))
    if (req.method === 'GET' && !zone[2]) return send(res, 200, envelope({ id: zoneId, name: 'example.com', status: 'active' }))
    if (req.method !== 'POST' || !zone[2]) return send(res, 405, failure(10405, 'Method not allowed'))

    const next = script.shift()
    if (next) return send(res, next.status, next.body ?? failure(971, 'Please wait and consider throttling your request speed'), next.headers)

    let json: Record<string, unknown>
    try {
      json = JSON.parse(body) as Record<string, unknown>
    } catch {
      return send(res, 400, failure(1012, 'Request must contain valid JSON'))
    }
    const kinds = ['files', 'prefixes', 'hosts', 'tags', 'purge_everything'].filter((k) => k in json)
    if (kinds.length !== 1) return send(res, 400, failure(1015, 'Request must contain exactly one of files, tags, hosts, prefixes or purge_everything'))
    const list = json[kinds[0]!]
    if (kinds[0] !== 'purge_everything') {
      if (!Array.isArray(list) || list.length === 0) return send(res, 400, failure(1016, `${kinds[0]} must be a non-empty array`))
      if (list.length > MAX_PER_CALL) return send(res, 400, failure(1017, `Only ${MAX_PER_CALL} items may be purged per request`))
      if (kinds[0] === 'files' && list.some((u) => typeof u !== 'string' || !/^https?:\/\//.test(u)))
        return send(res, 400, failure(1018, 'files must be full URLs'))
      if (kinds[0] === 'prefixes' && list.some((p) => typeof p !== 'string' || /^[a-z]+:\/\//i.test(p)))
        return send(res, 400, failure(1019, 'prefixes must not include a scheme'))
    }
    purgeCount++
    return send(res, 200, envelope({ id: `purge-${purgeCount}` }))
  })

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseURL: `http://127.0.0.1:${port}/client/v4`,
    zoneId,
    token,
    requests,
    script,
    purges: () =>
      requests
        .filter((r) => r.method === 'POST' && r.path.endsWith('/purge_cache'))
        .map((r) => JSON.parse(r.body) as { files?: string[]; prefixes?: string[] }),
    stop: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  }
}

export interface RecordingServer {
  url: string
  requests: RecordedRequest[]
  /** Responses for the next requests, in order; then 200 with `fallback`. */
  script: ScriptedResponse[]
  fallback: ScriptedResponse
  stop(): Promise<void>
}

/** Any-path HTTP server on loopback that records requests and answers from a script. */
export async function startRecordingServer(fallback: ScriptedResponse = { status: 200, body: { ok: true } }): Promise<RecordingServer> {
  const requests: RecordedRequest[] = []
  const script: ScriptedResponse[] = []
  const started = Date.now()
  const state = { fallback }
  const server = createServer(async (req, res) => {
    const body = await readBody(req)
    requests.push({ method: req.method ?? '', path: req.url ?? '/', headers: req.headers, body, at: Date.now() - started })
    const next = script.shift() ?? state.fallback
    send(res, next.status, next.body, next.headers)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script,
    get fallback() {
      return state.fallback
    },
    set fallback(value) {
      state.fallback = value
    },
    stop: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  }
}

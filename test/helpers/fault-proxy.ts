/**
 * The fault suite's proxy: a loopback HTTP proxy in front of moto that decides,
 * per request, to pass it or to fail it in one of the ways a network and a
 * store fail (test/fault/). Requests are forwarded untouched (Host header
 * included, so SigV4 signatures stay valid) once their body is whole, as a
 * store acts on a request: one whose body stops arriving (its client frozen
 * mid-request) is refused with 400 RequestTimeout, as S3 does, and never lands.
 *
 * Faults: `internal` 500 and `slowdown` 503 (after reading the body); `deny`
 * 403 AccessDenied (not retried: a deploy fails on it); `reset-request` drops
 * the connection inside the request body (nothing forwarded); `reset-response`
 * forwards, then sends the answer's headers and half its body and drops the
 * connection; `lost` forwards (the store acts on it) and drops the connection
 * instead of answering; `hang` never answers (forwarded or not): the client's
 * deadline has to end it; `stall` forwards and holds the answer `ms`.
 *
 * Two actions hand control to the test: `kill` calls `hooks.kill` (the test
 * kills the client with SIGKILL) before forwarding or after the store answered,
 * then drops the connection; `pause` calls `hooks.pause` (SIGSTOP) once the
 * request is whole, then forwards it and answers as usual.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export type FaultKind = 'internal' | 'slowdown' | 'deny' | 'reset-request' | 'reset-response' | 'lost' | 'hang' | 'stall'

export type ProxyAction =
  | { kind: Exclude<FaultKind, 'hang' | 'stall'> }
  | { kind: 'hang'; forward: boolean }
  | { kind: 'stall'; ms: number }
  | { kind: 'kill'; when: 'before' | 'after' }
  | { kind: 'pause' }

export interface ProxiedRequest {
  seq: number
  method: string
  /** Object key, path-style bucket stripped and percent-decoded; undefined for bucket-level calls. */
  key: string | undefined
  /** Query parameter names (`delete`, `list-type`, `uploadId`…), without the SDK's `x-id`. */
  query: string[]
  headers: IncomingHttpHeaders
  /** `x-amz-copy-source`, decoded: a server-side copy. */
  copySource: string | undefined
}

export interface ChaosProxy {
  endpoint: string
  /** One line per request: `#seq METHOD key?query action → status`. */
  log: string[]
  /** Decides each request's fate; replace it at any time. */
  decide: (r: ProxiedRequest) => ProxyAction | undefined
  /** What `kill` and `pause` call; the request waits for it. */
  hooks: { kill?: (r: ProxiedRequest) => Promise<void>; pause?: (r: ProxiedRequest) => Promise<void> }
  /** The last `n` log lines, for failure messages. */
  tail(n?: number): string
  stop(): Promise<void>
}

/** `METHOD key?query` of a request, for decisions and logs. */
export const describeRequest = (r: Pick<ProxiedRequest, 'method' | 'key' | 'query' | 'copySource'>): string =>
  `${r.method} ${r.key ?? '<bucket>'}${r.query.length ? `?${r.query.join('&')}` : ''}${r.copySource ? ` (copy of ${r.copySource})` : ''}`

interface Answer {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

/** A request body idle this long is refused (S3: 20 s; here well under the suite's shortest lock lifetime). */
const IDLE_MS = 1_000

export async function startChaosProxy(target: string, bucket: string): Promise<ChaosProxy> {
  const t = new URL(target)
  let counter = 0
  const sockets = new Set<Socket>()

  /**
   * The whole request body, as a store reads it: a body that stops arriving for
   * `IDLE_MS` (its client was frozen mid-request) is refused with 400
   * RequestTimeout, as S3 does after 20 s, and never reaches the store.
   */
  const body = (req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = []
      let timer: NodeJS.Timeout
      const idle = () => {
        clearTimeout(timer)
        timer = setTimeout(() => {
          req.removeAllListeners('data')
          if (!res.headersSent && !res.destroyed) errorAnswer(res, 400, 'RequestTimeout')
          resolve(undefined)
        }, IDLE_MS)
      }
      idle()
      req.on('data', (c: Buffer) => {
        chunks.push(c)
        idle()
      })
      req.once('end', () => {
        clearTimeout(timer)
        resolve(Buffer.concat(chunks))
      })
      req.once('error', (err) => {
        clearTimeout(timer)
        reject(err)
      })
      req.resume()
    })

  /** Send a whole request to the store; resolves with its whole answer. */
  const send = (req: IncomingMessage, payload: Buffer): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const upstream = httpRequest({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
        const chunks: Buffer[] = []
        ur.on('data', (c: Buffer) => chunks.push(c))
        ur.once('end', () => resolve({ status: ur.statusCode ?? 502, headers: ur.headers, body: Buffer.concat(chunks) }))
        ur.once('error', reject)
      })
      upstream.once('error', reject)
      upstream.end(payload)
    })

  /** Read the request whole, then forward it; undefined when its body never completed (answered 400). */
  const forward = async (req: IncomingMessage, res: ServerResponse): Promise<Answer | undefined> => {
    const payload = await body(req, res)
    return payload === undefined ? undefined : send(req, payload)
  }

  const answer = (res: ServerResponse, a: Answer | undefined) => {
    if (!a || res.destroyed) return
    res.writeHead(a.status, a.headers)
    res.end(a.body)
  }

  const errorAnswer = (res: ServerResponse, status: number, code: string) => {
    res.writeHead(status, { 'content-type': 'application/xml' })
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${code} (fault proxy)</Message></Error>`)
  }

  const proxy: ChaosProxy = {
    endpoint: '',
    log: [],
    decide: () => undefined,
    hooks: {},
    tail: (n = 60) => proxy.log.slice(-n).join('\n'),
    stop: async () => {},
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy')
    const rest = url.pathname.startsWith(`/${bucket}/`) ? url.pathname.slice(bucket.length + 2) : undefined
    const copy = req.headers['x-amz-copy-source']
    const rec: ProxiedRequest = {
      seq: ++counter,
      method: req.method ?? 'GET',
      key: rest === undefined || rest === '' ? undefined : decodeURIComponent(rest),
      query: [...url.searchParams.keys()].filter((k) => k !== 'x-id'),
      headers: req.headers,
      copySource: typeof copy === 'string' ? decodeURIComponent(copy) : undefined,
    }
    req.pause()
    const action = proxy.decide(rec)
    const line = `#${rec.seq} ${describeRequest(rec)} ${action ? action.kind + ('ms' in action ? ` ${action.ms}ms` : '') + ('when' in action ? ` ${action.when}` : '') + ('forward' in action ? (action.forward ? ' (forwarded)' : ' (not forwarded)') : '') : 'pass'}`
    const index = proxy.log.push(line) - 1
    const status = (s: number | string) => void (proxy.log[index] = `${line} → ${s}`)
    const drop = () => {
      req.socket.destroy()
      status('dropped')
    }

    const go = async (): Promise<void> => {
      switch (action?.kind) {
        case undefined: {
          const a = await forward(req, res)
          // A client that gave up first (its deadline) saw this request fail: say so.
          status(a ? `${a.status}${res.destroyed || req.socket.destroyed ? ' (client gone)' : ''}` : 'body timed out')
          return answer(res, a)
        }
        case 'internal':
        case 'slowdown':
        case 'deny': {
          const [code, name] = action.kind === 'internal' ? [500, 'InternalError'] : action.kind === 'slowdown' ? [503, 'SlowDown'] : [403, 'AccessDenied']
          req.resume()
          req.once('end', () => {
            status(code)
            errorAnswer(res, code, name)
          })
          return
        }
        case 'reset-request': {
          const length = Number(req.headers['content-length'] ?? 0)
          if (length > 0) req.once('data', drop)
          else drop()
          req.resume()
          return
        }
        case 'reset-response': {
          const a = await forward(req, res)
          if (!a) return status('body timed out')
          status(`${a.status}, cut after ${Math.floor(a.body.length / 2)} of ${a.body.length} bytes`)
          if (a.body.length === 0 || rec.method === 'HEAD') return drop()
          res.writeHead(a.status, a.headers)
          res.write(a.body.subarray(0, Math.floor(a.body.length / 2)), () => req.socket.destroy())
          return
        }
        case 'lost': {
          const a = await forward(req, res)
          status(a ? `${a.status}, answer lost` : 'body timed out')
          req.socket.destroy()
          return
        }
        case 'hang': {
          if (action.forward) {
            const a = await forward(req, res)
            status(a ? `${a.status}, never answered` : 'body timed out')
          } else {
            req.resume()
            status('never answered')
          }
          return
        }
        case 'stall': {
          const a = await forward(req, res)
          if (!a) return status('body timed out')
          await new Promise((r) => setTimeout(r, action.ms))
          status(`${a.status} after ${action.ms}ms${res.destroyed || req.socket.destroyed ? ' (client gone)' : ''}`)
          return answer(res, a)
        }
        case 'kill': {
          if (action.when === 'before') {
            await proxy.hooks.kill?.(rec)
            return drop()
          }
          const a = await forward(req, res)
          await proxy.hooks.kill?.(rec)
          status(a ? `${a.status}, then killed` : 'body timed out, then killed')
          req.socket.destroy()
          return
        }
        case 'pause': {
          const payload = await body(req, res)
          if (!payload) return status('body timed out')
          await proxy.hooks.pause?.(rec)
          const a = await send(req, payload)
          status(`${a.status} (client paused)`)
          return answer(res, a)
        }
      }
    }
    go().catch((err: Error) => {
      status(`proxy error ${err.message}`)
      res.destroy()
    })
  })
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.once('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  proxy.endpoint = `http://127.0.0.1:${port}`
  proxy.stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      server.close(() => resolve())
    })
  return proxy
}

/** FNV-1a over the parts: a 32-bit seed for one decision, independent of request order. */
export function hash32(...parts: Array<string | number>): number {
  let h = 0x811c9dc5
  for (const ch of parts.join('\u0000')) {
    h ^= ch.codePointAt(0)!
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/** mulberry32: a small seeded PRNG, floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface RandomFaults {
  /** Share of requests that get a fault. */
  rate: number
  /** Relative weight of each fault kind. */
  weights: Partial<Record<Exclude<FaultKind, 'deny'>, number>>
  /** Range of a `stall`. */
  stallMs: [number, number]
  /** At most this many `hang`s over the whole campaign (each costs one deadline). */
  maxHangs: number
}

/**
 * Faults chosen by a seeded PRNG, per request: the n-th request of one kind
 * (`METHOD key?query`) in run `run` always gets the same fate, whatever order
 * concurrent uploads arrive in, so a seed replays the same faults.
 */
export function randomFaults(seed: number, run: string, spec: RandomFaults, hangs: { count: number }): (r: ProxiedRequest) => ProxyAction | undefined {
  const seen = new Map<string, number>()
  const kinds = Object.entries(spec.weights) as Array<[Exclude<FaultKind, 'deny'>, number]>
  const total = kinds.reduce((s, [, w]) => s + w, 0)
  return (r) => {
    const sig = describeRequest(r)
    const n = (seen.get(sig) ?? 0) + 1
    seen.set(sig, n)
    const rand = prng(hash32(seed, run, sig, n))
    if (rand() >= spec.rate) return undefined
    let pick = rand() * total
    let kind = kinds[0]![0]
    for (const [k, w] of kinds) {
      if ((pick -= w) < 0) {
        kind = k
        break
      }
    }
    if (kind === 'hang') {
      if (hangs.count >= spec.maxHangs) kind = 'lost'
      else hangs.count++
    }
    if (kind === 'hang') return { kind, forward: rand() < 0.5 }
    if (kind === 'stall') return { kind, ms: Math.round(spec.stallMs[0] + rand() * (spec.stallMs[1] - spec.stallMs[0])) }
    return { kind }
  }
}

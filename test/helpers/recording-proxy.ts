/**
 * A loopback HTTP proxy that records every request a deploy makes, as the S3
 * server sees it (method, decoded key, query, status, arrival and completion
 * order), and can fail, delay or hold chosen requests. Requests are forwarded
 * untouched (Host header included, so SigV4 signatures stay valid).
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  /** Arrival order (shared counter with `done`). */
  seq: number
  /** Order at which the server's response was complete (or the connection closed), same counter as `seq`. */
  done?: number
  method: string
  /** Raw request path and query. */
  url: string
  /** Object key (path-style: bucket stripped, percent-decoded); `undefined` for bucket-level calls. */
  key: string | undefined
  /** Query parameter names (`uploads`, `uploadId`, `partNumber`, `delete`, `list-type`…). */
  query: string[]
  status?: number
  fault?: ProxyFault
  headers: IncomingHttpHeaders
}

/**
 * `reset`: drop the connection; `slowdown`: 503 SlowDown; `internal`: 500
 * InternalError; `lost`: forward the request, let the server act on it, then
 * drop the connection instead of answering (a lost response); `hang`: never
 * answer (the client's deadline has to end it); `cut`: send the answer's headers
 * and half its body, then drop the connection.
 */
export type ProxyFault = 'reset' | 'slowdown' | 'internal' | 'lost' | 'hang' | 'cut' | undefined

export interface RecordingProxy {
  endpoint: string
  requests: RecordedRequest[]
  /** Decide a fault per request (after `onRequest`); change it at any time. */
  fault: (req: RecordedRequest, raw: IncomingMessage) => ProxyFault
  /** Awaited before the request is decided and forwarded: delay, hold, or stop the server behind. */
  onRequest: ((req: RecordedRequest) => void | Promise<void>) | undefined
  /** Forget the recorded requests (the counter keeps going). */
  clear(): void
  stop(): Promise<void>
}

export async function startRecordingProxy(target: string, bucket: string): Promise<RecordingProxy> {
  const t = new URL(target)
  let counter = 0
  const proxy: RecordingProxy = {
    endpoint: '',
    requests: [],
    fault: () => undefined,
    onRequest: undefined,
    clear: () => void (proxy.requests = []),
    stop: async () => {},
  }
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy')
    const rest = url.pathname.startsWith(`/${bucket}/`) ? url.pathname.slice(bucket.length + 2) : undefined
    const rec: RecordedRequest = {
      seq: ++counter,
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      key: rest === undefined || rest === '' ? undefined : decodeURIComponent(rest),
      query: [...url.searchParams.keys()].filter((k) => k !== 'x-id'),
      headers: req.headers,
    }
    proxy.requests.push(rec)
    req.pause()
    res.on('close', () => {
      rec.done ??= ++counter
      rec.status ??= res.statusCode
    })
    const go = async (): Promise<void> => {
      if (proxy.onRequest) await proxy.onRequest(rec)
      const fault = (rec.fault = proxy.fault(rec, req))
      if (fault === 'reset') {
        rec.status = 0
        req.socket.destroy()
        return
      }
      if (fault === 'slowdown' || fault === 'internal') {
        const [status, code] = fault === 'slowdown' ? [503, 'SlowDown'] : [500, 'InternalError']
        req.resume()
        req.on('end', () => {
          res.writeHead(status, { 'content-type': 'application/xml' })
          res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${code} (recording proxy)</Message></Error>`)
        })
        return
      }
      if (fault === 'hang') {
        rec.status = 0
        req.resume()
        return
      }
      const upstream = httpRequest({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
        rec.status = ur.statusCode
        if (fault === 'lost') {
          ur.resume()
          ur.once('end', () => req.socket.destroy())
          return
        }
        if (fault === 'cut') {
          const chunks: Buffer[] = []
          ur.on('data', (c: Buffer) => chunks.push(c))
          ur.once('end', () => {
            const body = Buffer.concat(chunks)
            res.writeHead(ur.statusCode ?? 502, ur.headers)
            res.write(body.subarray(0, Math.floor(body.length / 2)), () => req.socket.destroy())
          })
          return
        }
        // Counted when the server's answer is complete, before the client can have it:
        // so `done` of one request < `seq` of any request the client sends after it.
        ur.once('end', () => void (rec.done ??= ++counter))
        res.writeHead(ur.statusCode ?? 502, ur.headers)
        ur.pipe(res)
      })
      upstream.on('error', () => {
        rec.status = 0
        res.destroy()
      })
      req.pipe(upstream)
      req.resume()
    }
    go().catch(() => res.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  proxy.endpoint = `http://127.0.0.1:${port}`
  proxy.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return proxy
}

/** The tool's own objects live under `<prefix>.cdn-deploy/`. */
export const isToolKey = (key: string | undefined): boolean => !!key && /(^|\/)\.cdn-deploy\//.test(key)

/** Requests that start or are a whole object upload: PutObject, or CreateMultipartUpload. */
export function isUploadStart(r: RecordedRequest): boolean {
  if (r.method === 'PUT') return !r.query.includes('partNumber') && !r.query.includes('uploadId')
  return r.method === 'POST' && r.query.includes('uploads')
}

/** Keys of site files (not the tool's own) whose upload started, in arrival order. */
export function fileUploads(requests: readonly RecordedRequest[]): string[] {
  return requests.filter((r) => isUploadStart(r) && r.key !== undefined && !isToolKey(r.key)).map((r) => r.key!)
}

/** Requests that write or delete anything (PUT, POST, DELETE). */
export function writes(requests: readonly RecordedRequest[]): RecordedRequest[] {
  return requests.filter((r) => r.method === 'PUT' || r.method === 'POST' || r.method === 'DELETE')
}

/** "METHOD key" lines, for readable assertions. */
export function describeRequests(requests: readonly RecordedRequest[]): string[] {
  return requests.map((r) => `${r.method} ${r.key ?? '<bucket>'}${r.query.length ? `?${r.query.join('&')}` : ''}`)
}

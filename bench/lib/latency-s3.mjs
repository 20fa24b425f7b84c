/**
 * A loopback S3 endpoint for measurement only (issue 15): every request is
 * answered `latencyMs` after its body has arrived (30 ms by default, like a real
 * S3 PUT), with no limit on how many are in flight, so what decides a deploy's
 * time against it is how many requests the client keeps in flight and how much
 * CPU each costs, not the server (moto saturates at ~4 in flight).
 *
 * What it keeps, and why (the decision the bench documents):
 * - Bodies only under `.cdn-deploy/` (any prefix): our ledger, lock and journal,
 *   which the deploy protocol reads back (the no-op redeploy is one ledger GET).
 *   Every other body is read to its end, MD5-hashed and dropped.
 * - Metadata of every object (size, MD5 ETag, Content-Type, Cache-Control,
 *   Content-Encoding, `x-amz-meta-*`, time), so HEAD and ListObjects stay
 *   consistent with what was written: rclone HEADs every object after its PUT
 *   and compares the MD5 with the local file (it would report a corrupted
 *   transfer otherwise); aws s3 sync, s3-sync-client and our bootstrap list. A
 *   first deploy goes into a freshly reset bucket, so each tool sees it empty.
 * - A GET of an object whose body was dropped answers 501 with a message saying
 *   so: nothing in these scenarios reads one back, and a tool that did must fail
 *   loudly rather than get made-up bytes.
 *
 * Protocol (path-style addressing only; signatures are not checked):
 * PUT/GET/HEAD/DELETE object (with If-Match / If-None-Match on all four, as S3
 * answers them: 412, 304, 404), CopyObject, multipart (create, upload part,
 * complete, abort, list parts), DeleteObjects, ListObjects V1 and V2 (prefix,
 * delimiter, max-keys, marker / continuation token / start-after, encoding-type
 * url), bucket HEAD / PUT / DELETE / ?location, ListBuckets. `aws-chunked` bodies
 * (the SDKs' streamed checksums) are decoded, so ETags are the MD5 of the object.
 *
 * Requests are logged (method, path, status) and counted by method for the
 * bench, as moto's log is for the other scenarios: `mark()` / `countBetween()`
 * have the same shape as bench/lib/moto.mjs's.
 *
 * Runs as a child process of the bench (`startLatencyS3`), controlled over the
 * IPC channel, so its CPU and event loop are separate from the bench's own
 * timing; it exits when the channel closes (the bench ended or was killed).
 * Usage as a standalone server: node latency-s3.mjs [latencyMs] [port]
 */
import { fork } from 'node:child_process'
import { createHash, randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'

export const DEFAULT_LATENCY_MS = 30
const KEPT = /(^|\/)\.cdn-deploy\//
/** Whether the server keeps this key's body. */
export const keepsBody = (key) => KEPT.test(key)

const xmlEscape = (s) => String(s).replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c])
const xmlUnescape = (s) => s.replace(/&(lt|gt|amp|apos|quot|#\d+|#x[0-9a-f]+);/gi, (_, e) => {
  const named = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' }[e.toLowerCase()]
  if (named) return named
  return String.fromCodePoint(e[1].toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10))
})
const XMLNS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
const bare = (etag) => String(etag ?? '').trim().replace(/^W\//, '').replace(/^"|"$/g, '')
/** The stored headers a GET/HEAD gives back (besides ETag, length, type, time). */
const STORED = ['cache-control', 'content-encoding', 'content-disposition', 'content-language', 'expires', 'x-amz-website-redirect-location', 'x-amz-storage-class']

/** Decode an `aws-chunked` body (`<hex size>[;chunk-signature=…]\r\n<data>\r\n…0\r\n<trailers>\r\n\r\n`). */
export function decodeAwsChunked(buf) {
  const parts = []
  let at = 0
  for (;;) {
    const eol = buf.indexOf('\r\n', at)
    if (eol < 0) throw new Error('aws-chunked: truncated chunk header')
    const size = parseInt(buf.subarray(at, eol).toString('latin1').split(';')[0], 16)
    if (!Number.isFinite(size)) throw new Error('aws-chunked: bad chunk size')
    if (size === 0) break
    parts.push(buf.subarray(eol + 2, eol + 2 + size))
    at = eol + 2 + size + 2
  }
  return Buffer.concat(parts)
}

/**
 * The server itself (in this process). Returns { server, state, log }; the
 * child-process wrapper below is what the bench uses.
 */
export function createLatencyS3({ latencyMs = DEFAULT_LATENCY_MS } = {}) {
  /** bucket → { objects: Map<key, object>, sorted: string[] | null, uploads: Map<id, upload> } */
  const buckets = new Map()
  /** Every request: [method, path, status] (status filled in when answered). */
  const log = []
  const bucketOf = (name) => buckets.get(name)
  const createBucket = (name) => {
    if (!buckets.has(name)) buckets.set(name, { objects: new Map(), sorted: null, uploads: new Map(), created: new Date() })
  }
  const reset = () => {
    buckets.clear()
    log.length = 0
  }

  const server = createServer({ keepAliveTimeout: 120_000, headersTimeout: 120_000, requestTimeout: 0, noDelay: true }, (req, res) => {
    const entry = [req.method, req.url, 0]
    log.push(entry)
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('error', () => {})
    req.on('end', () => {
      let answer
      try {
        answer = handle(req, Buffer.concat(chunks))
      } catch (err) {
        answer = error(500, 'InternalError', `latency-s3: ${err?.stack ?? err}`)
      }
      entry[2] = answer.status
      setTimeout(() => {
        const body = answer.body ?? ''
        const headers = { 'x-amz-request-id': 'latency-s3', ...answer.headers }
        if (req.method === 'HEAD' || answer.status === 304 || answer.status === 204) {
          res.writeHead(answer.status, headers)
          res.end()
        } else {
          res.writeHead(answer.status, { 'content-length': Buffer.byteLength(body), ...headers })
          res.end(body)
        }
      }, latencyMs)
    })
  })
  server.maxRequestsPerSocket = 0
  server.maxHeadersCount = 0
  /** TCP connections accepted so far (keep-alive at work: far fewer than requests). */
  const stats = { connections: 0 }
  server.on('connection', () => void stats.connections++)

  function error(status, code, message, extra = {}) {
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>${Object.entries(extra).map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`).join('')}<RequestId>latency-s3</RequestId></Error>`
    return { status, headers: { 'content-type': 'application/xml' }, body }
  }
  const xml = (body, status = 200) => ({ status, headers: { 'content-type': 'application/xml' }, body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}` })

  function readBody(req, raw) {
    const encoding = String(req.headers['content-encoding'] ?? '')
    const chunked = /aws-chunked/i.test(encoding) || String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-')
    return chunked ? decodeAwsChunked(raw) : raw
  }

  function storedHeaders(req) {
    const out = {}
    for (const name of STORED) {
      let v = req.headers[name]
      if (v === undefined) continue
      if (name === 'content-encoding') v = String(v).split(',').map((s) => s.trim()).filter((s) => s && s !== 'aws-chunked').join(', ')
      if (v) out[name] = String(v)
    }
    const meta = {}
    for (const [k, v] of Object.entries(req.headers)) if (k.startsWith('x-amz-meta-')) meta[k] = String(v)
    return { headers: out, meta, contentType: String(req.headers['content-type'] ?? 'binary/octet-stream') }
  }

  /** 412/404/304 for the If-Match / If-None-Match headers against `obj` (undefined: missing). */
  function precondition(req, obj, read) {
    const ifMatch = req.headers['if-match']
    const ifNoneMatch = req.headers['if-none-match']
    if (ifMatch !== undefined) {
      if (!obj) return read ? error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-Match' }) : error(404, 'NoSuchKey', 'The specified key does not exist.')
      const wanted = String(ifMatch).split(',').map(bare)
      if (!wanted.includes('*') && !wanted.includes(obj.etag)) return error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-Match' })
    }
    if (ifNoneMatch !== undefined && obj) {
      const wanted = String(ifNoneMatch).split(',').map(bare)
      if (wanted.includes('*') || wanted.includes(obj.etag)) {
        return read ? { status: 304, headers: { etag: `"${obj.etag}"` } } : error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-None-Match' })
      }
    }
    return undefined
  }

  function put(bucket, key, obj) {
    if (!bucket.objects.has(key)) bucket.sorted = null
    bucket.objects.set(key, obj)
  }
  function remove(bucket, key) {
    if (bucket.objects.delete(key)) bucket.sorted = null
  }

  function objectHeaders(obj) {
    return {
      etag: `"${obj.etag}"`,
      'content-type': obj.contentType,
      'last-modified': obj.time.toUTCString(),
      'accept-ranges': 'bytes',
      ...obj.headers,
      ...obj.meta,
    }
  }

  function handle(req, raw) {
    const url = new URL(req.url, 'http://x')
    const q = url.searchParams
    const path = url.pathname.slice(1)
    const slash = path.indexOf('/')
    const bucketName = decodeURIComponent(slash < 0 ? path : path.slice(0, slash))
    const key = slash < 0 ? '' : path.slice(slash + 1).split('/').map(decodeURIComponent).join('/')
    const method = req.method

    if (!bucketName) {
      if (method !== 'GET') return error(405, 'MethodNotAllowed', `${method} on the service`)
      const list = [...buckets.entries()].map(([name, b]) => `<Bucket><Name>${xmlEscape(name)}</Name><CreationDate>${b.created.toISOString()}</CreationDate></Bucket>`).join('')
      return xml(`<ListAllMyBucketsResult ${XMLNS}><Owner><ID>bench</ID><DisplayName>bench</DisplayName></Owner><Buckets>${list}</Buckets></ListAllMyBucketsResult>`)
    }
    if (!key) {
      if (method === 'PUT') {
        createBucket(bucketName)
        return { status: 200, headers: { location: `/${bucketName}` } }
      }
      const bucket = bucketOf(bucketName)
      if (!bucket) return method === 'HEAD' ? { status: 404, headers: {} } : error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucketName })
      if (method === 'HEAD') return { status: 200, headers: { 'x-amz-bucket-region': 'us-east-1' } }
      if (method === 'DELETE') {
        if (bucket.objects.size) return error(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty')
        buckets.delete(bucketName)
        return { status: 204, headers: {} }
      }
      if (method === 'POST' && q.has('delete')) return deleteObjects(bucket, raw.toString('utf8'))
      if (method === 'GET') {
        if (q.has('location')) return xml(`<LocationConstraint ${XMLNS}></LocationConstraint>`)
        if (q.has('uploads')) return xml(`<ListMultipartUploadsResult ${XMLNS}><Bucket>${xmlEscape(bucketName)}</Bucket><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>`)
        if (q.has('versioning')) return xml(`<VersioningConfiguration ${XMLNS}/>`)
        return list(bucketName, bucket, q)
      }
      return error(501, 'NotImplemented', `latency-s3: ${method} ${req.url} is not implemented`)
    }

    const bucket = bucketOf(bucketName)
    if (!bucket) return error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucketName })
    const obj = bucket.objects.get(key)

    if (method === 'PUT' && q.has('partNumber') && q.has('uploadId')) {
      const upload = bucket.uploads.get(q.get('uploadId'))
      if (!upload || upload.key !== key) return error(404, 'NoSuchUpload', 'The specified upload does not exist.', { UploadId: q.get('uploadId') })
      const body = readBody(req, raw)
      const etag = createHash('md5').update(body).digest('hex')
      upload.parts.set(Number(q.get('partNumber')), { etag, size: body.length, md5: Buffer.from(etag, 'hex'), body: upload.keep ? body : undefined })
      return { status: 200, headers: { etag: `"${etag}"` } }
    }
    if (method === 'PUT') {
      const failed = precondition(req, obj, false)
      if (failed) return failed
      const source = req.headers['x-amz-copy-source']
      if (source) return copyObject(bucket, key, String(source), req)
      const body = readBody(req, raw)
      const etag = createHash('md5').update(body).digest('hex')
      const { headers, meta, contentType } = storedHeaders(req)
      put(bucket, key, { size: body.length, etag, contentType, headers, meta, time: new Date(), body: keepsBody(key) ? body : undefined })
      return { status: 200, headers: { etag: `"${etag}"` } }
    }
    if (method === 'POST' && q.has('uploads')) {
      const id = randomUUID().replace(/-/g, '')
      bucket.uploads.set(id, { key, keep: keepsBody(key), parts: new Map(), ...storedHeaders(req) })
      return xml(`<InitiateMultipartUploadResult ${XMLNS}><Bucket>${xmlEscape(bucketName)}</Bucket><Key>${xmlEscape(key)}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`)
    }
    if (method === 'POST' && q.has('uploadId')) {
      const id = q.get('uploadId')
      const upload = bucket.uploads.get(id)
      if (!upload || upload.key !== key) return error(404, 'NoSuchUpload', 'The specified upload does not exist.', { UploadId: id })
      const failed = precondition(req, obj, false)
      if (failed) return failed
      const text = raw.toString('utf8')
      const listed = [...text.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({ n: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1])?.[1]), etag: bare(xmlUnescape(/<ETag>([\s\S]*?)<\/ETag>/.exec(m[1])?.[1] ?? '')) }))
      const parts = []
      for (const { n, etag } of listed) {
        const part = upload.parts.get(n)
        if (!part || part.etag !== etag) return error(400, 'InvalidPart', `part ${n} was not uploaded or its ETag differs`, { UploadId: id })
        parts.push(part)
      }
      if (parts.length === 0) return error(400, 'MalformedXML', 'no parts in CompleteMultipartUpload')
      const etag = `${createHash('md5').update(Buffer.concat(parts.map((p) => p.md5))).digest('hex')}-${parts.length}`
      put(bucket, key, { size: parts.reduce((s, p) => s + p.size, 0), etag, contentType: upload.contentType, headers: upload.headers, meta: upload.meta, time: new Date(), body: upload.keep ? Buffer.concat(parts.map((p) => p.body)) : undefined })
      bucket.uploads.delete(id)
      return xml(`<CompleteMultipartUploadResult ${XMLNS}><Location>/${xmlEscape(bucketName)}/${xmlEscape(key)}</Location><Bucket>${xmlEscape(bucketName)}</Bucket><Key>${xmlEscape(key)}</Key><ETag>&quot;${etag}&quot;</ETag></CompleteMultipartUploadResult>`)
    }
    if (method === 'DELETE' && q.has('uploadId')) {
      bucket.uploads.delete(q.get('uploadId'))
      return { status: 204, headers: {} }
    }
    if (method === 'GET' && q.has('uploadId')) {
      const upload = bucket.uploads.get(q.get('uploadId'))
      if (!upload) return error(404, 'NoSuchUpload', 'The specified upload does not exist.')
      const parts = [...upload.parts.entries()].sort((a, b) => a[0] - b[0]).map(([n, p]) => `<Part><PartNumber>${n}</PartNumber><ETag>&quot;${p.etag}&quot;</ETag><Size>${p.size}</Size></Part>`).join('')
      return xml(`<ListPartsResult ${XMLNS}><Bucket>${xmlEscape(bucketName)}</Bucket><Key>${xmlEscape(key)}</Key><UploadId>${q.get('uploadId')}</UploadId><IsTruncated>false</IsTruncated>${parts}</ListPartsResult>`)
    }
    if (method === 'GET' || method === 'HEAD') {
      if (!obj) return method === 'HEAD' ? { status: 404, headers: {} } : error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key })
      const failed = precondition(req, obj, true)
      if (failed) return failed
      const headers = objectHeaders(obj)
      if (method === 'HEAD') return { status: 200, headers: { ...headers, 'content-length': obj.size } }
      if (!obj.body) return error(501, 'NotImplemented', `latency-s3 keeps only the bodies of .cdn-deploy/ objects; ${key} was not kept (its HEAD and listing entry are)`, { Key: key })
      return { status: 200, headers, body: obj.body }
    }
    if (method === 'DELETE') {
      if (obj && req.headers['if-match'] !== undefined) {
        const failed = precondition(req, obj, false)
        if (failed) return failed
      }
      remove(bucket, key)
      return { status: 204, headers: {} }
    }
    return error(501, 'NotImplemented', `latency-s3: ${method} ${req.url} is not implemented`)
  }

  function copyObject(bucket, key, source, req) {
    const raw = decodeURIComponent(source.split('?')[0].replace(/^\//, ''))
    const at = raw.indexOf('/')
    const from = bucketOf(raw.slice(0, at))?.objects.get(raw.slice(at + 1))
    if (!from) return error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: raw })
    const replace = String(req.headers['x-amz-metadata-directive'] ?? 'COPY').toUpperCase() === 'REPLACE'
    const copy = replace ? { ...from, ...storedHeaders(req) } : { ...from }
    copy.time = new Date()
    copy.body = keepsBody(key) ? from.body : undefined
    put(bucket, key, copy)
    return xml(`<CopyObjectResult ${XMLNS}><LastModified>${copy.time.toISOString()}</LastModified><ETag>&quot;${copy.etag}&quot;</ETag></CopyObjectResult>`)
  }

  function deleteObjects(bucket, text) {
    const quiet = /<Quiet>\s*true\s*<\/Quiet>/i.test(text)
    const keys = [...text.matchAll(/<Object>[\s\S]*?<Key>([\s\S]*?)<\/Key>[\s\S]*?<\/Object>/g)].map((m) => xmlUnescape(m[1]))
    for (const key of keys) remove(bucket, key)
    const deleted = quiet ? '' : keys.map((k) => `<Deleted><Key>${xmlEscape(k)}</Key></Deleted>`).join('')
    return xml(`<DeleteResult ${XMLNS}>${deleted}</DeleteResult>`)
  }

  function sortedKeys(bucket) {
    bucket.sorted ??= [...bucket.objects.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    return bucket.sorted
  }

  /** ListObjects (V1) and ListObjectsV2, with delimiter grouping and paging. */
  function list(bucketName, bucket, q) {
    const v2 = q.get('list-type') === '2'
    const prefix = q.get('prefix') ?? ''
    const delimiter = q.get('delimiter') ?? ''
    const maxKeys = Math.max(0, Math.min(1000, Number(q.get('max-keys') ?? 1000)))
    const url = q.get('encoding-type') === 'url'
    const enc = (s) => (url ? encodeURIComponent(s).replace(/%2F/g, '/') : xmlEscape(s))
    let after = v2 ? q.get('start-after') ?? '' : q.get('marker') ?? ''
    const token = v2 ? q.get('continuation-token') : undefined
    if (token) after = Buffer.from(token, 'base64url').toString('utf8')
    const keys = sortedKeys(bucket)
    // First key > max(after, just below prefix): binary search.
    const from = after > prefix ? after : prefix
    let lo = 0
    let hi = keys.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (keys[mid] < from || (keys[mid] === from && from === after)) lo = mid + 1
      else hi = mid
    }
    const contents = []
    const prefixes = []
    let last
    let truncated = false
    for (let i = lo; i < keys.length; i++) {
      const key = keys[i]
      if (!key.startsWith(prefix)) break
      if (after && key.startsWith(after) && after.endsWith(delimiter) && delimiter && after !== key && after.length > prefix.length) continue // inside a common prefix already returned
      if (contents.length + prefixes.length >= maxKeys) {
        truncated = true
        break
      }
      if (delimiter) {
        const cut = key.indexOf(delimiter, prefix.length)
        if (cut >= 0) {
          const common = key.slice(0, cut + delimiter.length)
          if (prefixes.at(-1) !== common) prefixes.push(common)
          last = common
          // Skip the rest of this common prefix.
          while (i + 1 < keys.length && keys[i + 1].startsWith(common)) i++
          continue
        }
      }
      contents.push(key)
      last = key
    }
    const items = contents.map((key) => {
      const o = bucket.objects.get(key)
      return `<Contents><Key>${enc(key)}</Key><LastModified>${o.time.toISOString()}</LastModified><ETag>&quot;${o.etag}&quot;</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass>${v2 && q.get('fetch-owner') !== 'true' ? '' : '<Owner><ID>bench</ID><DisplayName>bench</DisplayName></Owner>'}</Contents>`
    }).join('')
    const common = prefixes.map((p) => `<CommonPrefixes><Prefix>${enc(p)}</Prefix></CommonPrefixes>`).join('')
    const head = `<Name>${xmlEscape(bucketName)}</Name><Prefix>${enc(prefix)}</Prefix>${delimiter ? `<Delimiter>${enc(delimiter)}</Delimiter>` : ''}<MaxKeys>${maxKeys}</MaxKeys>${url ? '<EncodingType>url</EncodingType>' : ''}<IsTruncated>${truncated}</IsTruncated>`
    if (v2) {
      const next = truncated && last !== undefined ? `<NextContinuationToken>${Buffer.from(last).toString('base64url')}</NextContinuationToken>` : ''
      const echo = `${token ? `<ContinuationToken>${xmlEscape(token)}</ContinuationToken>` : ''}${q.has('start-after') ? `<StartAfter>${enc(q.get('start-after'))}</StartAfter>` : ''}`
      return xml(`<ListBucketResult ${XMLNS}>${head}<KeyCount>${contents.length + prefixes.length}</KeyCount>${echo}${next}${items}${common}</ListBucketResult>`)
    }
    const next = truncated && last !== undefined ? `<NextMarker>${enc(last)}</NextMarker>` : ''
    return xml(`<ListBucketResult ${XMLNS}>${head}<Marker>${enc(q.get('marker') ?? '')}</Marker>${next}${items}${common}</ListBucketResult>`)
  }

  /** Counts of the requests between two log positions, in moto.mjs's shape. */
  function countBetween(from, to) {
    // `protocol`: every request that is not a plain PUT of a site file (the tool's own state, listing, HEADs, errors).
    const out = { total: 0, byMethod: {}, requests: [], objectPuts: 0, protocol: [] }
    for (const [method, path, status] of log.slice(from, to)) {
      out.total++
      const key = path.split('?')[0]
      const own = KEPT.test(decodeURIComponent(key))
      const objectPut = !own && key.split('/').length > 2 && ((method === 'PUT' && !path.includes('partNumber=') && !path.includes('uploadId=')) || (method === 'POST' && path.includes('uploadId=')))
      if (objectPut) out.objectPuts++
      out.byMethod[method] = (out.byMethod[method] ?? 0) + 1
      if (out.requests.length < 200) out.requests.push(`${method} ${path} ${status}`)
      if ((!objectPut || status >= 300) && method !== 'HEAD' && out.protocol.length < 50) out.protocol.push(`${method} ${path} ${status}`)
    }
    return out
  }

  function objectInfo(bucketName, key) {
    const o = bucketOf(bucketName)?.objects.get(key)
    return o ? { size: o.size, etag: o.etag, kept: Boolean(o.body) } : undefined
  }

  return { server, log, stats, reset, createBucket, countBetween, objectInfo, buckets }
}

/**
 * The server as a child process of the bench, with moto.mjs's interface:
 * { endpoint, pid, mark(), countBetween(a, b), reset(), createBucket(name),
 *   object(bucket, key), stop(), kill(), tail() }. `mark()` returns the log
 * position, the server's CPU time and its TCP connections so far; `countBetween`
 * adds `serverCpuMs` and `connections` (opened between the marks).
 */
export async function startLatencyS3({ latencyMs = DEFAULT_LATENCY_MS } = {}) {
  const child = fork(fileURLToPath(import.meta.url), [String(latencyMs), '0'], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [] })
  let tail = ''
  const keep = (d) => (tail = (tail + d).slice(-4000))
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const pending = new Map()
  let seq = 0
  let ready
  const readyPromise = new Promise((resolve, reject) => {
    ready = resolve
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`latency-s3 exited with ${code} before it listened:\n${tail}`)))
  })
  child.on('message', (m) => {
    if (m.ready) return ready(m.port)
    const p = pending.get(m.id)
    if (!p) return
    pending.delete(m.id)
    if (m.error) p.reject(new Error(`latency-s3: ${m.error}`))
    else p.resolve(m.result)
  })
  child.on('exit', (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`latency-s3 exited (${code ?? signal}):\n${tail}`))
    pending.clear()
  })
  const call = (op, args = {}) => new Promise((resolve, reject) => {
    const id = ++seq
    pending.set(id, { resolve, reject })
    child.send({ id, op, ...args })
  })
  const port = await readyPromise
  return {
    endpoint: `http://127.0.0.1:${port}`,
    pid: child.pid,
    latencyMs,
    mark: () => call('mark'),
    countBetween: async (from, to) => {
      const out = await call('count', { from: from.at, to: to.at })
      out.serverCpuMs = to.cpuMs - from.cpuMs
      out.connections = to.connections - from.connections
      return out
    },
    reset: () => call('reset'),
    createBucket: (name) => call('createBucket', { name }),
    object: (bucket, key) => call('object', { bucket, key }),
    tail: () => tail,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.disconnect()
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
    kill: () => { try { child.kill('SIGKILL') } catch {} },
  }
}

// The child: listen on a free loopback port, answer the bench over IPC.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const latencyMs = Number(process.argv[2] ?? process.env.BENCH_LATENCY_MS ?? DEFAULT_LATENCY_MS)
  const s3 = createLatencyS3({ latencyMs })
  s3.server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', 4096, () => {
    const { port } = s3.server.address()
    if (process.send) process.send({ ready: true, port })
    else console.log(`latency-s3 on http://127.0.0.1:${port}, ${latencyMs} ms per request`)
  })
  if (process.send) {
    const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
    process.on('message', (m) => {
      let result
      try {
        if (m.op === 'mark') result = { at: s3.log.length, cpuMs: cpuMs(), connections: s3.stats.connections }
        else if (m.op === 'count') result = s3.countBetween(m.from, m.to)
        else if (m.op === 'reset') s3.reset()
        else if (m.op === 'createBucket') s3.createBucket(m.name)
        else if (m.op === 'object') result = s3.objectInfo(m.bucket, m.key)
        else throw new Error(`unknown op ${m.op}`)
        process.send({ id: m.id, result })
      } catch (err) {
        process.send({ id: m.id, error: String(err?.stack ?? err) })
      }
    })
    // The bench ended (or was killed): go too.
    process.on('disconnect', () => process.exit(0))
  }
}

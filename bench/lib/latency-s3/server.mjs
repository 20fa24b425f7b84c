/**
 * The latency endpoint's HTTP server and request routing (bench/lib/latency-s3.mjs
 * runs it as a child process of the bench and says what it keeps and why).
 */
import { createHash, randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import { copyObject, deleteObjects, list, objectHeaders, precondition, put, readBody, remove, storedHeaders } from './store.mjs'
import { DEFAULT_LATENCY_MS, KEPT, XMLNS, bare, error, keepsBody, xml, xmlEscape, xmlUnescape } from './xml.mjs'

/**
 * The server itself (in this process). Returns { server, log, stats, … }; the
 * child-process wrapper in latency-s3.mjs is what the bench uses. With
 * `throttle(n)` (n > 0), a request that arrives while n others are in flight is
 * answered 503 SlowDown, as S3 answers a prefix past its request rate.
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
  let throttleAt = 0
  let inFlight = 0

  const server = createServer({ keepAliveTimeout: 120_000, headersTimeout: 120_000, requestTimeout: 0, noDelay: true }, (req, res) => {
    const entry = [req.method, req.url, 0]
    log.push(entry)
    const throttled = throttleAt > 0 && inFlight >= throttleAt
    inFlight++
    res.once('close', () => void inFlight--)
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('error', () => {})
    req.on('end', () => {
      let answer
      try {
        answer = throttled ? error(503, 'SlowDown', 'Please reduce your request rate.') : handle(req, Buffer.concat(chunks))
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

  function handle(req, raw) {
    const url = new URL(req.url, 'http://x')
    const q = url.searchParams
    const path = url.pathname.slice(1)
    const slash = path.indexOf('/')
    const bucketName = decodeURIComponent(slash < 0 ? path : path.slice(0, slash))
    const key =
      slash < 0
        ? ''
        : path
            .slice(slash + 1)
            .split('/')
            .map(decodeURIComponent)
            .join('/')
    const method = req.method

    if (!bucketName) {
      if (method !== 'GET') return error(405, 'MethodNotAllowed', `${method} on the service`)
      const list = [...buckets.entries()]
        .map(([name, b]) => `<Bucket><Name>${xmlEscape(name)}</Name><CreationDate>${b.created.toISOString()}</CreationDate></Bucket>`)
        .join('')
      return xml(
        `<ListAllMyBucketsResult ${XMLNS}><Owner><ID>bench</ID><DisplayName>bench</DisplayName></Owner><Buckets>${list}</Buckets></ListAllMyBucketsResult>`,
      )
    }
    if (!key) {
      if (method === 'PUT') {
        createBucket(bucketName)
        return { status: 200, headers: { location: `/${bucketName}` } }
      }
      const bucket = bucketOf(bucketName)
      if (!bucket)
        return method === 'HEAD' ? { status: 404, headers: {} } : error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucketName })
      if (method === 'HEAD') return { status: 200, headers: { 'x-amz-bucket-region': 'us-east-1' } }
      if (method === 'DELETE') {
        if (bucket.objects.size) return error(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty')
        buckets.delete(bucketName)
        return { status: 204, headers: {} }
      }
      if (method === 'POST' && q.has('delete')) return deleteObjects(bucket, raw.toString('utf8'))
      if (method === 'GET') {
        if (q.has('location')) return xml(`<LocationConstraint ${XMLNS}></LocationConstraint>`)
        if (q.has('uploads'))
          return xml(
            `<ListMultipartUploadsResult ${XMLNS}><Bucket>${xmlEscape(bucketName)}</Bucket><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>`,
          )
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
      if (source) return copyObject(bucketOf, bucket, key, String(source), req)
      const body = readBody(req, raw)
      const etag = createHash('md5').update(body).digest('hex')
      const { headers, meta, contentType } = storedHeaders(req)
      put(bucket, key, { size: body.length, etag, contentType, headers, meta, time: new Date(), body: keepsBody(key) ? body : undefined })
      return { status: 200, headers: { etag: `"${etag}"` } }
    }
    if (method === 'POST' && q.has('uploads')) {
      const id = randomUUID().replace(/-/g, '')
      bucket.uploads.set(id, { key, keep: keepsBody(key), parts: new Map(), ...storedHeaders(req) })
      return xml(
        `<InitiateMultipartUploadResult ${XMLNS}><Bucket>${xmlEscape(bucketName)}</Bucket><Key>${xmlEscape(key)}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`,
      )
    }
    if (method === 'POST' && q.has('uploadId')) {
      const id = q.get('uploadId')
      const upload = bucket.uploads.get(id)
      if (!upload || upload.key !== key) return error(404, 'NoSuchUpload', 'The specified upload does not exist.', { UploadId: id })
      const failed = precondition(req, obj, false)
      if (failed) return failed
      const text = raw.toString('utf8')
      const listed = [...text.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
        n: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1])?.[1]),
        etag: bare(xmlUnescape(/<ETag>([\s\S]*?)<\/ETag>/.exec(m[1])?.[1] ?? '')),
      }))
      const parts = []
      for (const { n, etag } of listed) {
        const part = upload.parts.get(n)
        if (!part || part.etag !== etag) return error(400, 'InvalidPart', `part ${n} was not uploaded or its ETag differs`, { UploadId: id })
        parts.push(part)
      }
      if (parts.length === 0) return error(400, 'MalformedXML', 'no parts in CompleteMultipartUpload')
      const etag = `${createHash('md5')
        .update(Buffer.concat(parts.map((p) => p.md5)))
        .digest('hex')}-${parts.length}`
      put(bucket, key, {
        size: parts.reduce((s, p) => s + p.size, 0),
        etag,
        contentType: upload.contentType,
        headers: upload.headers,
        meta: upload.meta,
        time: new Date(),
        body: upload.keep ? Buffer.concat(parts.map((p) => p.body)) : undefined,
      })
      bucket.uploads.delete(id)
      return xml(
        `<CompleteMultipartUploadResult ${XMLNS}><Location>/${xmlEscape(bucketName)}/${xmlEscape(key)}</Location><Bucket>${xmlEscape(bucketName)}</Bucket><Key>${xmlEscape(key)}</Key><ETag>&quot;${etag}&quot;</ETag></CompleteMultipartUploadResult>`,
      )
    }
    if (method === 'DELETE' && q.has('uploadId')) {
      bucket.uploads.delete(q.get('uploadId'))
      return { status: 204, headers: {} }
    }
    if (method === 'GET' && q.has('uploadId')) {
      const upload = bucket.uploads.get(q.get('uploadId'))
      if (!upload) return error(404, 'NoSuchUpload', 'The specified upload does not exist.')
      const parts = [...upload.parts.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([n, p]) => `<Part><PartNumber>${n}</PartNumber><ETag>&quot;${p.etag}&quot;</ETag><Size>${p.size}</Size></Part>`)
        .join('')
      return xml(
        `<ListPartsResult ${XMLNS}><Bucket>${xmlEscape(bucketName)}</Bucket><Key>${xmlEscape(key)}</Key><UploadId>${q.get('uploadId')}</UploadId><IsTruncated>false</IsTruncated>${parts}</ListPartsResult>`,
      )
    }
    if (method === 'GET' || method === 'HEAD') {
      if (!obj) return method === 'HEAD' ? { status: 404, headers: {} } : error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key })
      const failed = precondition(req, obj, true)
      if (failed) return failed
      const headers = objectHeaders(obj)
      if (method === 'HEAD') return { status: 200, headers: { ...headers, 'content-length': obj.size } }
      if (!obj.body)
        return error(501, 'NotImplemented', `latency-s3 keeps only the bodies of .cdn-deploy/ objects; ${key} was not kept (its HEAD and listing entry are)`, {
          Key: key,
        })
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

  function countBetween(from, to) {
    // `protocol`: every request that is not a plain PUT of a site file (the tool's own state, listing, HEADs, errors).
    const out = { total: 0, byMethod: {}, byStatus: {}, requests: [], objectPuts: 0, protocol: [] }
    for (const [method, path, status] of log.slice(from, to)) {
      out.total++
      const key = path.split('?')[0]
      const own = KEPT.test(decodeURIComponent(key))
      const objectPut =
        !own &&
        key.split('/').length > 2 &&
        ((method === 'PUT' && !path.includes('partNumber=') && !path.includes('uploadId=')) || (method === 'POST' && path.includes('uploadId=')))
      if (objectPut) out.objectPuts++
      out.byMethod[method] = (out.byMethod[method] ?? 0) + 1
      out.byStatus[status] = (out.byStatus[status] ?? 0) + 1
      if (out.requests.length < 200) out.requests.push(`${method} ${path} ${status}`)
      if ((!objectPut || status >= 300) && method !== 'HEAD' && out.protocol.length < 50) out.protocol.push(`${method} ${path} ${status}`)
    }
    return out
  }

  function objectInfo(bucketName, key) {
    const o = bucketOf(bucketName)?.objects.get(key)
    return o ? { size: o.size, etag: o.etag, kept: Boolean(o.body) } : undefined
  }

  const throttle = (n) => void (throttleAt = Math.max(0, Number(n) || 0))
  return { server, log, stats, reset, createBucket, countBetween, objectInfo, buckets, throttle }
}

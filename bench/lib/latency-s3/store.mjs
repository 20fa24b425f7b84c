/**
 * Objects of the latency endpoint: what a PUT stores (metadata; bodies only
 * under .cdn-deploy/), conditions, copies, batch deletes and listings.
 */
import { XMLNS, bare, decodeAwsChunked, error, keepsBody, STORED, xml, xmlEscape, xmlUnescape } from './xml.mjs'

export function readBody(req, raw) {
  const encoding = String(req.headers['content-encoding'] ?? '')
  const chunked = /aws-chunked/i.test(encoding) || String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-')
  return chunked ? decodeAwsChunked(raw) : raw
}

export function storedHeaders(req) {
  const out = {}
  for (const name of STORED) {
    let v = req.headers[name]
    if (v === undefined) continue
    if (name === 'content-encoding')
      v = String(v)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s && s !== 'aws-chunked')
        .join(', ')
    if (v) out[name] = String(v)
  }
  const meta = {}
  for (const [k, v] of Object.entries(req.headers)) if (k.startsWith('x-amz-meta-')) meta[k] = String(v)
  return { headers: out, meta, contentType: String(req.headers['content-type'] ?? 'binary/octet-stream') }
}

/** 412/404/304 for the If-Match / If-None-Match headers against `obj` (undefined: missing). */
export function precondition(req, obj, read) {
  const ifMatch = req.headers['if-match']
  const ifNoneMatch = req.headers['if-none-match']
  if (ifMatch !== undefined) {
    if (!obj)
      return read
        ? error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-Match' })
        : error(404, 'NoSuchKey', 'The specified key does not exist.')
    const wanted = String(ifMatch).split(',').map(bare)
    if (!wanted.includes('*') && !wanted.includes(obj.etag))
      return error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-Match' })
  }
  if (ifNoneMatch !== undefined && obj) {
    const wanted = String(ifNoneMatch).split(',').map(bare)
    if (wanted.includes('*') || wanted.includes(obj.etag)) {
      return read
        ? { status: 304, headers: { etag: `"${obj.etag}"` } }
        : error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-None-Match' })
    }
  }
  return undefined
}

export function put(bucket, key, obj) {
  if (!bucket.objects.has(key)) bucket.sorted = null
  bucket.objects.set(key, obj)
}
export function remove(bucket, key) {
  if (bucket.objects.delete(key)) bucket.sorted = null
}

export function objectHeaders(obj) {
  return {
    etag: `"${obj.etag}"`,
    'content-type': obj.contentType,
    'last-modified': obj.time.toUTCString(),
    'accept-ranges': 'bytes',
    ...obj.headers,
    ...obj.meta,
  }
}

export function copyObject(bucketOf, bucket, key, source, req) {
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

export function deleteObjects(bucket, text) {
  const quiet = /<Quiet>\s*true\s*<\/Quiet>/i.test(text)
  const keys = [...text.matchAll(/<Object>[\s\S]*?<Key>([\s\S]*?)<\/Key>[\s\S]*?<\/Object>/g)].map((m) => xmlUnescape(m[1]))
  for (const key of keys) remove(bucket, key)
  const deleted = quiet ? '' : keys.map((k) => `<Deleted><Key>${xmlEscape(k)}</Key></Deleted>`).join('')
  return xml(`<DeleteResult ${XMLNS}>${deleted}</DeleteResult>`)
}

export function sortedKeys(bucket) {
  bucket.sorted ??= [...bucket.objects.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  return bucket.sorted
}

/** ListObjects (V1) and ListObjectsV2, with delimiter grouping and paging. */
export function list(bucketName, bucket, q) {
  const v2 = q.get('list-type') === '2'
  const prefix = q.get('prefix') ?? ''
  const delimiter = q.get('delimiter') ?? ''
  const maxKeys = Math.max(0, Math.min(1000, Number(q.get('max-keys') ?? 1000)))
  const url = q.get('encoding-type') === 'url'
  const enc = (s) => (url ? encodeURIComponent(s).replace(/%2F/g, '/') : xmlEscape(s))
  let after = v2 ? (q.get('start-after') ?? '') : (q.get('marker') ?? '')
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
  const items = contents
    .map((key) => {
      const o = bucket.objects.get(key)
      return `<Contents><Key>${enc(key)}</Key><LastModified>${o.time.toISOString()}</LastModified><ETag>&quot;${o.etag}&quot;</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass>${v2 && q.get('fetch-owner') !== 'true' ? '' : '<Owner><ID>bench</ID><DisplayName>bench</DisplayName></Owner>'}</Contents>`
    })
    .join('')
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

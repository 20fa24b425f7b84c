/** XML and body helpers of the latency endpoint (bench/lib/latency-s3.mjs). */

export const DEFAULT_LATENCY_MS = 30
export const KEPT = /(^|\/)\.cdn-deploy\//
/** Whether the server keeps this key's body. */
export const keepsBody = (key) => KEPT.test(key)

export const xmlEscape = (s) => String(s).replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c])
export const xmlUnescape = (s) =>
  s.replace(/&(lt|gt|amp|apos|quot|#\d+|#x[0-9a-f]+);/gi, (_, e) => {
    const named = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' }[e.toLowerCase()]
    if (named) return named
    return String.fromCodePoint(e[1].toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10))
  })
export const XMLNS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
export const bare = (etag) =>
  String(etag ?? '')
    .trim()
    .replace(/^W\//, '')
    .replace(/^"|"$/g, '')
/** The stored headers a GET/HEAD gives back (besides ETag, length, type, time). */
export const STORED = [
  'cache-control',
  'content-encoding',
  'content-disposition',
  'content-language',
  'expires',
  'x-amz-website-redirect-location',
  'x-amz-storage-class',
]

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

export function error(status, code, message, extra = {}) {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>${Object.entries(extra)
    .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
    .join('')}<RequestId>latency-s3</RequestId></Error>`
  return { status, headers: { 'content-type': 'application/xml' }, body }
}
export const xml = (body, status = 200) => ({ status, headers: { 'content-type': 'application/xml' }, body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}` })

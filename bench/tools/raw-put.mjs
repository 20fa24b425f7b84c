/**
 * The floor: the same files PUT as fast as this machine lets a client do it, with
 * no diffing, no hashing and no signing (moto does not check signatures), over
 * keep-alive sockets, at the same concurrency as our deploy. Files at or above
 * the multipart threshold go up in parts (same part size and part concurrency as
 * ours), everything else as one PUT with Content-Type and Cache-Control.
 *
 * Usage: node raw-put.mjs '<json options>'; prints one JSON line of results.
 */
import { createHash, createHmac } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open, readdir, readFile, stat } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import { join } from 'node:path'

const o = JSON.parse(process.argv[2])
const { endpoint, bucket, prefix = '', dir, concurrency = 16, multipartThreshold = 16 * 1024 * 1024, partSize = 8 * 1024 * 1024, partConcurrency = 4 } = o
// Variants for measuring what each client duty costs (not the floor itself):
// `sign` adds a minimal SigV4 header (UNSIGNED-PAYLOAD), `stream` reads each
// file as a stream instead of one readFile.
const { sign = false, stream = false } = o
const agent = new Agent({ keepAlive: o.keepAlive ?? true, maxSockets: concurrency + partConcurrency })

const TYPES = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  png: 'image/png',
  woff2: 'font/woff2',
  webp: 'image/webp',
  txt: 'text/plain; charset=utf-8',
  ico: 'image/x-icon',
}

const hmac = (key, text) => createHmac('sha256', key).update(text).digest()
let signingKey
function sigv4(method, path, headers) {
  const date = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '')
  const day = date.slice(0, 8)
  signingKey ??= hmac(hmac(hmac(hmac('AWS4test', day), 'us-east-1'), 's3'), 'aws4_request')
  const [pathname, query = ''] = path.split('?')
  const canonicalQuery = query
    .split('&')
    .filter(Boolean)
    .map((kv) => (kv.includes('=') ? kv : `${kv}=`))
    .sort()
    .join('&')
  const host = new URL(endpoint).host
  const all = { ...headers, host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-date': date }
  const names = Object.keys(all)
    .map((k) => k.toLowerCase())
    .sort()
  const lower = Object.fromEntries(Object.entries(all).map(([k, v]) => [k.toLowerCase(), String(v).trim()]))
  const canonical = [method, pathname, canonicalQuery, names.map((k) => `${k}:${lower[k]}\n`).join(''), names.join(';'), 'UNSIGNED-PAYLOAD'].join('\n')
  const scope = `${day}/us-east-1/s3/aws4_request`
  const toSign = ['AWS4-HMAC-SHA256', date, scope, createHash('sha256').update(canonical).digest('hex')].join('\n')
  const signature = createHmac('sha256', signingKey).update(toSign).digest('hex')
  return { ...all, authorization: `AWS4-HMAC-SHA256 Credential=test/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` }
}

function send(method, path, headers, body) {
  if (sign) headers = sigv4(method, path, headers)
  return new Promise((resolve, reject) => {
    const req = request(`${endpoint}${path}`, { method, headers, agent }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        if (res.statusCode >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 200)}`))
        else resolve({ headers: res.headers, text })
      })
    })
    req.setTimeout(o.timeoutMs ?? 300_000, () => req.destroy(new Error(`${method} ${path}: timeout`)))
    req.on('error', reject)
    if (body && typeof body.pipe === 'function') body.pipe(req)
    else req.end(body)
  })
}

const keyPath = (rel) => `/${bucket}/${(prefix + rel).split('/').map(encodeURIComponent).join('/')}`

async function putSmall(path, rel, size) {
  const body = stream ? createReadStream(path) : await readFile(path)
  const ext = rel.slice(rel.lastIndexOf('.') + 1)
  await send(
    'PUT',
    keyPath(rel),
    { 'content-length': size, 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'public, max-age=31536000, immutable' },
    body,
  )
}

async function readRange(path, start, length) {
  const handle = await open(path, 'r')
  try {
    const buf = Buffer.allocUnsafe(length)
    await handle.read(buf, 0, length, start)
    return buf
  } finally {
    await handle.close()
  }
}

async function putParts(path, rel, size) {
  // `checksumAlgorithm` declares how the server checksums the whole object; moto
  // defaults to a full-object CRC64NVME, computed in Python at Complete.
  const created = await send('POST', `${keyPath(rel)}?uploads`, {
    'content-length': 0,
    ...(o.checksumAlgorithm ? { 'x-amz-checksum-algorithm': o.checksumAlgorithm } : {}),
  })
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.text)?.[1]
  if (!uploadId) throw new Error(`no UploadId for ${rel}`)
  const count = Math.ceil(size / partSize)
  const etags = new Array(count)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(partConcurrency, count) }, async () => {
      while (next < count) {
        const i = next++
        const start = i * partSize
        const length = Math.min(partSize, size - start)
        const body = o.bufferParts ? await readRange(path, start, length) : createReadStream(path, { start, end: start + length - 1 })
        const res = await send('PUT', `${keyPath(rel)}?partNumber=${i + 1}&uploadId=${encodeURIComponent(uploadId)}`, { 'content-length': length }, body)
        etags[i] = res.headers.etag
      }
    }),
  )
  const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`
  const completing = performance.now()
  await send('POST', `${keyPath(rel)}?uploadId=${encodeURIComponent(uploadId)}`, { 'content-length': Buffer.byteLength(xml) }, xml)
  completeMs += performance.now() - completing
}

let completeMs = 0
const started = performance.now()
const entries = await readdir(dir, { recursive: true, withFileTypes: true })
const files = entries
  .filter((e) => e.isFile())
  .map((e) => {
    const path = join(e.parentPath, e.name)
    return { path, rel: path.slice(dir.length + 1) }
  })
let bytes = 0
let next = 0
await Promise.all(
  Array.from({ length: Math.min(concurrency, files.length) }, async () => {
    while (next < files.length) {
      const f = files[next++]
      const { size } = await stat(f.path)
      bytes += size
      if (size >= multipartThreshold) await putParts(f.path, f.rel, size)
      else await putSmall(f.path, f.rel, size)
    }
  }),
)
agent.destroy()
const ms = performance.now() - started
process.stdout.write(JSON.stringify({ files: files.length, bytes, ms, completeMs, maxRSS: process.resourceUsage().maxRSS * 1024 }) + '\n')

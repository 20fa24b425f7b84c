/**
 * One file of `cdn-deploy verify`: GET its public URL as a browser would and
 * compare what comes back with what the ledger says was uploaded.
 */
import { createHash } from 'node:crypto'
import { formatBytes } from '../deploy/progress.js'
import type { LedgerEntry } from '../plan/types.js'

export interface FileResult {
  rel: string
  url: string
  ok: boolean
  status?: number
  /** One line per mismatch. */
  problems: string[]
  /** `cf-cache-status` or `x-cache`, when the CDN sent one. */
  cache?: string
  /** `Age`, when sent (seconds the CDN has held the response). */
  age?: string
  bytes?: number
}

/** Lower-case media type and parameters, spaces around `;` and `,` dropped. */
const normalize = (value: string | null | undefined) =>
  (value ?? '')
    .trim()
    .toLowerCase()
    .replace(/\s*([;,])\s*/g, '$1')

const short = (hex: string) => `${hex.slice(0, 12)}…`

export interface CheckFileOptions {
  rel: string
  url: string
  entry: LedgerEntry
  /** Expected SRI (`sha384-…`) from the build manifest. */
  integrity?: string
  timeoutMs: number
}

export async function checkFile(options: CheckFileOptions): Promise<FileResult> {
  const { rel, url, entry } = options
  const result: FileResult = { rel, url, ok: false, problems: [] }
  if (entry.params?.WebsiteRedirectLocation !== undefined) return checkRedirect(result, entry.params.WebsiteRedirectLocation, options.timeoutMs)
  let res: Response
  try {
    // Ask for the stored encoding only: a CDN compressing on the fly would
    // otherwise add a Content-Encoding the ledger never recorded.
    res = await fetch(url, {
      headers: { 'accept-encoding': entry.contentEncoding ? `${entry.contentEncoding}, identity` : 'identity' },
      signal: AbortSignal.timeout(options.timeoutMs),
    })
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause
    result.problems.push(`request failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`)
    return result
  }
  result.status = res.status
  const cache = res.headers.get('cf-cache-status') ?? res.headers.get('x-cache')
  if (cache) result.cache = cache
  const age = res.headers.get('age')
  if (age) result.age = age
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => {})
    result.problems.push(`HTTP ${res.status} (expected 200)`)
    return result
  }
  const contentType = res.headers.get('content-type')
  if (normalize(contentType) !== normalize(entry.contentType)) {
    result.problems.push(`Content-Type is "${contentType ?? '(none)'}", expected "${entry.contentType}"`)
  }
  const cacheControl = res.headers.get('cache-control')
  if (normalize(cacheControl) !== normalize(entry.cacheControl)) {
    result.problems.push(`Cache-Control is "${cacheControl ?? '(none)'}", expected "${entry.cacheControl}"`)
  }
  const encoding = normalize(res.headers.get('content-encoding')).replace(/^identity$/, '')
  if (encoding !== normalize(entry.contentEncoding)) {
    result.problems.push(`Content-Encoding is "${encoding || '(none)'}", expected "${entry.contentEncoding ?? '(none)'}"`)
  }
  let body: Buffer
  try {
    // fetch decodes gzip/br, so these are the original bytes the ledger hashed.
    body = Buffer.from(await res.arrayBuffer())
  } catch (err) {
    result.problems.push(`body could not be read or decoded: ${(err as Error).message}`)
    return result
  }
  result.bytes = body.length
  const sha256 = createHash('sha256').update(body).digest('hex')
  if (sha256 !== entry.sha256) {
    result.problems.push(`content differs: sha256 ${short(sha256)} (${formatBytes(body.length)}), expected ${short(entry.sha256)} (${formatBytes(entry.size)})`)
  }
  if (options.integrity) {
    const sri = `sha384-${createHash('sha384').update(body).digest('base64')}`
    if (sri !== options.integrity)
      result.problems.push(`SRI ${sri.slice(0, 19)}… does not match the manifest's ${options.integrity.slice(0, 19)}… (browsers would refuse it)`)
  }
  result.ok = result.problems.length === 0
  return result
}

/**
 * A redirect object (`redirects`): an S3 website endpoint answers a 301 to its
 * target; a REST endpoint (or a CDN in front of one) serves the zero-byte object itself.
 */
async function checkRedirect(result: FileResult, target: string, timeoutMs: number): Promise<FileResult> {
  let res: Response
  try {
    res = await fetch(result.url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) })
    await res.body?.cancel().catch(() => {})
  } catch (err) {
    result.problems.push(`request failed: ${(err as Error).message}`)
    return result
  }
  result.status = res.status
  const location = res.headers.get('location')
  if (res.status >= 300 && res.status < 400) {
    if (!location || new URL(location, result.url).href !== new URL(target, result.url).href)
      result.problems.push(`redirects to "${location ?? '(no Location)'}", expected "${target}"`)
  } else if (res.status !== 200 || Number(res.headers.get('content-length') ?? 0) !== 0) {
    result.problems.push(`HTTP ${res.status} (expected a redirect to "${target}", or the empty redirect object itself)`)
  }
  result.ok = result.problems.length === 0
  return result
}

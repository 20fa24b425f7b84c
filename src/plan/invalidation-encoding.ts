/**
 * How each CDN wants a purge path written, pure: CloudFront's percent-encoding
 * (exactly the characters its docs list, since over-encoding makes a purge miss
 * silently), browser-form and component-form URLs for Cloudflare, prefix purges,
 * and CloudFront's in-flight batch limits. The paths come decoded from
 * `planInvalidation` in ./invalidation.ts.
 */
import { CLOUDFRONT_LIMITS, isWildcard } from './invalidation.js'

const utf8 = new TextEncoder()
const hex = (byte: number) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`

/** Percent-encodes non-ASCII characters (as UTF-8) and the ASCII ones in `unsafe`; leaves the rest. */
function encodeWith(path: string, unsafe: string): string {
  let out = ''
  for (const ch of path) {
    const code = ch.codePointAt(0)!
    if (code < 0x20 || code === 0x7f || unsafe.includes(ch)) out += hex(code)
    else if (code < 0x80) out += ch
    else for (const byte of utf8.encode(ch)) out += hex(byte)
  }
  return out
}

/**
 * RFC 1738's unsafe characters (space < > " # % { } | \ ^ ~ [ ] `) plus `?`,
 * which would start a query string: a file literally named with one is only
 * ever requested as `%3F`.
 */
const CLOUDFRONT_UNSAFE = ' <>"#%{}|\\^~[]`?'

/**
 * A path as CloudFront's CreateInvalidation expects it: starts with `/`, `*`
 * only at the end, non-ASCII and RFC 1738 unsafe characters percent-encoded and
 * nothing else (CloudFront: "Do not URL-encode any other characters in the path,
 * or CloudFront will not invalidate the old version").
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-specifying-objects.html
 */
export function encodeCloudFrontPath(path: string): string {
  const wildcard = isWildcard(path)
  const body = wildcard ? path.slice(0, -1) : path
  if (body.includes('*')) throw new Error(`invalid invalidation path "${path}": "*" is only allowed at the end`)
  const encoded = encodeWith(body.startsWith('/') ? body : `/${body}`, CLOUDFRONT_UNSAFE) + (wildcard ? '*' : '')
  if (encoded.length > CLOUDFRONT_LIMITS.maxPathLength) {
    throw new Error(`invalidation path longer than ${CLOUDFRONT_LIMITS.maxPathLength} characters once encoded: "${encoded.slice(0, 80)}…"`)
  }
  return encoded
}

/**
 * A path as a browser sends it for a link written with the raw file name (the
 * WHATWG path percent-encode set), plus `%`, `\` (`/` otherwise) and `?`/`#`
 * that belong to the name: what a CDN keyed on the request URL has cached.
 */
const BROWSER_UNSAFE = ' "#<>?`{}%\\'

/** Full URL of a decoded path at the origin of `publicBase`, as a browser requests it. */
export function browserUrl(path: string, publicBase: string): string {
  return new URL(publicBase).origin + encodeWith(path, BROWSER_UNSAFE)
}

/**
 * Full URL of a decoded path with every segment through encodeURIComponent: the
 * form `urlFor` (and so the manifest) writes, which differs from the browser
 * form for names with `@ + , ; = $ & :`.
 */
export function componentUrl(path: string, publicBase: string): string {
  return new URL(publicBase).origin + path.split('/').map(encodeURIComponent).join('/')
}

/** Every distinct URL form a viewer may have requested a decoded path under. */
export function urlVariants(path: string, publicBase: string): string[] {
  const a = browserUrl(path, publicBase)
  const b = componentUrl(path, publicBase)
  return a === b ? [a] : [a, b]
}

/**
 * A wildcard path as a Cloudflare purge prefix: host plus the directory part,
 * no scheme, no trailing `/` or `*` (`/app/docs/*` → `cdn.example.com/app/docs`).
 * Cloudflare matches prefixes at path separators, so a wildcard inside a name
 * (`/app/a*`) widens to its directory.
 * https://developers.cloudflare.com/cache/how-to/purge-cache/purge_by_prefix/
 */
export function cloudflarePrefix(wildcard: string, publicBase: string): string {
  const body = wildcard.replace(/\*$/, '')
  const dir = body.slice(0, body.lastIndexOf('/') + 1).replace(/\/+$/, '')
  return new URL(publicBase).host + encodeWith(dir, BROWSER_UNSAFE)
}

/**
 * CloudFront batches, in order: each within 3,000 paths and 15 wildcards (its
 * in-flight limits per distribution), so one batch alone never exceeds them.
 * The same input always gives the same batches (CallerReference depends on it).
 */
export function cloudFrontBatches(
  paths: readonly string[],
  limits = { paths: CLOUDFRONT_LIMITS.pathsInFlight, wildcards: CLOUDFRONT_LIMITS.wildcardsInFlight },
): string[][] {
  const batches: string[][] = []
  let batch: string[] = []
  let wild = 0
  for (const path of paths) {
    const w = isWildcard(path)
    if (batch.length + 1 > limits.paths || (w && wild + 1 > limits.wildcards)) {
      batches.push(batch)
      batch = []
      wild = 0
    }
    batch.push(path)
    if (w) wild++
  }
  if (batch.length > 0) batches.push(batch)
  return batches
}

/**
 * CloudFront signed URLs and cookies, through @aws-sdk/cloudfront-signer (it
 * builds the policy, signs with RSA-SHA1 or RSA-SHA256 and encodes the result).
 * What this file adds: checks on the inputs whose messages say what to pass, and
 * cookies that always carry a custom policy, so a wildcard resource works.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-signed-urls.html
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-signed-cookies.html
 */
import { createPrivateKey, type KeyObject } from 'node:crypto'
import { getSignedCookies, getSignedUrl, type CloudfrontSignedCookiesOutput } from '@aws-sdk/cloudfront-signer'
import { CdnDeployError } from '../errors.js'

export interface CloudFrontSignOptions {
  /** The public key's id in CloudFront (a key group's key, `K2JCJMDEHXQW5F`), or a legacy key pair id. */
  keyPairId: string
  /** The private key: PEM text, a Buffer of PEM, or a KeyObject. */
  privateKey: string | Buffer | KeyObject
  /** When the URL stops working: a Date, or seconds since the epoch (CloudFront's unit). */
  expires: Date | number
  /**
   * When it starts working (a Date or epoch seconds). Given, the URL carries a
   * custom policy (`Policy=`) instead of the canned one (`Expires=`).
   * @default none (valid at once)
   */
  notBefore?: Date | number
  /**
   * The only client IPv4 address, or CIDR range (`192.0.2.0/24`), allowed to use
   * it. Given, the URL carries a custom policy.
   * @default none (any address)
   */
  ipAddress?: string
  /**
   * SHA1 is what CloudFront has always accepted; SHA256 adds `Hash-Algorithm=SHA256`.
   * @default 'SHA1'
   */
  hashAlgorithm?: 'SHA1' | 'SHA256'
}

/** The cookies to set (each on the CDN's domain, `Secure; HttpOnly`): name → value. */
export type CloudFrontCookies = CloudfrontSignedCookiesOutput

const SIGNING_PARAMS = ['Expires', 'Policy', 'Signature', 'Key-Pair-Id', 'Hash-Algorithm']

/** CloudFront's URL-safe base64: `+` → `-`, `=` → `_`, `/` → `~`. */
export function cloudFrontBase64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~')
}

/** The exact canned policy CloudFront rebuilds from `Expires` and the request URL (no whitespace). */
export function cannedPolicy(resource: string, expires: number): string {
  return JSON.stringify({ Statement: [{ Resource: resource, Condition: { DateLessThan: { 'AWS:EpochTime': expires } } }] })
}

const fail = (what: string, message: string, cause?: unknown) => new CdnDeployError('cloudfront', `${what}: ${message}`, cause === undefined ? {} : { cause })

function epochSeconds(what: string, name: string, value: Date | number): number {
  const seconds = value instanceof Date ? Math.floor(value.getTime() / 1000) : value
  if (!Number.isInteger(seconds) || seconds <= 0) throw fail(what, `${name} must be a Date or whole seconds since the epoch, got ${String(value)}`)
  // 1e11 s is the year 5138: a number this large is milliseconds passed by mistake.
  if (seconds > 1e11) throw fail(what, `${name} ${seconds} looks like milliseconds; pass seconds since the epoch (Math.floor(ms / 1000)) or a Date`)
  return seconds
}

function parseUrl(what: string, url: string): URL {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch (cause) {
    throw fail(what, `"${url}" is not an absolute URL`, cause)
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw fail(what, `"${url}" is not an http(s) URL`)
  if (parsed.hash) throw fail(what, `"${url}" has a fragment; sign the URL without it`)
  return parsed
}

/** The options checked, in the signer's terms (dates as Dates: it reads a number as milliseconds). */
function signerInput(what: string, options: CloudFrontSignOptions) {
  if (!options.keyPairId) throw fail(what, 'keyPairId is required (the public key id from the key group)')
  const expires = epochSeconds(what, 'expires', options.expires)
  const notBefore = options.notBefore === undefined ? undefined : epochSeconds(what, 'notBefore', options.notBefore)
  let key: KeyObject
  try {
    key = typeof options.privateKey === 'object' && !Buffer.isBuffer(options.privateKey) ? options.privateKey : createPrivateKey(options.privateKey)
  } catch (cause) {
    throw fail(what, `privateKey is not a readable private key (PEM expected): ${(cause as Error).message}`, cause)
  }
  const privateKey =
    typeof options.privateKey === 'string' || Buffer.isBuffer(options.privateKey) ? options.privateKey : key.export({ type: 'pkcs8', format: 'pem' })
  const custom = notBefore !== undefined || options.ipAddress !== undefined
  return {
    expires,
    custom,
    credentials: { keyPairId: options.keyPairId, privateKey, algorithm: options.hashAlgorithm ?? 'SHA1' },
    window: {
      dateLessThan: new Date(expires * 1000),
      ...(notBefore !== undefined ? { dateGreaterThan: new Date(notBefore * 1000) } : {}),
      ...(options.ipAddress !== undefined ? { ipAddress: options.ipAddress } : {}),
    },
  }
}

/** The signer's own errors (a malformed IP range…) with our scope. */
function signing<T>(what: string, sign: () => T): T {
  try {
    return sign()
  } catch (cause) {
    throw fail(what, (cause as Error).message, cause)
  }
}

/**
 * Signs `url` for CloudFront: the URL with `Expires`, `Key-Pair-Id` and `Signature`
 * (canned policy), or with `Policy` instead of `Expires` when `notBefore` or
 * `ipAddress` is given (custom policy). Path segments come back percent-encoded
 * the way the signer normalises them (`@` → `%40`): request the URL as returned.
 */
export function signCloudFrontUrl(url: string, options: CloudFrontSignOptions): string {
  const what = 'signCloudFrontUrl'
  const parsed = parseUrl(what, url)
  const clash = SIGNING_PARAMS.filter((p) => parsed.searchParams.has(p))
  if (clash.length) throw fail(what, `"${url}" already has ${clash.join(', ')}; sign the URL without CloudFront's signing parameters`)
  const { credentials, window } = signerInput(what, options)
  // The resource is the URL as the browser will request it (normalized, percent-encoded).
  return signing(what, () => getSignedUrl({ url: parsed.href, ...credentials, ...window }))
}

/**
 * Signed cookies for every URL that matches `resource`, which may hold `*`
 * wildcards (`https://cdn.example.com/private/*`). Always a custom policy: the
 * canned one covers a single URL.
 */
export function signCloudFrontCookies(resource: string, options: CloudFrontSignOptions): CloudFrontCookies {
  const what = 'signCloudFrontCookies'
  const href = parseUrl(what, resource).href
  const { expires, custom, credentials, window } = signerInput(what, options)
  // Without a start time or an IP range the signer would pick the canned policy: hand it the same statement as a custom one.
  return signing(what, () =>
    custom ? getSignedCookies({ url: href, ...credentials, ...window }) : getSignedCookies({ policy: cannedPolicy(href, expires), ...credentials }),
  )
}

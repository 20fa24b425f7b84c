/**
 * CloudFront signed URLs with a canned policy: one URL, valid until a time.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-creating-signed-url-canned-policy.html
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto'
import { CdnDeployError } from '../errors.js'

export interface CloudFrontSignOptions {
  /** The public key's id in CloudFront (a key group's key, `K2JCJMDEHXQW5F`), or a legacy key pair id. */
  keyPairId: string
  /** The private key: PEM text, a Buffer of PEM, or a KeyObject. */
  privateKey: string | Buffer | KeyObject
  /** When the URL stops working: a Date, or seconds since the epoch (CloudFront's unit). */
  expires: Date | number
  /**
   * SHA1 is what CloudFront has always accepted; SHA256 adds `Hash-Algorithm=SHA256`.
   * @default 'SHA1'
   */
  hashAlgorithm?: 'SHA1' | 'SHA256'
}

const SIGNING_PARAMS = ['Expires', 'Policy', 'Signature', 'Key-Pair-Id', 'Hash-Algorithm']

/** CloudFront's URL-safe base64: `+` → `-`, `=` → `_`, `/` → `~`. */
export function cloudFrontBase64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~')
}

/** The exact canned policy CloudFront rebuilds from `Expires` and the request URL (no whitespace). */
export function cannedPolicy(resource: string, expires: number): string {
  return JSON.stringify({ Statement: [{ Resource: resource, Condition: { DateLessThan: { 'AWS:EpochTime': expires } } }] })
}

function epochSeconds(expires: Date | number): number {
  const seconds = expires instanceof Date ? Math.floor(expires.getTime() / 1000) : expires
  if (!Number.isInteger(seconds) || seconds <= 0) throw new CdnDeployError('cloudfront', `signCloudFrontUrl: expires must be a Date or whole seconds since the epoch, got ${String(expires)}`)
  // 1e11 s is the year 5138: a number this large is milliseconds passed by mistake.
  if (seconds > 1e11) throw new CdnDeployError('cloudfront', `signCloudFrontUrl: expires ${seconds} looks like milliseconds; pass seconds since the epoch (Math.floor(ms / 1000)) or a Date`)
  return seconds
}

/** Signs `url` for CloudFront with a canned policy; returns the URL with `Expires`, `Signature` and `Key-Pair-Id`. */
export function signCloudFrontUrl(url: string, options: CloudFrontSignOptions): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch (cause) {
    throw new CdnDeployError('cloudfront', `signCloudFrontUrl: "${url}" is not an absolute URL`, { cause })
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new CdnDeployError('cloudfront', `signCloudFrontUrl: "${url}" is not an http(s) URL`)
  if (parsed.hash) throw new CdnDeployError('cloudfront', `signCloudFrontUrl: "${url}" has a fragment; sign the URL without it`)
  const clash = SIGNING_PARAMS.filter((p) => parsed.searchParams.has(p))
  if (clash.length) throw new CdnDeployError('cloudfront', `signCloudFrontUrl: "${url}" already has ${clash.join(', ')}; sign the URL without CloudFront's signing parameters`)
  if (!options.keyPairId) throw new CdnDeployError('cloudfront', 'signCloudFrontUrl: keyPairId is required (the public key id from the key group)')
  const expires = epochSeconds(options.expires)
  const algorithm = options.hashAlgorithm ?? 'SHA1'
  let key: KeyObject
  try {
    key = typeof options.privateKey === 'object' && !Buffer.isBuffer(options.privateKey) ? options.privateKey : createPrivateKey(options.privateKey)
  } catch (cause) {
    throw new CdnDeployError('cloudfront', `signCloudFrontUrl: privateKey is not a readable private key (PEM expected): ${(cause as Error).message}`, { cause })
  }
  // The resource is the URL as the browser will request it (normalized, percent-encoded).
  const resource = parsed.href
  const signature = sign(algorithm === 'SHA256' ? 'sha256' : 'sha1', Buffer.from(cannedPolicy(resource, expires)), key)
  const params = `Expires=${expires}&Signature=${cloudFrontBase64(signature)}&Key-Pair-Id=${encodeURIComponent(options.keyPairId)}`
  const hash = algorithm === 'SHA256' ? '&Hash-Algorithm=SHA256' : ''
  return `${resource}${parsed.search ? '&' : '?'}${params}${hash}`
}

/** Content digests of final bytes: sha256 (hex) for diffing, sha384 (SRI) for browsers. */
import { createHash } from 'node:crypto'

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** A Subresource Integrity value, `sha384-<base64>`. */
export function sri(bytes: Uint8Array | string): string {
  return `sha384-${createHash('sha384').update(bytes).digest('base64')}`
}

/**
 * A release id that sorts by time and names the content:
 * `20261123T235500Z-1a2b3c4d` (UTC time, then 8 hex of a digest over every file).
 */
export function releaseId(date: Date, files: Iterable<[rel: string, sha256: string]>): string {
  const digest = createHash('sha256')
  for (const [rel, sha] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) digest.update(`${rel}\0${sha}\n`)
  const time = date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  return `${time}-${digest.digest('hex').slice(0, 8)}`
}

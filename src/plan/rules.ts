/**
 * Cache-Control rules, pure. User globs first (first match wins), then the
 * defaults from the header contract in DESIGN.md: a content-hashed file never
 * changes under its URL, so it is cached for a year; every other URL keeps its
 * name when its bytes change, so it must revalidate or expire soon.
 */
import picomatch from 'picomatch'
import { isHtml } from './content-type.js'

export const CACHE = Object.freeze({
  immutable: 'public, max-age=31536000, immutable',
  html: 'public, max-age=0, must-revalidate',
  serviceWorker: 'no-cache',
  mutable: 'public, max-age=300',
})

const SERVICE_WORKER = /(^|\/)(sw|service-worker|serviceworker|firebase-messaging-sw)\.m?js$/i

export type CacheRule = [glob: string, value: string]

/** Compile the rules once; the returned function is called per file. */
export function compileCacheRules(rules: readonly CacheRule[]): (rel: string, immutable: boolean) => string {
  const compiled = rules.map(([glob, value]) => ({ test: picomatch(glob, { dot: true }), value }))
  return (rel, immutable) => {
    for (const rule of compiled) if (rule.test(rel)) return rule.value
    return defaultCacheControl(rel, immutable)
  }
}

export function defaultCacheControl(rel: string, immutable: boolean): string {
  // A service worker must never be stuck behind a long cache, hashed name or not.
  if (SERVICE_WORKER.test(rel)) return CACHE.serviceWorker
  if (immutable) return CACHE.immutable
  if (isHtml(rel)) return CACHE.html
  return CACHE.mutable
}

/**
 * Conservative content-hash detector for directories built elsewhere (the build
 * knows for sure and says so in the manifest): a `-` or `.` then 8+ chars of a
 * base64url/hex hash with at least one digit, right before the extension.
 */
const HASHED = /[-.]([A-Za-z0-9_-]{8,})\.[A-Za-z0-9]+(\.map)?$/
export function looksHashed(rel: string): boolean {
  const match = HASHED.exec(rel)
  return !!match && /\d/.test(match[1]!) && /[A-Za-z]/.test(match[1]!) && !isHtml(rel)
}

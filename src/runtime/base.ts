/** Base-URL override and origins for the runtime, pure string work. */
import { CdnDeployError } from '../errors.js'

/**
 * The base every URL should start with. An origin-only override keeps the manifest
 * base's path (like `domain` + `prefix` in the config); an override with a path, or a
 * root-relative path, is used as is. Always ends with `/`.
 */
export function resolveBase(manifestBase: string, override?: string): string {
  if (override === undefined || override === '') return manifestBase
  if (override.startsWith('/') && !override.startsWith('//')) return override.replace(/\/*$/, '/')
  let url: URL
  try {
    url = new URL(override.startsWith('//') ? `https:${override}` : override)
  } catch (cause) {
    throw new CdnDeployError('runtime', `base "${override}" is not an absolute URL or a root-relative path (e.g. "https://cdn2.example.com" or "/static/")`, {
      cause,
    })
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CdnDeployError('runtime', `base "${override}" must be an http(s) URL`)
  if (url.search || url.hash) throw new CdnDeployError('runtime', `base "${override}" must not have a query or fragment`)
  if (url.pathname === '/' || url.pathname === '') {
    const path = new URL(manifestBase, 'https://base.invalid').pathname
    return `${url.origin}${path.replace(/\/*$/, '/')}`
  }
  return `${url.origin}${url.pathname.replace(/\/*$/, '/')}`
}

/** Rewrites a manifest URL onto another base (URLs outside the manifest base stay as they are). */
export function rebase(url: string, manifestBase: string, base: string): string {
  return base !== manifestBase && url.startsWith(manifestBase) ? base + url.slice(manifestBase.length) : url
}

/** The origin of an absolute base, `undefined` for a root-relative one (same origin as the page). */
export function originOf(base: string): string | undefined {
  return /^https?:\/\//i.test(base) ? new URL(base).origin : undefined
}

/** `cdn.example.com`, `//cdn.example.com` or `https://cdn.example.com/x` → `https://cdn.example.com`. */
export function normalizeOrigin(host: string): string {
  const text = host.trim()
  const candidate = /^https?:\/\//i.test(text) ? text : `https://${text.replace(/^\/\//, '')}`
  try {
    const url = new URL(candidate)
    if (url.hostname) return url.origin
  } catch {
    // fall through to the error below
  }
  throw new CdnDeployError('runtime', `"${host}" is not a host name or origin (e.g. "cdn.example.com" or "https://cdn.example.com")`)
}

/**
 * Content-Type by extension, pure: mrmime's table (the one Vite serves with),
 * a few overrides where it has no answer or not the one a browser needs, and
 * our charset rule.
 */
import { lookup } from 'mrmime'

/**
 * Where mrmime lacks the extension or answers otherwise, each with its reason.
 * Charset comes after, by the rule below.
 */
export const OVERRIDES: Readonly<Record<string, string>> = {
  // mrmime: application/node. Browsers run a .cjs worker or script as JavaScript only with a JS type (RFC 9239).
  cjs: 'text/javascript',
  // mrmime: text/xml. RFC 7303 prefers application/xml; it is what we have always sent (sitemaps, feeds).
  xml: 'application/xml',
  // mrmime: none. The type every browser and CDN sends for favicons.
  ico: 'image/x-icon',
  // mrmime: none. IANA's type for Embedded OpenType fonts (old IE fallbacks in font stacks).
  eot: 'application/vnd.ms-fontobject',
  // mrmime: none. A Brotli file served as itself (not as Content-Encoding), e.g. a download.
  br: 'application/x-brotli',
}

const CHARSET = '; charset=utf-8'

/** Text: `text/*`, JavaScript, and JSON or XML, plain or as a `+json`/`+xml` suffix (SVG, web manifests, feeds). */
const IS_TEXT = /^text\/|^application\/(javascript|json|xml)$|\+(json|xml)$/

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream'

/** The Content-Type for a file name; text types carry `charset=utf-8`. */
export function contentTypeFor(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1)
  const dot = base.lastIndexOf('.')
  if (dot <= 0) return DEFAULT_CONTENT_TYPE
  const ext = base.slice(dot + 1).toLowerCase()
  // Own keys only: `a.constructor` must not find Object.prototype's.
  const type: unknown = Object.hasOwn(OVERRIDES, ext) ? OVERRIDES[ext] : lookup(ext)
  if (typeof type !== 'string') return DEFAULT_CONTENT_TYPE
  return IS_TEXT.test(type) ? type + CHARSET : type
}

export function isHtml(path: string): boolean {
  return /\.html?$/i.test(path)
}

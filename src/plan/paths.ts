/**
 * Keys and URLs, pure. A file at `dist/<rel>` is stored under `<prefix><rel>` and
 * served at `<publicBase><rel>`, where publicBase comes from `domain` (+ prefix
 * when the domain has no path of its own).
 */

/** `''` stays `''`; anything else gets exactly one trailing slash and no leading one. */
export function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, '').replace(/\/+$/, '')
  return trimmed ? `${trimmed}/` : ''
}

/**
 * The absolute base URL, ending in `/`. With no path on the domain the prefix is
 * appended (`https://cdn.example.com` + `app/` → `https://cdn.example.com/app/`);
 * with a path the domain is used as is, for CDNs whose origin path strips the prefix.
 */
export function publicBaseFor(domain: string, prefix: string): string {
  const url = new URL(domain)
  if (url.pathname === '/' || url.pathname === '') return `${url.origin}/${encodePath(prefix)}`
  return `${url.origin}${url.pathname.replace(/\/*$/, '/')}`
}

/** Percent-encode each segment of a relative path for use in a URL (`/` kept). */
export function encodePath(rel: string): string {
  return rel.split('/').map(encodeURIComponent).join('/')
}

/** The bucket key of an output file. */
export function keyFor(rel: string, prefix: string): string {
  return prefix + rel
}

/** The public URL of an output file. */
export function urlFor(rel: string, publicBase: string): string {
  return publicBase + encodePath(rel)
}

/** A relative output path, with `/` separators, that stays inside its directory. */
export function isSafeRelPath(rel: string): boolean {
  if (!rel || rel.startsWith('/') || rel.includes('\\') || rel.includes('\0')) return false
  return rel.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..')
}

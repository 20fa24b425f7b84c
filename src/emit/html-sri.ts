/**
 * Adds `integrity` and `crossorigin` to the script, stylesheet and preload tags of
 * an HTML document, so a tampered CDN file does not run. Pure: the caller gives
 * a lookup from the URL written in the tag to the file's SRI value.
 */
const TAG = /<(script|link)(?=[\s/>])([^>]*)>/gi
const ATTR = /([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g

export function readAttributes(source: string): Map<string, string> {
  const attrs = new Map<string, string>()
  for (const m of source.matchAll(ATTR)) attrs.set(m[1]!.toLowerCase(), m[2] ?? m[3] ?? m[4] ?? '')
  return attrs
}

function decodeEntities(value: string): string {
  return value
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
}

/** Which URL of a tag SRI applies to, if any. */
function subresourceUrl(tag: string, attrs: Map<string, string>): string | undefined {
  if (tag === 'script') return attrs.get('src')
  const rel = (attrs.get('rel') ?? '').toLowerCase().split(/\s+/)
  const as = (attrs.get('as') ?? '').toLowerCase()
  if (rel.includes('stylesheet') || rel.includes('modulepreload')) return attrs.get('href')
  if (rel.includes('preload') && (as === 'script' || as === 'style')) return attrs.get('href')
  return undefined
}

export interface SriResult {
  html: string
  /** How many tags received an integrity attribute. */
  count: number
}

export function addSriToHtml(html: string, lookup: (url: string) => string | undefined): SriResult {
  let count = 0
  const out = html.replace(TAG, (whole, name: string, rest: string) => {
    const tag = name.toLowerCase()
    const attrs = readAttributes(rest)
    const url = subresourceUrl(tag, attrs)
    if (!url || attrs.has('integrity')) return whole
    const integrity = lookup(decodeEntities(url))
    if (!integrity) return whole
    count++
    const extra = ` integrity="${integrity}"${attrs.has('crossorigin') ? '' : ' crossorigin'}`
    return `<${name}${extra}${rest}>`
  })
  return { html: out, count }
}

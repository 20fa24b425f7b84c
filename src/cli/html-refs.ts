/**
 * The URLs an HTML page makes a browser load, pure: what `cdn-deploy verify`
 * requests to see the site as a visitor does. Scripts, stylesheets, module
 * preloads, icons, the web manifest, images (`src` and `srcset`), media sources
 * and posters. Not links a visitor may follow (`<a href>`), not hints that never
 * block a page (`prefetch`, `dns-prefetch`, `preconnect`), not `url()` inside
 * inline styles.
 *
 * A small tokenizer rather than an HTML parser dependency: a built page is
 * machine-written and the question is narrow (which tags, which attributes), so
 * one regex for tags and comments, the attribute reader the SRI pass already
 * uses, and a skip over raw-text elements (`<script>` bodies, `<style>`…) so a
 * `<img src>` inside a JS string is not taken for a reference.
 */
import { readAttributes } from '../emit/html-sri.js'

/** What the response must be for the reference to work (checked on its Content-Type). */
export type RefKind = 'script' | 'style' | 'image' | 'manifest' | 'any'

export interface HtmlRef {
  /** Where it was found, e.g. `script src`, `link rel=stylesheet`, `img srcset`. */
  tag: string
  kind: RefKind
  /** The URL as written in the page (entities decoded, surrounding whitespace trimmed). */
  value: string
  /** Absolute URL resolved against the document's base, without its `#fragment` (never sent). */
  url: string
}

export interface ExtractedRefs {
  /** The base the references were resolved against: `<base href>` if any, else the page URL. */
  base: string
  /** In document order, duplicates kept. Only http(s) URLs: `data:`, `blob:`, `javascript:`… load nothing over the network. */
  refs: HtmlRef[]
  /** Values that are not URLs at all (`http://[oops`): broken references too. */
  invalid: Array<{ tag: string; value: string }>
}

/**
 * One token: a comment (to skip), or a start tag with its attribute text. The
 * attribute part steps over quoted values, so a `>` inside `title="a > b"` does
 * not end the tag. End tags, doctype and `<!…>` do not match and are passed over.
 */
const TOKEN = /<!--[\s\S]*?(?:-->|$)|<([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g

/** Elements whose content is text, not markup: skipped up to their end tag. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes'])

/** The JavaScript MIME types of the HTML standard; a script `type` of any other value is not run, so its src is only required to exist. */
export const JS_TYPES = new Set([
  'application/ecmascript',
  'application/javascript',
  'application/x-ecmascript',
  'application/x-javascript',
  'text/ecmascript',
  'text/javascript',
  'text/javascript1.0',
  'text/javascript1.1',
  'text/javascript1.2',
  'text/javascript1.3',
  'text/javascript1.4',
  'text/javascript1.5',
  'text/jscript',
  'text/livescript',
  'text/x-ecmascript',
  'text/x-javascript',
])

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  sol: '/',
  colon: ':',
  period: '.',
  num: '#',
  quest: '?',
  equals: '=',
  comma: ',',
  nbsp: '\u00a0',
}

/**
 * Character references in an attribute value: numeric ones, and the named ones
 * a URL may contain. Only with their `;` (HTML also reads a few legacy names
 * without it, but not before `=` or a letter, which is where they stand in a
 * query string, so leaving them is what a browser does there too).
 */
export function decodeEntities(value: string): string {
  return value.replace(/&(#[xX][0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref[0] !== '#') return NAMED[ref] ?? whole
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10)
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd'
  })
}

/** Leading and trailing ASCII whitespace, which a browser strips from a URL attribute. */
const trimUrl = (value: string) => value.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '')

/**
 * The URLs of a `srcset` (the standard's algorithm, shortened): candidates are
 * separated by commas, but a URL may itself contain commas (`data:` URLs,
 * `?w=1,2`), so a URL is read up to whitespace and only then a comma ends the
 * candidate; descriptors (`2x`, `480w`) are skipped.
 */
export function srcsetUrls(srcset: string): string[] {
  const urls: string[] = []
  const n = srcset.length
  let i = 0
  const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f'
  while (i < n) {
    while (i < n && (isSpace(srcset[i]) || srcset[i] === ',')) i++
    if (i >= n) break
    const start = i
    while (i < n && !isSpace(srcset[i])) i++
    let url = srcset.slice(start, i)
    if (url.endsWith(',')) {
      // `a.png,b.png 2x`: the trailing commas end this candidate (no descriptors).
      url = url.replace(/,+$/, '')
    } else {
      // Descriptors up to the next comma outside parentheses.
      let depth = 0
      while (i < n) {
        const c = srcset[i++]
        if (c === '(') depth++
        else if (c === ')') depth = Math.max(0, depth - 1)
        else if (c === ',' && depth === 0) break
      }
    }
    if (url) urls.push(url)
  }
  return urls
}

/** A `<link>`: which of its rel tokens makes the browser load it, and as what. */
function linkRef(attrs: Map<string, string>): { tag: string; kind: RefKind } | undefined {
  const rel = (attrs.get('rel') ?? '').toLowerCase().split(/[\t\n\f\r ]+/)
  const as = (attrs.get('as') ?? '').trim().toLowerCase()
  // `alternate stylesheet` is fetched too (at low priority).
  if (rel.includes('stylesheet')) return { tag: 'link rel=stylesheet', kind: 'style' }
  // Module preloads are modules whatever `as` says.
  if (rel.includes('modulepreload')) return { tag: 'link rel=modulepreload', kind: 'script' }
  if (rel.includes('preload')) {
    const kind: RefKind = as === 'script' ? 'script' : as === 'style' ? 'style' : as === 'image' ? 'image' : 'any'
    return { tag: `link rel=preload${as ? ` as=${as}` : ''}`, kind }
  }
  if (rel.includes('manifest')) return { tag: 'link rel=manifest', kind: 'manifest' }
  // `icon`, `shortcut icon`, `apple-touch-icon(-precomposed)`, Safari's `mask-icon`.
  const icon = rel.find((r) => r === 'icon' || r === 'apple-touch-icon' || r === 'apple-touch-icon-precomposed' || r === 'mask-icon')
  if (icon) return { tag: `link rel=${icon}`, kind: 'image' }
  // prefetch, dns-prefetch, preconnect, canonical, alternate…: nothing a page needs to show.
  return undefined
}

/** Kind of a `<script src>`: JavaScript when the type is empty, `module` or a JS MIME type. */
function scriptKind(attrs: Map<string, string>): RefKind {
  const type = (attrs.get('type') ?? '').trim().toLowerCase()
  const essence = type.split(';')[0]!.trim()
  return type === '' || type === 'module' || JS_TYPES.has(essence) ? 'script' : 'any'
}

/** The `(tag, kind, raw value)` triples of one start tag. */
function refsOfTag(name: string, attrs: Map<string, string>): Array<{ tag: string; kind: RefKind; raw: string }> {
  const out: Array<{ tag: string; kind: RefKind; raw: string }> = []
  const add = (attr: string, tag: string, kind: RefKind) => {
    const raw = attrs.get(attr)
    if (raw !== undefined) out.push({ tag, kind, raw })
  }
  const addSrcset = (attr: string, tag: string, kind: RefKind) => {
    const raw = attrs.get(attr)
    if (raw !== undefined) for (const url of srcsetUrls(decodeEntities(raw))) out.push({ tag, kind, raw: url })
  }
  switch (name) {
    case 'script':
      add('src', 'script src', scriptKind(attrs))
      break
    case 'link': {
      const link = linkRef(attrs)
      if (!link) break
      add('href', link.tag, link.kind)
      // `<link rel=preload as=image imagesrcset=…>` preloads one of those.
      if (link.tag === 'link rel=preload as=image') addSrcset('imagesrcset', 'link rel=preload imagesrcset', 'image')
      break
    }
    case 'img':
      add('src', 'img src', 'image')
      addSrcset('srcset', 'img srcset', 'image')
      break
    case 'source':
      // `srcset` only in <picture> (images); `src` only in <audio>/<video> (any media type).
      addSrcset('srcset', 'source srcset', 'image')
      add('src', 'source src', 'any')
      break
    case 'video':
      add('src', 'video src', 'any')
      add('poster', 'video poster', 'image')
      break
    case 'audio':
      add('src', 'audio src', 'any')
      break
  }
  return out
}

/**
 * Every URL `html` makes a browser load, resolved against the document URL (or
 * the first `<base href>`, which applies to the whole document wherever it stands).
 */
export function extractRefs(html: string, documentUrl: string): ExtractedRefs {
  const found: Array<{ tag: string; kind: RefKind; raw: string }> = []
  let baseHref: string | undefined
  TOKEN.lastIndex = 0
  for (let m = TOKEN.exec(html); m; m = TOKEN.exec(html)) {
    const name = m[1]?.toLowerCase()
    if (!name) continue // a comment
    const attrs = readAttributes(m[2] ?? '')
    if (name === 'base' && baseHref === undefined && attrs.has('href')) baseHref = attrs.get('href')
    found.push(...refsOfTag(name, attrs))
    if (RAW_TEXT.has(name)) {
      // Skip the element's text: up to its end tag, or the end of the document.
      const end = html.slice(TOKEN.lastIndex).search(new RegExp(`</${name}[\\t\\n\\f\\r />]`, 'i'))
      TOKEN.lastIndex = end < 0 ? html.length : TOKEN.lastIndex + end
    }
  }

  let base = documentUrl
  if (baseHref !== undefined) {
    const href = trimUrl(decodeEntities(baseHref))
    // A base that is no URL, or a data:/javascript: one, is ignored (the standard falls back to the document URL).
    if (href && URL.canParse(href, documentUrl)) {
      const candidate = new URL(href, documentUrl)
      if (candidate.protocol === 'http:' || candidate.protocol === 'https:') base = candidate.href
    }
  }

  const refs: HtmlRef[] = []
  const invalid: ExtractedRefs['invalid'] = []
  for (const { tag, kind, raw } of found) {
    // srcset values were decoded before splitting (a `&#44;` is a comma in the URL, not a separator).
    const value = trimUrl(tag.endsWith('srcset') ? raw : decodeEntities(raw))
    // An empty src loads nothing useful (and browsers skip it for img); a lone fragment is the page itself.
    if (!value || value.startsWith('#')) continue
    if (!URL.canParse(value, base)) {
      invalid.push({ tag, value })
      continue
    }
    const url = new URL(value, base)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue
    url.hash = ''
    refs.push({ tag, kind, value, url: url.href })
  }
  return { base, refs, invalid }
}

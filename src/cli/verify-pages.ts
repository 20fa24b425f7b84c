/**
 * The visitor's side of `cdn-deploy verify`: every HTML page of the current
 * release is fetched from its public URL, the URLs it makes a browser load are
 * extracted (./html-refs.ts) and resolved as the browser would, and each one on
 * the site's own origin is requested once (deduplicated across pages): it must
 * answer 200 with a Content-Type that fits the tag (a module script served as
 * text/plain is refused by every browser). Catches what comparing files with the
 * ledger cannot: a page whose `/assets/…` URLs point outside the bucket prefix.
 * URLs on other origins are not ours to check; they are only listed.
 */
import { runPool } from '../pool.js'
import { extractRefs, JS_TYPES, type RefKind } from './html-refs.js'

export interface PageResult {
  rel: string
  url: string
  ok: boolean
  status?: number
  /** How many distinct same-origin URLs the page references. */
  references: number
  problems: string[]
}

export interface ReferenceResult {
  /** Absolute URL requested. */
  url: string
  /** As written in the first page that references it. */
  value: string
  /** The referencing tag and attribute of that first occurrence, e.g. `script src`. */
  tag: string
  kind: RefKind
  /** Pages (release paths) that reference it, in page order. */
  pages: string[]
  ok: boolean
  status?: number
  contentType?: string
  problems: string[]
}

export interface ExternalReference {
  url: string
  tag: string
  pages: string[]
}

export interface PagesReport {
  pages: PageResult[]
  references: ReferenceResult[]
  /** References to other origins: listed, not requested. */
  external: ExternalReference[]
}

export interface CheckPagesOptions {
  /** The HTML pages of the release with their public URLs. */
  pages: ReadonlyArray<{ rel: string; url: string }>
  /** Origins that count as the site's own besides each page's (the public base's). */
  origins: readonly string[]
  concurrency: number
  timeoutMs: number
}

/** What each kind of reference must be served as, and why. */
const EXPECTED: Record<RefKind, { test: (essence: string) => boolean; what: string } | undefined> = {
  script: { test: (t) => JS_TYPES.has(t), what: 'a JavaScript type such as text/javascript (browsers refuse module scripts of any other type)' },
  style: { test: (t) => t === 'text/css', what: 'text/css (browsers ignore stylesheets of any other type)' },
  image: { test: (t) => t.startsWith('image/'), what: 'an image/* type' },
  manifest: { test: (t) => t === 'application/manifest+json' || t === 'application/json', what: 'application/manifest+json or application/json' },
  any: undefined,
}

/** `text/javascript` from `Text/JavaScript; charset=utf-8`. */
const essenceOf = (contentType: string | null) => (contentType ?? '').split(';')[0]!.trim().toLowerCase()

const requestError = (err: unknown) => {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause
  return `request failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

export async function checkPages(options: CheckPagesOptions): Promise<PagesReport> {
  const { concurrency, timeoutMs } = options
  const own = new Set(options.origins)
  const pages: PageResult[] = []
  // url → the reference, and (url, kind) pairs already seen: one URL may be wanted as two kinds.
  const references = new Map<string, ReferenceResult>()
  const external = new Map<string, ExternalReference>()
  const invalid: ReferenceResult[] = []

  // 1. The pages, in release order so "the first page that references it" is stable.
  const fetched = new Map<string, { result: PageResult; html?: string; documentUrl?: string }>()
  await runPool(options.pages, concurrency, async ({ rel, url }) => {
    const result: PageResult = { rel, url, ok: false, references: 0, problems: [] }
    const entry: { result: PageResult; html?: string; documentUrl?: string } = { result }
    fetched.set(rel, entry)
    try {
      const res = await fetch(url, { headers: { accept: 'text/html,*/*;q=0.8' }, signal: AbortSignal.timeout(timeoutMs) })
      result.status = res.status
      if (res.status !== 200) {
        await res.body?.cancel().catch(() => {})
        result.problems.push(`HTTP ${res.status} (expected 200)`)
        return
      }
      entry.html = await res.text()
      // After a redirect the browser resolves against where it landed.
      entry.documentUrl = res.url || url
    } catch (err) {
      result.problems.push(requestError(err))
    }
  })

  for (const { rel } of options.pages) {
    const { result, html, documentUrl } = fetched.get(rel)!
    pages.push(result)
    if (html === undefined || documentUrl === undefined) continue
    const { refs, invalid: bad } = extractRefs(html, documentUrl)
    for (const b of bad) invalid.push({ url: b.value, value: b.value, tag: b.tag, kind: 'any', pages: [rel], ok: false, problems: ['not a valid URL'] })
    const mine = new Set<string>()
    const origin = new URL(documentUrl).origin
    for (const ref of refs) {
      const refOrigin = new URL(ref.url).origin
      if (refOrigin !== origin && !own.has(refOrigin)) {
        const ext = external.get(ref.url) ?? { url: ref.url, tag: ref.tag, pages: [] }
        if (!ext.pages.includes(rel)) ext.pages.push(rel)
        external.set(ref.url, ext)
        continue
      }
      mine.add(ref.url)
      // The same URL wanted as two kinds (a script and an image?) is checked for both.
      const key = `${ref.kind}\0${ref.url}`
      const known = references.get(key)
      if (known) {
        if (!known.pages.includes(rel)) known.pages.push(rel)
        continue
      }
      references.set(key, { url: ref.url, value: ref.value, tag: ref.tag, kind: ref.kind, pages: [rel], ok: false, problems: [] })
    }
    result.references = mine.size
    result.ok = true
  }

  // 2. Each URL once (GET, as the browser does), whatever kinds it is wanted as.
  const byUrl = new Map<string, ReferenceResult[]>()
  for (const r of references.values()) byUrl.set(r.url, [...(byUrl.get(r.url) ?? []), r])
  await runPool([...byUrl], concurrency, async ([url, wanted]) => {
    let status: number | undefined
    let contentType: string | null = null
    let failure: string | undefined
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
      status = res.status
      contentType = res.headers.get('content-type')
      // Status and type are all that is checked: the bytes are the file checks' business.
      await res.body?.cancel().catch(() => {})
      if (res.status !== 200) failure = `HTTP ${res.status}`
    } catch (err) {
      failure = requestError(err)
    }
    for (const r of wanted) {
      if (status !== undefined) r.status = status
      if (contentType !== null) r.contentType = contentType
      const expected = EXPECTED[r.kind]
      if (failure) r.problems.push(failure)
      else if (expected && !expected.test(essenceOf(contentType))) r.problems.push(`Content-Type is "${contentType ?? '(none)'}", expected ${expected.what}`)
      r.ok = r.problems.length === 0
    }
  })

  const sorted = [...invalid, ...references.values()].sort((a, b) => compare(a.pages[0]!, b.pages[0]!) || compare(a.url, b.url) || compare(a.kind, b.kind))
  return { pages, references: sorted, external: [...external.values()].sort((a, b) => compare(a.url, b.url)) }
}

/** At most a few page names, then how many more. */
function pageList(pages: readonly string[], max = 3): string {
  return pages.length <= max ? pages.join(', ') : `${pages.slice(0, max).join(', ')} and ${pages.length - max} more`
}

/**
 * The report's lines: failures always, each naming the page, the URL as
 * written, the tag and what went wrong; with `verbose` also what passed and the
 * other origins' URLs (not requested).
 */
export function pageLines(report: PagesReport, verbose: boolean): string[] {
  const lines: string[] = []
  for (const p of report.pages) {
    if (!p.ok) lines.push(`  FAIL  page ${p.rel} ${p.url}`, ...p.problems.map((x) => `          ${x}`))
    else if (verbose) lines.push(`  ok    page ${p.rel} (${p.references} reference${p.references === 1 ? '' : 's'})`)
  }
  for (const r of report.references) {
    const [first, ...others] = r.pages
    if (!r.ok) {
      lines.push(`  FAIL  ${first} references ${r.value} (<${r.tag}>): ${r.problems.join('; ')}`)
      if (r.url !== r.value) lines.push(`          requested ${r.url}`)
      if (others.length) lines.push(`          also referenced by ${pageList(others)}`)
    } else if (verbose) {
      lines.push(
        `  ok    ${first} references ${r.value} (<${r.tag}>, ${r.status}${r.contentType ? `, ${r.contentType}` : ''})${others.length ? ` also by ${pageList(others)}` : ''}`,
      )
    }
  }
  if (verbose) for (const e of report.external) lines.push(`  skip  ${e.url} (<${e.tag}> on another origin, in ${pageList(e.pages)})`)
  return lines
}

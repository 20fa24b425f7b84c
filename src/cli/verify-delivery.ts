/**
 * `cdn-deploy verify --delivery`: how the CDN delivers each file of the release
 * to a browser that asks for compression (`Accept-Encoding: br, gzip`). Per
 * file: the status, the Content-Encoding served (expected for compressible
 * types of 1 KiB or more, the same rule `precompress` uses), the CDN cache
 * header and the response time. A report, not a check: the one failure is a
 * file stored precompressed that arrives without a Content-Encoding (the CDN
 * decoded it or dropped the header). A public base on plain `http://` (other
 * than loopback) is a warning: browsers block it on https pages.
 */
import { runPool } from '../pool.js'
import { isCompressible } from '../plan/compress.js'
import type { LedgerEntry } from '../plan/types.js'

export interface DeliveryRow {
  rel: string
  url: string
  /** Compressible type and at least 1 KiB: worth serving compressed. */
  compressible: boolean
  /** Content-Encoding the file is stored with (`precompress`), if any. */
  stored?: string
  status?: number
  /** Content-Encoding served; `''` for none. */
  encoding?: string
  /** `cf-cache-status` or `x-cache`, when the CDN sent one. */
  cache?: string
  /** `Age`, when sent. */
  age?: string
  /** From sending the request to the last byte of the body. */
  ms?: number
  /** Where the response came from, after any redirect. */
  finalUrl?: string
  /** Served over https (or over http on loopback, a test setup). */
  secure?: boolean
  ok: boolean
  problems: string[]
}

export interface DeliveryReport {
  rows: DeliveryRow[]
  compressible: number
  /** Compressible files served with a Content-Encoding. */
  compressed: number
  medianMs?: number
  p95Ms?: number
  warnings: string[]
  failed: number
}

const LOOPBACK = /^(localhost|127(\.\d+){3}|\[::1\])$/

/** Plain http on a host that is not loopback (loopback http is a test setup). Pure. */
export function isInsecure(url: string): boolean {
  const u = new URL(url)
  return u.protocol === 'http:' && !LOOPBACK.test(u.hostname)
}

const WHY_HTTPS = 'browsers block http assets on https pages (mixed content), and nothing protects them in transit'

/** The value at percentile `p` (0–100) of ascending `sorted`, nearest-rank. Pure. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]
}

export interface CheckDeliveryOptions {
  files: ReadonlyArray<{ rel: string; url: string; entry: LedgerEntry }>
  publicBase: string
  concurrency: number
  timeoutMs: number
}

async function deliveryOf(rel: string, url: string, entry: LedgerEntry, timeoutMs: number): Promise<DeliveryRow> {
  const row: DeliveryRow = { rel, url, compressible: isCompressible(entry.contentType, entry.size), ok: true, problems: [] }
  if (entry.contentEncoding) row.stored = entry.contentEncoding
  const started = performance.now()
  try {
    const res = await fetch(url, { headers: { 'accept-encoding': 'br, gzip' }, signal: AbortSignal.timeout(timeoutMs) })
    // Read the body (fetch decodes it) so the time is the whole transfer, as a browser waits for it.
    await res.arrayBuffer()
    row.ms = Math.round(performance.now() - started)
    row.status = res.status
    row.finalUrl = res.url || url
    row.secure = !isInsecure(row.finalUrl)
    row.encoding = (res.headers.get('content-encoding') ?? '')
      .trim()
      .toLowerCase()
      .replace(/^identity$/, '')
    const cache = res.headers.get('cf-cache-status') ?? res.headers.get('x-cache')
    if (cache) row.cache = cache
    const age = res.headers.get('age')
    if (age) row.age = age
    if (res.status === 200 && row.stored && !row.encoding) {
      row.problems.push(`stored ${row.stored}-encoded but served without Content-Encoding (the CDN decoded it or dropped the header)`)
    }
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause
    row.problems.push(`request failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`)
  }
  row.ok = row.problems.length === 0
  return row
}

export async function checkDelivery(options: CheckDeliveryOptions): Promise<DeliveryReport> {
  const rows: DeliveryRow[] = []
  await runPool(options.files, options.concurrency, async ({ rel, url, entry }) => {
    rows.push(await deliveryOf(rel, url, entry, options.timeoutMs))
  })
  rows.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))
  const warnings: string[] = []
  const baseOrigin = new URL(options.publicBase).origin
  if (isInsecure(options.publicBase)) warnings.push(`the public base ${options.publicBase} is plain http://: ${WHY_HTTPS}`)
  // Files that land on plain http elsewhere (a redirect down from https): per origin, with an example.
  const downgraded = new Map<string, string[]>()
  for (const r of rows) {
    const origin = r.finalUrl && !r.secure ? new URL(r.finalUrl).origin : undefined
    if (origin && origin !== baseOrigin) downgraded.set(origin, [...(downgraded.get(origin) ?? []), r.rel])
  }
  for (const [origin, rels] of downgraded) {
    warnings.push(
      `${rels.length} file${rels.length === 1 ? ' is' : 's are'} redirected to plain http:// at ${origin} (${rels[0]}${rels.length > 1 ? ', …' : ''}): ${WHY_HTTPS}`,
    )
  }
  const times = rows.flatMap((r) => (r.ms === undefined ? [] : [r.ms])).sort((a, b) => a - b)
  const compressible = rows.filter((r) => r.compressible && r.status === 200)
  const report: DeliveryReport = {
    rows,
    compressible: compressible.length,
    compressed: compressible.filter((r) => r.encoding).length,
    warnings,
    failed: rows.filter((r) => !r.ok).length,
  }
  const medianMs = percentile(times, 50)
  const p95Ms = percentile(times, 95)
  if (medianMs !== undefined) report.medianMs = medianMs
  if (p95Ms !== undefined) report.p95Ms = p95Ms
  return report
}

/** The encoding column: what was served, and whether that is what one would want. */
function encodingCell(r: DeliveryRow): string {
  if (r.encoding === undefined) return '-'
  if (r.encoding) return r.stored ? `${r.encoding} (stored ${r.stored})` : r.encoding
  if (r.stored) return `none (stored ${r.stored}!)`
  return r.compressible ? 'none (compressible)' : 'none'
}

/** The terminal table: aligned columns file, status, encoding, cache, ms; problems under their row. */
export function deliveryTable(report: DeliveryReport): string[] {
  const head = ['file', 'status', 'encoding', 'cache', 'ms']
  const cells = report.rows.map((r) => [
    r.rel,
    r.status === undefined ? 'ERR' : `${r.status}${r.secure === false ? ' http!' : ''}`,
    encodingCell(r),
    [r.cache, r.age === undefined ? undefined : `age ${r.age}`].filter(Boolean).join(', ') || '-',
    r.ms === undefined ? '-' : String(r.ms),
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  // Text columns left-aligned, the time right-aligned; no trailing spaces.
  const line = (c: readonly string[]) => `  ${c.map((v, i) => (i === c.length - 1 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ')}`
  const lines = [line(head)]
  report.rows.forEach((r, i) => {
    lines.push(line(cells[i]!))
    for (const p of r.problems) lines.push(`    FAIL  ${p}`)
  })
  return lines
}

/** `12 of 40 compressible files served compressed; median 14 ms, p95 40 ms`. */
export function deliverySummary(report: DeliveryReport): string {
  const time = report.medianMs === undefined ? 'no timings' : `median ${report.medianMs} ms, p95 ${report.p95Ms} ms`
  const failed = report.failed ? `; ${report.failed} failed` : ''
  return `[cdn-deploy] delivery: ${report.compressed} of ${report.compressible} compressible files served compressed; ${time}${failed}`
}

/**
 * `cdn-deploy verify [dir]`: the delivery test, built in. Every file of the
 * current release (ledger files whose release is the latest) is fetched through
 * its public URL, a few at a time, and checked against the ledger: HTTP status,
 * Content-Type, Cache-Control, Content-Encoding and sha256, plus SRI for scripts
 * and stylesheets when the build manifest is at hand. CDN cache headers are
 * reported. Then what a visitor gets (./verify-pages.ts): every HTML page of the
 * release is loaded and each URL it references on the site's origin must answer
 * 200 with a fitting Content-Type. `--delivery` adds a per-file report of
 * compression, cache headers and response times (./verify-delivery.ts).
 * Exit 1 on any mismatch, each one listed.
 */
import { readFile } from 'node:fs/promises'
import type { CdnManifest } from '../emit/manifest.js'
import { readBuildManifest } from '../emit/manifest.js'
import { runPool } from '../pool.js'
import { CdnDeployError } from '../errors.js'
import { urlFor } from '../plan/paths.js'
import type { LedgerEntry } from '../plan/types.js'
import { ledgerKey } from '../storage/index.js'
import { EXIT, intFlag, loadCliConfig, output, scrub, storageFor, type GlobalFlags } from './context.js'
import { checkDelivery, deliverySummary, deliveryTable, type DeliveryReport } from './verify-delivery.js'
import { checkFile, type FileResult } from './verify-file.js'
import { checkPages, pageLines } from './verify-pages.js'

export interface VerifyFlags extends GlobalFlags {
  manifest?: string
  concurrency?: number | string
  timeout?: number | string
  verbose?: boolean
  delivery?: boolean
}

/**
 * The pages a visitor can load: HTML files of the current release. Files kept
 * from earlier releases (retention, for open tabs) are no longer part of the
 * site, a brotli sibling (`index.html.br`) is an encoding of a page, not a page,
 * and a redirect object (`redirects`) has no page of its own.
 */
function isPage(entry: LedgerEntry): boolean {
  const type = entry.contentType.split(';')[0]!.trim().toLowerCase()
  return (type === 'text/html' || type === 'application/xhtml+xml') && entry.contentEncoding !== 'br' && entry.params?.WebsiteRedirectLocation === undefined
}

async function manifestFor(dir: string | undefined, file: string | undefined): Promise<CdnManifest | undefined> {
  if (file) {
    try {
      return JSON.parse(await readFile(file, 'utf8')) as CdnManifest
    } catch (cause) {
      throw new CdnDeployError('cli', `--manifest ${file} cannot be read as JSON (give the build's .vite/cdn-manifest.json)`, { cause })
    }
  }
  return dir === undefined ? undefined : readBuildManifest(dir)
}

/** `HIT 3, MISS 9` from the CDN cache headers seen. */
function cacheSummary(results: readonly FileResult[]): string {
  const counts = new Map<string, number>()
  for (const r of results) if (r.cache) counts.set(r.cache, (counts.get(r.cache) ?? 0) + 1)
  return [...counts].map(([k, n]) => `${k} ${n}`).join(', ')
}

export async function verifyCommand(dir: string | undefined, flags: VerifyFlags): Promise<number> {
  const o = output(flags)
  const config = await loadCliConfig(flags)
  const concurrency = intFlag(flags.concurrency, 'concurrency', 8)
  const timeoutMs = intFlag(flags.timeout, 'timeout', 30) * 1000
  // Only reachable with `enabled: false`, which leaves no public base to fetch from.
  if (!URL.canParse(config.publicBase)) throw new CdnDeployError('cli', 'nothing to verify against: no public URL (set domain in cdn.config.ts, or CDN_DOMAIN)')
  const storage = storageFor(config)
  const ledger = await storage.readLedger().finally(() => storage.destroy())
  const release = ledger?.releases.at(-1)
  if (!ledger || !release) {
    throw new CdnDeployError(
      'cli',
      `no release to verify: s3://${storage.bucket}/${ledgerKey(storage.statePrefix)} ${ledger ? 'lists none' : 'does not exist'} (run cdn-deploy deploy first; check storage.bucket and prefix)`,
    )
  }
  const manifest = await manifestFor(dir, flags.manifest === undefined ? undefined : String(flags.manifest))
  if (dir !== undefined && !flags.manifest && !manifest) o.note(`[cdn-deploy] no build manifest in ${dir}: SRI not checked`)
  const files = Object.entries(ledger.files)
    .filter(([, e]) => e.release === release.id)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  let staleManifest = 0
  const results: FileResult[] = []
  o.note(`[cdn-deploy] verifying ${files.length} files of release ${release.id} at ${config.publicBase}`)
  await runPool(files, concurrency, async ([rel, entry]) => {
    const fromManifest = manifest?.files?.[rel]
    // Only an SRI of these very bytes means anything; a manifest of another build is skipped.
    const integrity = fromManifest?.integrity && fromManifest.sha256 === entry.sha256 ? fromManifest.integrity : undefined
    if (fromManifest?.integrity && !integrity) staleManifest++
    results.push(await checkFile({ rel, url: urlFor(rel, config.publicBase), entry, ...(integrity ? { integrity } : {}), timeoutMs }))
  })
  results.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))
  if (staleManifest) o.note(`[cdn-deploy] warning: the manifest is of another build for ${staleManifest} files; their SRI was not checked`)

  // What a visitor gets: the pages and every URL they load.
  const htmlPages = files.filter(([, e]) => isPage(e)).map(([rel]) => ({ rel, url: urlFor(rel, config.publicBase) }))
  if (htmlPages.length === 0)
    o.note(
      `[cdn-deploy] no HTML pages in release ${release.id}${config.htmlAtOrigin ? ' (htmlAtOrigin: the HTML is served from your origin)' : ''}: page references not checked`,
    )
  const visitor = await checkPages({ pages: htmlPages, origins: [new URL(config.publicBase).origin], concurrency, timeoutMs })
  const pagesFailed = visitor.pages.filter((p) => !p.ok).length
  const refsFailed = visitor.references.filter((r) => !r.ok).length

  let delivery: DeliveryReport | undefined
  if (flags.delivery) {
    const all = files.filter(([, entry]) => !entry.params?.WebsiteRedirectLocation).map(([rel, entry]) => ({ rel, url: urlFor(rel, config.publicBase), entry }))
    delivery = await checkDelivery({ files: all, publicBase: config.publicBase, concurrency, timeoutMs })
    for (const w of delivery.warnings) o.note(`[cdn-deploy] warning: ${w}`)
  }

  const failed = results.filter((r) => !r.ok)
  const cache = cacheSummary(results)
  const ok = failed.length === 0 && pagesFailed === 0 && refsFailed === 0 && !delivery?.failed
  o.json({
    ok,
    release: release.id,
    publicBase: config.publicBase,
    checked: results.length,
    failed: failed.length,
    sri: !!manifest,
    files: results,
    pagesChecked: visitor.pages.length,
    pagesFailed,
    referencesChecked: visitor.references.length,
    referencesFailed: refsFailed,
    pages: visitor.pages,
    references: visitor.references,
    external: visitor.external,
    ...(delivery ? { delivery } : {}),
  })
  const lines: string[] = []
  for (const r of flags.verbose ? results : failed) {
    if (r.ok) lines.push(`  ok    ${r.rel} (${r.status}${r.cache ? `, cache ${r.cache}` : ''}${r.age ? `, age ${r.age}s` : ''})`)
    else lines.push(`  FAIL  ${r.rel} ${r.url}`, ...r.problems.map((p) => `          ${p}`))
  }
  lines.push(...pageLines(visitor, !!flags.verbose))
  const pagesPart = visitor.pages.length
    ? `; ${visitor.pages.length - pagesFailed} of ${visitor.pages.length} pages ok, ${visitor.references.length - refsFailed} of ${visitor.references.length} references ok`
    : ''
  const verdict = `[cdn-deploy] verify: ${results.length - failed.length} of ${results.length} files ok${failed.length ? `, ${failed.length} failed` : ''}${manifest ? ' (SRI checked)' : ''}${pagesPart}${cache ? `; CDN cache: ${cache}` : ''}`
  // The delivery table is a report: printed in full, before the verdict.
  const report = delivery ? [...deliveryTable(delivery), deliverySummary(delivery)] : []
  o.out([...lines, ...report, verdict].join('\n'))
  if (!ok) {
    // Failures reach stderr even with --quiet or --json.
    const failures = [
      ...lines.filter((l) => !l.startsWith('  ok  ') && !l.startsWith('  skip  ')),
      ...(delivery?.failed ? deliveryTable({ ...delivery, rows: delivery.rows.filter((r) => !r.ok) }) : []),
    ]
    if (flags.quiet || flags.json) process.stderr.write(`${scrub([...failures, verdict].join('\n'))}\n`)
    return EXIT.failure
  }
  return EXIT.ok
}

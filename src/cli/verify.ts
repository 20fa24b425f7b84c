/**
 * `cdn-deploy verify [dir]`: the delivery test, built in. Every file of the
 * current release (ledger files whose release is the latest) is fetched through
 * its public URL, a few at a time, and checked against the ledger: HTTP status,
 * Content-Type, Cache-Control, Content-Encoding and sha256, plus SRI for scripts
 * and stylesheets when the build manifest is at hand. CDN cache headers are
 * reported. Exit 1 on any mismatch, each one listed.
 */
import { readFile } from 'node:fs/promises'
import type { CdnManifest } from '../build/manifest.js'
import { readBuildManifest } from '../deploy/index.js'
import { runPool } from '../deploy/pool.js'
import { CdnDeployError } from '../errors.js'
import { urlFor } from '../plan/paths.js'
import { ledgerKey } from '../storage/index.js'
import { EXIT, intFlag, loadCliConfig, output, scrub, storageFor, type GlobalFlags } from './context.js'
import { checkFile, type FileResult } from './verify-file.js'

export interface VerifyFlags extends GlobalFlags {
  manifest?: string
  concurrency?: number | string
  timeout?: number | string
  verbose?: boolean
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
  const storage = storageFor(config)
  const ledger = await storage.readLedger().finally(() => storage.destroy())
  const release = ledger?.releases.at(-1)
  if (!ledger || !release) {
    throw new CdnDeployError('cli', `no release to verify: s3://${storage.bucket}/${ledgerKey(config.prefix)} ${ledger ? 'lists none' : 'does not exist'} (run cdn-deploy deploy first; check storage.bucket and prefix)`)
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

  const failed = results.filter((r) => !r.ok)
  const cache = cacheSummary(results)
  o.json({ ok: failed.length === 0, release: release.id, publicBase: config.publicBase, checked: results.length, failed: failed.length, sri: !!manifest, files: results })
  const lines: string[] = []
  for (const r of flags.verbose ? results : failed) {
    if (r.ok) lines.push(`  ok    ${r.rel} (${r.status}${r.cache ? `, cache ${r.cache}` : ''}${r.age ? `, age ${r.age}s` : ''})`)
    else lines.push(`  FAIL  ${r.rel} ${r.url}`, ...r.problems.map((p) => `          ${p}`))
  }
  const verdict = `[cdn-deploy] verify: ${results.length - failed.length} of ${results.length} files ok${failed.length ? `, ${failed.length} failed` : ''}${manifest ? ' (SRI checked)' : ''}${cache ? `; CDN cache: ${cache}` : ''}`
  o.out([...lines, verdict].join('\n'))
  if (failed.length > 0) {
    // Failures reach stderr even with --quiet or --json.
    if (flags.quiet || flags.json) process.stderr.write(`${scrub([...lines, verdict].join('\n'))}\n`)
    return EXIT.failure
  }
  return EXIT.ok
}

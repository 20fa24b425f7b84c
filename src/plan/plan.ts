/**
 * createPlan, pure: the scan's files + the bucket's ledger (+ what an unfinished
 * deploy's journal says is already up) + the config in, the whole deploy out as
 * a value (uploads by phase, skips, deletes, invalidations, the next ledger). No
 * I/O and no clock: `now` and the release id are inputs, so `plan`, `--dry-run`,
 * the plugin and the tests all see the same object for the same input, and
 * nothing changes it after it is returned.
 */
import { CdnDeployError } from '../errors.js'
import { isHtml } from './content-type.js'
import { isSafeRelPath, keyFor, normalizePrefix } from './paths.js'
import { retentionFor, trimReleases, type RetainPolicy } from './retention.js'
import { brotliSiblingFor, encodingFor, NO_PRECOMPRESS, type PrecompressOptions } from './compress.js'
import { compileCacheRules, type CacheRule } from './rules.js'
import { compileFilter, filteredOut, type FileFilterOptions } from './filter.js'
import { DELETE_BATCH_SIZE, uploadRequests } from '../storage/limits.js'
import { STATE_DIR, UNKNOWN_SHA256, type DeployPlan, type Ledger, type LedgerEntry, type LocalFile, type Phase, type PlannedUpload, type Release } from './types.js'

export interface PlanOptions {
  /** Key prefix (normalized here: no leading `/`, one trailing `/`, or `''`). */
  prefix: string
  cacheControl: readonly CacheRule[]
  retain: RetainPolicy
  /** Id of the release this deploy creates. */
  release: string
  /** Time of the deploy: the release time and the retention clock. */
  now: Date
  commit?: string
  /** Store text gzip-encoded and/or with brotli siblings. @default none */
  precompress?: PrecompressOptions
  /**
   * What an unfinished deploy's journal says is at these keys now (rel → entry;
   * `sha256: UNKNOWN_SHA256` when its bytes are not known). Diffing uses it over
   * the ledger, so what is already up is skipped; keys with unknown bytes that
   * this build does not replace are left out of the next ledger (unowned, so
   * never deleted). @default {}
   */
  journal?: Readonly<Record<string, LedgerEntry>>
  /** `storage.statePrefix` relative to the prefix, when it lies inside it (`_state/`); `.cdn-deploy/` is always refused. */
  stateDir?: string
  /**
   * The `include`/`exclude` globs the scan applied. An owned key they leave out is
   * kept as it is (owned, its object untouched, never deleted for it). @default every file
   */
  filter?: FileFilterOptions
  /** Files of the build the scan left out (rel), for the plan to show. @default [] */
  excluded?: readonly string[]
}

/** A path under the deploy's own state folder: never uploaded, never deleted. */
const isStateRel = (rel: string, stateDir: string | undefined) => rel.startsWith(STATE_DIR) || (!!stateDir && rel.startsWith(stateDir))

/**
 * Entry documents besides HTML: URLs that clients fetch by a fixed name and that
 * point at other files, so they go up last, once what they reference is live. A
 * service worker precaches asset URLs; a web manifest names icons; Vite's and our
 * manifest in `.vite/` (when deployed) are read by servers to render tags.
 */
const ENTRY_DOCUMENT = /(^|\/)(sw|service-worker|serviceworker|firebase-messaging-sw)\.m?js$|\.webmanifest$|^\.vite\/[^/]+\.json$/i

export function phaseFor(rel: string, immutable: boolean): Phase {
  if (isHtml(rel) || ENTRY_DOCUMENT.test(rel)) return 3
  return immutable ? 1 : 2
}

export function createPlan(local: readonly LocalFile[], ledger: Ledger | undefined, options: PlanOptions): DeployPlan {
  const prefix = normalizePrefix(options.prefix)
  checkInputs(local, ledger, options, prefix)
  // Own keys only: a file may be called `constructor` or `__proto__`.
  const oldFiles = new Map(Object.entries(ledger?.files ?? {}))
  const journal = new Map(Object.entries(options.journal ?? {}))
  const lastRelease = ledger?.releases.at(-1)?.id ?? ''
  // What is at each key now: the journal's upload where there was one, else the ledger's.
  for (const [rel, entry] of journal) oldFiles.set(rel, { ...entry, release: oldFiles.get(rel)?.release ?? lastRelease })
  const history = ledger?.releases ?? []
  const release = uniqueReleaseId(options.release, history)
  const cacheControlFor = compileCacheRules(options.cacheControl)

  const uploads: PlannedUpload[] = []
  const skips: string[] = []
  const deletes: string[] = []
  const retained: string[] = []
  const keptExcluded: string[] = []
  const ships = compileFilter(options.filter)
  const invalidate = new Set<string>(ledger?.pendingInvalidations ?? [])
  const files = new Map<string, LedgerEntry>()
  let bytes = 0

  const precompress = options.precompress ?? NO_PRECOMPRESS
  const localRels = new Set(local.map((f) => f.rel))
  // Brotli siblings (`x.js.br`) are planned like files of their own, built from their source.
  const variants: Array<{ file: LocalFile; rel: string; encoding?: 'gzip' | 'br' }> = []
  for (const file of local) {
    variants.push({ file, rel: file.rel, encoding: encodingFor(file.contentType, file.size, precompress) })
    const sibling = brotliSiblingFor(file.rel, file.contentType, file.size, precompress, localRels)
    if (sibling) variants.push({ file, rel: sibling, encoding: 'br' })
  }

  for (const { file, rel, encoding } of variants.sort((a, b) => compare(a.rel, b.rel))) {
    if (rel === file.rel) bytes += file.size
    const cacheControl = cacheControlFor(file.rel, file.immutable)
    const old = oldFiles.get(rel)
    const reason = uploadReason(file, cacheControl, encoding, old)
    const entry: LedgerEntry = { sha256: file.sha256, size: file.size, contentType: file.contentType, cacheControl, immutable: file.immutable, release }
    if (encoding) entry.contentEncoding = encoding
    files.set(rel, entry)
    if (!reason) {
      skips.push(rel)
      // Journalled bytes of a mutable URL replaced what the CDN may still serve: purge it.
      if (!file.immutable && journalReplaced(ledger?.files[rel], journal.get(rel))) invalidate.add(rel)
      continue
    }
    const { path, size, sha256, contentType, immutable } = file
    const upload: PlannedUpload = { rel, key: keyFor(rel, prefix), path, size, sha256, contentType, cacheControl, immutable, phase: phaseFor(file.rel, immutable), reason }
    if (encoding) upload.contentEncoding = encoding
    uploads.push(upload)
    // A new hashed name was never requested, so no cache holds it. Every other
    // upload replaces something a cache may hold:
    // - a new mutable URL may sit in the CDN as a cached 404 (CloudFront caches
    //   errors for 10 s by default, longer if configured), and on a first deploy
    //   the ledger cannot say what the CDN served before: purge to be sure;
    // - changed bytes under a known URL: the usual case for mutable files, and
    //   for an "immutable" one it means its name was not a content hash after all,
    //   so the cached copy (kept for a year) must go;
    // - same bytes with new headers: the cached copy keeps the old Cache-Control
    //   and Content-Type until its TTL, a year for an immutable file.
    if (reason !== 'new' || !immutable) invalidate.add(rel)
  }

  for (const [rel, entry] of [...oldFiles].sort(([a], [b]) => compare(a, b))) {
    if (files.has(rel)) continue
    // Never delete (or carry) the tool's own state, even if a ledger lists it;
    // nor keys whose bytes are unknown (unowned: never deleted, the safe side).
    if (isStateRel(rel, options.stateDir) || entry.sha256 === UNKNOWN_SHA256) continue
    // Left out by include/exclude: neither replaced nor deleted, kept owned as if still
    // in the build (its retention clock restarts), so an exclude change never prunes.
    if (filteredOut(ships, rel, entry.contentEncoding)) {
      keptExcluded.push(rel)
      files.set(rel, { ...entry, release })
      continue
    }
    if (retentionFor(entry, history, options.retain, options.now).expired) {
      deletes.push(keyFor(rel, prefix))
      // A removed mutable URL would keep being served from the CDN cache; a
      // removed hashed URL is only ever requested by old pages, which it serves.
      if (!entry.immutable) invalidate.add(rel)
    } else {
      retained.push(rel)
      files.set(rel, { ...entry }) // keeps its old `release`: the retention clock
    }
  }

  const newRelease: Release = { id: release, time: options.now.toISOString(), files: local.length, bytes }
  if (options.commit !== undefined) newRelease.commit = options.commit
  const releases = trimReleases(
    [...history.map(copyRelease), newRelease],
    retained.map((rel) => files.get(rel)!.release),
  )
  const invalidations = [...invalidate].sort(compare)
  const next: Ledger = { version: 1, releases, files: sortedRecord(files) }
  // Write-ahead: the ledger commit (step 4) comes before the purge (step 5), so
  // the paths to purge are recorded with it. A crash or failed purge then leaves
  // them for the next deploy; the executor clears them (and records the provider's
  // invalidation ids on the release) with one more ledger PUT once the purge is done.
  if (invalidations.length > 0) next.pendingInvalidations = invalidations

  uploads.sort((a, b) => a.phase - b.phase || compare(a.rel, b.rel))
  const uploadBytes = uploads.reduce((sum, upload) => sum + upload.size, 0)
  // What the plan knows; the lock and the reads under it vary by store ("+ lock/bookkeeping").
  const requests =
    uploads.reduce((sum, upload) => sum + uploadRequests(upload.size), 0) +
    Math.ceil(deletes.length / DELETE_BATCH_SIZE) +
    1 + // the commit (ledger PUT)
    (invalidations.length > 0 ? 1 : 0) // ledger PUT clearing pendingInvalidations

  return {
    release,
    prefix,
    uploads,
    skips,
    deletes,
    retained,
    excluded: { files: [...(options.excluded ?? [])], kept: keptExcluded },
    invalidate: invalidations,
    ledger: next,
    stats: { uploadCount: uploads.length, uploadBytes, skipCount: skips.length, deleteCount: deletes.length, requests },
  }
}

/** The journal's upload changed the bytes or headers the ledger says the CDN may have cached. */
function journalReplaced(committed: LedgerEntry | undefined, journalled: LedgerEntry | undefined): boolean {
  return !!committed && !!journalled && (committed.sha256 !== journalled.sha256 || committed.cacheControl !== journalled.cacheControl)
}

function uploadReason(file: LocalFile, cacheControl: string, encoding: string | undefined, old: LedgerEntry | undefined): PlannedUpload['reason'] | undefined {
  if (!old) return 'new'
  if (old.sha256 !== file.sha256 || old.size !== file.size) return 'changed'
  // Turning precompression on or off changes the stored bytes and their Content-Encoding.
  if (old.cacheControl !== cacheControl || old.contentType !== file.contentType || old.contentEncoding !== encoding) return 'headers'
  return undefined
}

/**
 * Release ids must be unique in the history: retention finds an entry's release
 * by id. Redeploying the same build (whose id comes from its manifest) is normal,
 * so a taken id gets a deterministic `-r2`, `-r3`… suffix rather than an error;
 * `plan.release` always says the id actually used.
 */
function uniqueReleaseId(wanted: string, history: readonly Release[]): string {
  const taken = new Set(history.map((release) => release.id))
  if (!taken.has(wanted)) return wanted
  for (let n = 2; ; n++) if (!taken.has(`${wanted}-r${n}`)) return `${wanted}-r${n}`
}

/** S3's limit on a key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024

function checkInputs(local: readonly LocalFile[], ledger: Ledger | undefined, options: PlanOptions, prefix: string): void {
  // A ledger from a newer tool may mean things this one cannot honour; deleting
  // by it could remove files still in use.
  if (ledger && ledger.version !== 1) throw new CdnDeployError('plan', `the bucket's ledger has version ${String(ledger.version)}, this tool understands 1 (upgrade vite-plugin-cdn-deploy)`)
  if (!options.release) throw new CdnDeployError('plan', 'a release id is required')
  if (Number.isNaN(options.now.getTime())) throw new CdnDeployError('plan', '`now` is not a valid date')
  const seen = new Set<string>()
  for (const { rel } of local) {
    if (!isSafeRelPath(rel)) throw new CdnDeployError('plan', `refusing ${JSON.stringify(rel)}: not a relative path inside the output directory`)
    if (isStateRel(rel, options.stateDir)) throw new CdnDeployError('plan', `refusing ${JSON.stringify(rel)}: ${rel.startsWith(STATE_DIR) ? STATE_DIR : options.stateDir} holds the deploy's own state (ledger, lock); rename it in the build`)
    if (Buffer.byteLength(prefix + rel) > MAX_KEY_BYTES) throw new CdnDeployError('plan', `refusing ${JSON.stringify(rel)}: its key is longer than S3's ${MAX_KEY_BYTES} bytes`)
    if (seen.has(rel)) throw new CdnDeployError('plan', `${JSON.stringify(rel)} is listed twice`)
    seen.add(rel)
  }
}

function copyRelease(release: Release): Release {
  return release.invalidations ? { ...release, invalidations: [...release.invalidations] } : { ...release }
}

/** Keys in code-unit order, for a stable ledger; fromEntries makes `__proto__` an own key. */
function sortedRecord<T>(map: ReadonlyMap<string, T>): Record<string, T> {
  return Object.fromEntries([...map].sort(([a], [b]) => compare(a, b)))
}

/** Code-unit order: locale-independent, so the plan is the same on every machine. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

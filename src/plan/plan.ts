/**
 * createPlan, pure: the scan's files + the bucket's ledger (+ what an unfinished
 * deploy's journal says is already up) + the config in, the whole deploy out as
 * a value (uploads by phase, skips, deletes, invalidations, the next ledger). No
 * I/O and no clock: `now` and the release id are inputs, so `plan`, `--dry-run`,
 * the plugin and the tests all see the same object for the same input, and
 * nothing changes it after it is returned.
 */
import { isHtml } from './content-type.js'
import { keyFor, normalizePrefix } from './paths.js'
import { checkInputs, isStateRel, uniqueReleaseId } from './inputs.js'
import { retentionFor, trimReleases, type RetainPolicy } from './retention.js'
import { brotliSiblingFor, encodingFor, NO_PRECOMPRESS, type PrecompressOptions } from './compress.js'
import { ageRecords, planBlobs, recordKey } from './blobs.js'
import { compileCacheRules, type CacheRule } from './rules.js'
import { compileFilter, filteredOut, type FileFilterOptions } from './filter.js'
import { compileObjectHeaders, paramsKey, redirectObjects, type HeaderRuleEntry } from './headers.js'
import { pruneGuard } from './prune.js'
import { DELETE_BATCH_SIZE, uploadRequests } from '../storage/limits.js'
import {
  STATE_DIR,
  UNKNOWN_SHA256,
  type DeployPlan,
  type Ledger,
  type LedgerEntry,
  type LocalFile,
  type ObjectParams,
  type Phase,
  type PlannedUpload,
  type Release,
} from './types.js'

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
  /** Full key prefix of the deploy's own objects (blobs are pruned there). @default `<prefix>.cdn-deploy/` */
  statePrefix?: string
  /** The release this one puts back (`cdn-deploy rollback`). */
  rollbackOf?: string
  /**
   * The `include`/`exclude` globs the scan applied. An owned key they leave out is
   * kept as it is (owned, its object untouched, never deleted for it). @default every file
   */
  filter?: FileFilterOptions
  /** Files of the build the scan left out (rel), for the plan to show. @default [] */
  excluded?: readonly string[]
  /** `headers` rules (first match wins): Content-Type overrides and S3 parameters. @default [] */
  headers?: readonly HeaderRuleEntry[]
  /** `redirects` (key relative to the prefix → target): zero-byte objects planned with the build. @default {} */
  redirects?: Readonly<Record<string, string>>
  /** A deploy that would delete more stops before writing anything (./prune.ts). @default 256 */
  maxDeletes?: number
  /** Go on past `maxDeletes` and the shrink rule. @default false */
  force?: boolean
}

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
  const headersFor = compileObjectHeaders(options)
  // Redirects are objects of the build too; a rule's Content-Type replaces the one the name implies.
  const build = [...local, ...redirectObjects(options.redirects, local)].map((f) => {
    const contentType = headersFor(f.rel).contentType
    return contentType ? { ...f, contentType } : f
  })
  checkInputs(build, ledger, options, prefix)
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
  const pruneChecks = new Map<string, { sha256: string; etag?: string }>()
  const retained: string[] = []
  const keptExcluded: string[] = []
  const ships = compileFilter(options.filter)
  const invalidate = new Set<string>(ledger?.pendingInvalidations ?? [])
  const files = new Map<string, LedgerEntry>()
  let bytes = 0

  const precompress = options.precompress ?? NO_PRECOMPRESS
  const localRels = new Set(build.map((f) => f.rel))
  // Brotli siblings (`x.js.br`) are planned like files of their own, built from their source.
  const variants: Array<{ file: LocalFile; rel: string; encoding?: 'gzip' | 'br' }> = []
  for (const file of build) {
    variants.push({ file, rel: file.rel, encoding: file.contentEncoding ?? encodingFor(file.contentType, file.size, precompress) })
    const sibling = brotliSiblingFor(file.rel, file.contentType, file.size, precompress, localRels)
    if (sibling) variants.push({ file, rel: sibling, encoding: 'br' })
  }

  for (const { file, rel, encoding } of variants.sort((a, b) => compare(a.rel, b.rel))) {
    if (rel === file.rel) bytes += file.size
    const cacheControl = file.cacheControl ?? cacheControlFor(file.rel, file.immutable)
    // A rollback's file brings the parameters it had; a build's come from the `headers` rules.
    const params = file.params ?? headersFor(file.rel).params
    const old = oldFiles.get(rel)
    const reason = uploadReason(file, cacheControl, encoding, params, old)
    const entry: LedgerEntry = { sha256: file.sha256, size: file.size, contentType: file.contentType, cacheControl, immutable: file.immutable, release }
    if (encoding) entry.contentEncoding = encoding
    if (!reason && old?.etag) entry.etag = old.etag // adopted without sha256 metadata, and unchanged since
    if (params) entry.params = params
    files.set(rel, entry)
    if (!reason) {
      skips.push(rel)
      // Journalled bytes of a mutable URL replaced what the CDN may still serve: purge it.
      if (!file.immutable && journalReplaced(ledger?.files[rel], journal.get(rel))) invalidate.add(rel)
      continue
    }
    const { path, size, sha256, contentType, immutable } = file
    const upload: PlannedUpload = {
      rel,
      key: keyFor(rel, prefix),
      path,
      size,
      sha256,
      contentType,
      cacheControl,
      immutable,
      phase: phaseFor(file.rel, immutable),
      reason,
    }
    if (encoding) upload.contentEncoding = encoding
    if (file.copyFrom) upload.copyFrom = file.copyFrom
    if (params) upload.params = params
    uploads.push(upload)
    // A new hashed name was never requested, so no cache holds it. Every other
    // upload replaces something a cache may hold:
    // - a new mutable URL may sit in the CDN as a cached 404 (CloudFront caches
    //   errors for 10 s by default, longer if configured), and on a first deploy
    //   the ledger cannot say what the CDN served before: purge to be sure;
    // - changed bytes under a known URL: the usual case for mutable files, and
    //   for an "immutable" one it means its name was not a content hash after all,
    //   so the cached copy (kept for a year) must go;
    // - same bytes with new headers: the cached copy keeps the old Cache-Control,
    //   Content-Type or Content-Disposition until its TTL, a year for an immutable file.
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
      pruneChecks.set(keyFor(rel, prefix), { sha256: entry.sha256, ...(entry.etag ? { etag: entry.etag } : {}) })
      // A removed mutable URL would keep being served from the CDN cache; a
      // removed hashed URL is only ever requested by old pages, which it serves.
      if (!entry.immutable) invalidate.add(rel)
    } else {
      retained.push(rel)
      files.set(rel, { ...entry }) // keeps its old `release`: the retention clock
    }
  }

  uploads.sort((a, b) => a.phase - b.phase || compare(a.rel, b.rel))
  const kept = planBlobs(ledger, uploads, history, options.retain, options.now, prefix, options.statePrefix ?? `${prefix}${STATE_DIR}`)

  const newRelease: Release = { id: release, time: options.now.toISOString(), files: build.length, bytes, record: true }
  if (options.commit !== undefined) newRelease.commit = options.commit
  if (options.rollbackOf !== undefined) newRelease.rollbackOf = options.rollbackOf
  // A release's record goes with its last files: it can be rolled back to exactly as long as they are kept.
  const statePrefix = options.statePrefix ?? `${prefix}${STATE_DIR}`
  const { releases: aged, deletes: recordDeletes } = ageRecords(history.map(copyRelease), options.retain, options.now, statePrefix)
  const stateDeletes = [...kept.deletes, ...recordDeletes]
  const releases = trimReleases([...aged, newRelease], [...retained.map((rel) => files.get(rel)!.release), ...kept.blobs.values()])
  for (const r of aged) if (r.record && !releases.some((kept) => kept.id === r.id)) stateDeletes.push(recordKey(statePrefix, r.id))
  const invalidations = [...invalidate].sort(compare)
  const next: Ledger = { version: 1, releases, files: sortedRecord(files) }
  if (kept.blobs.size > 0) next.blobs = sortedRecord(kept.blobs)
  // Write-ahead: the ledger commit (step 4) comes before the purge (step 5), so
  // the paths to purge are recorded with it. A crash or failed purge then leaves
  // them for the next deploy; the executor clears them (and records the provider's
  // invalidation ids on the release) with one more ledger PUT once the purge is done.
  if (invalidations.length > 0) next.pendingInvalidations = invalidations

  const uploadBytes = uploads.reduce((sum, upload) => sum + upload.size, 0)
  // What the plan knows; the lock and the reads under it vary by store ("+ lock/bookkeeping").
  const requests =
    uploads.reduce((sum, upload) => sum + uploadRequests(upload.size), 0) +
    Math.ceil(deletes.length / DELETE_BATCH_SIZE) +
    Math.ceil(stateDeletes.length / DELETE_BATCH_SIZE) +
    1 + // the release record
    kept.keep.length + // blob copies
    (uploads.some((u) => u.phase > 1) ? 1 : 0) + // the ledger PUT recording the pending page changes
    1 + // the commit (ledger PUT)
    (invalidations.length > 0 ? 1 : 0) // ledger PUT clearing pendingInvalidations

  return {
    release,
    prefix,
    uploads,
    keep: kept.keep,
    stateDeletes: stateDeletes.sort(),
    record: {
      version: 1,
      release,
      files: Object.fromEntries([...files].filter(([, e]) => e.release === release).map(([rel, { release: _r, etag: _e, ...entry }]) => [rel, entry])),
    },
    pruneChecks: Object.fromEntries(pruneChecks),
    skips,
    deletes,
    retained,
    excluded: { files: [...(options.excluded ?? [])], kept: keptExcluded },
    prune: pruneGuard({
      deletes: deletes.length,
      max: options.maxDeletes,
      files: build.length + keptExcluded.length,
      previousFiles: history.at(-1)?.files ?? 0,
      force: options.force,
    }),
    invalidate: invalidations,
    ledger: next,
    stats: { uploadCount: uploads.length, uploadBytes, skipCount: skips.length, deleteCount: deletes.length, requests },
  }
}

/** The journal's upload changed the bytes or headers the ledger says the CDN may have cached. */
function journalReplaced(committed: LedgerEntry | undefined, journalled: LedgerEntry | undefined): boolean {
  if (!committed || !journalled) return false
  return (
    committed.sha256 !== journalled.sha256 || committed.cacheControl !== journalled.cacheControl || paramsKey(committed.params) !== paramsKey(journalled.params)
  )
}

function uploadReason(
  file: LocalFile,
  cacheControl: string,
  encoding: string | undefined,
  params: ObjectParams | undefined,
  old: LedgerEntry | undefined,
): PlannedUpload['reason'] | undefined {
  if (!old) return 'new'
  if (old.sha256 !== file.sha256 || old.size !== file.size) return 'changed'
  // Turning precompression on or off changes the stored bytes and their Content-Encoding.
  if (old.cacheControl !== cacheControl || old.contentType !== file.contentType || old.contentEncoding !== encoding) return 'headers'
  if (paramsKey(old.params) !== paramsKey(params)) return 'headers'
  return undefined
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

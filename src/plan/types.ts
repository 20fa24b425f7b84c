/**
 * The values the deploy pipeline passes around: what the scan found, what the
 * bucket's ledger says, and the plan that joins them. Plain data, so `plan`,
 * `--dry-run`, the plugin and the tests all read the same object.
 */
import type { PruneGuard } from './prune.js'

/** One file of the output directory, as the scan found it. */
export interface LocalFile {
  /** Path relative to the output directory, `/`-separated, exactly as on disk (not Unicode-normalized: NFC and NFD names are distinct keys). */
  rel: string
  /** Real path on disk (symlinks resolved by the scan); the upload opens it without following links. */
  path: string
  size: number
  /** Hex sha256 of the bytes. */
  sha256: string
  contentType: string
  /** Content-hashed name: never changes under its URL. */
  immutable: boolean
  /** Rollback: the headers to restore (else the config's rules decide). */
  cacheControl?: string
  contentEncoding?: 'gzip' | 'br'
  /** Rollback: the full key to copy the bytes from (a kept blob, or the key itself for a header change); no local file. */
  copyFrom?: string
  /** Rollback: the S3 parameters it had (`headers` rules, redirects). */
  params?: ObjectParams
}

/** One deploy that committed its ledger. */
export interface Release {
  id: string
  /** ISO time of the ledger commit. */
  time: string
  /** Git commit of the deployed tree, when known. */
  commit?: string
  files: number
  bytes: number
  /** Invalidation ids the provider returned for this release. */
  invalidations?: string[]
  /** Its file map is stored (`<statePrefix>releases/<id>.json`): it can be rolled back to. */
  record?: true
  /** This release put back an earlier one (`cdn-deploy rollback`). */
  rollbackOf?: string
}

/** `<statePrefix>releases/<id>.json`: what a release served, for a rollback to it. */
export interface ReleaseRecord {
  version: 1
  release: string
  /** Path relative to the prefix → the bytes and headers it had. */
  files: Record<string, Omit<LedgerEntry, 'release' | 'etag'>>
}

/**
 * An object's headers and S3 parameters beyond Content-Type, Cache-Control and
 * Content-Encoding, by their PutObject names (from `headers` rules and `redirects`).
 */
export interface ObjectParams {
  ContentDisposition?: string
  ContentLanguage?: string
  /** User metadata (`x-amz-meta-*`), besides the tool's own `sha256`. */
  Metadata?: Record<string, string>
  StorageClass?: string
  ServerSideEncryption?: string
  SSEKMSKeyId?: string
  WebsiteRedirectLocation?: string
}

/** A key the tool owns, as last uploaded. */
export interface LedgerEntry {
  sha256: string
  size: number
  contentType: string
  cacheControl: string
  contentEncoding?: string
  /** Set by `headers` rules or `redirects`; absent when none applied (ledgers written before them too). */
  params?: ObjectParams
  immutable: boolean
  /** Id of the last release that contained the file. */
  release: string
  /** ETag of an object adopted without `x-amz-meta-sha256` (written by another tool): how prune knows it is unchanged. */
  etag?: string
}

/**
 * `<prefix>.cdn-deploy/ledger.json`: the deploy state. Only keys listed here are
 * ever deleted; objects the tool did not write are never touched.
 */
export interface Ledger {
  version: 1
  /** Oldest first. */
  releases: Release[]
  /** Path relative to the prefix → entry. */
  files: Record<string, LedgerEntry>
  /** Mutable paths whose purge failed; the next deploy retries them. */
  pendingInvalidations?: string[]
  /**
   * The kept bytes of mutable file versions that a deploy replaced, stored once
   * under `<statePrefix>blobs/<name>`: name (`blobName`) → the last release
   * whose files had that version. A failed deploy restores from them; a rollback
   * brings an earlier release's pages back from them.
   */
  blobs?: Record<string, string>
  /**
   * Set (with one conditional PUT) by a deploy just before it changes its first
   * mutable file, cleared by its commit (or by its restore): while present, the
   * files listed may hold that deploy's new bytes, and the next deploy restores
   * them from `blobs` before anything else. `files` above is still the last
   * committed release's.
   */
  pending?: PendingChange
}

/** A deploy's intent to change mutable files, recorded in the ledger before it does. */
export interface PendingChange {
  /** The release that was being deployed. */
  release: string
  /** Paths (relative to the prefix) it may have changed. */
  rels: string[]
}

/** `<sha256>`, or `<sha256>.gz` / `.br` for a stored encoding: blobs are named by their bytes. */
export function blobName(entry: Pick<LedgerEntry, 'sha256' | 'contentEncoding'>): string {
  return entry.contentEncoding ? `${entry.sha256}.${entry.contentEncoding === 'gzip' ? 'gz' : entry.contentEncoding}` : entry.sha256
}

/** The default state folder under the prefix (`storage.statePrefix` moves it); build files may not use this name. */
export const STATE_DIR = '.cdn-deploy/'

/** `sha256` of a key whose bytes are unknown (a distrusted journal's): any build differs from it, so it is uploaded again. */
export const UNKNOWN_SHA256 = ''

export function emptyLedger(): Ledger {
  return { version: 1, releases: [], files: {} }
}

/**
 * Upload order: 1 immutable files, 2 other mutable non-HTML files, 3 HTML and
 * other entry documents. Nothing references a file before it is live.
 */
export type Phase = 1 | 2 | 3

export interface PlannedUpload {
  rel: string
  /** Full bucket key (prefix + rel). */
  key: string
  path: string
  size: number
  sha256: string
  contentType: string
  cacheControl: string
  immutable: boolean
  phase: Phase
  /** Why it goes up: new key, new bytes, or same bytes with new headers. */
  reason: 'new' | 'changed' | 'headers'
  /**
   * Stored compressed (precompress): the bytes at `path` are encoded this way on
   * the way up. `sha256` and `size` stay those of the original bytes.
   */
  contentEncoding?: 'gzip' | 'br'
  /** A rollback's upload: a server-side copy of this full key, not a file. */
  copyFrom?: string
  /** Headers and S3 parameters from `headers` rules and `redirects`. */
  params?: ObjectParams
}

/** A kept copy of a page version to store before the deploy overwrites it. */
export interface PlannedBlob {
  name: string
  /** Full key of the blob. */
  key: string
  /** Full key of the live object holding that version now. */
  from: string
  sha256: string
  size: number
}

export interface DeployPlan {
  release: string
  prefix: string
  uploads: PlannedUpload[]
  /** Blobs to store before the first mutable write (`blobs.ts`). */
  keep: PlannedBlob[]
  /** Unchanged files (rel). */
  skips: string[]
  /** Owned keys past retention, to delete after the commit (full keys). */
  deletes: string[]
  /** What each of `deletes` must still hold to be deleted: its sha256 (metadata), or the ETag it was adopted with. */
  pruneChecks: Record<string, { sha256: string; etag?: string }>
  /** The deploy's own objects past retention (kept page bytes), deleted with them (full keys). */
  stateDeletes: string[]
  /** Files absent from this build but kept for open tabs (rel). */
  retained: string[]
  /**
   * `include`/`exclude`: `files`, the build's files left out (never read, never
   * uploaded); `kept`, owned keys the globs leave out, kept as they are (rel).
   */
  excluded: { files: string[]; kept: string[] }
  /** The delete guard: `maxDeletes` and the shrink rule; `stop` says why this deploy may not go on. */
  prune: PruneGuard
  /** Changed or removed mutable files (rel): the invalidation candidates. */
  invalidate: string[]
  /** The ledger to commit once the uploads succeed. */
  ledger: Ledger
  /** The release's file map, written (`releases/<id>.json`) before the commit. */
  record: ReleaseRecord
  stats: {
    uploadCount: number
    uploadBytes: number
    skipCount: number
    deleteCount: number
    /** S3 requests the plan itself makes (uploads and their parts, delete batches, the ledger commits), before the lock and bookkeeping. */
    requests: number
  }
}

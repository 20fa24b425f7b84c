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
  /** Absolute path on disk (read as a stream at upload time). */
  path: string
  size: number
  /** Hex sha256 of the bytes. */
  sha256: string
  contentType: string
  /** Content-hashed name: never changes under its URL. */
  immutable: boolean
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
  /** Headers and S3 parameters from `headers` rules and `redirects`. */
  params?: ObjectParams
}

export interface DeployPlan {
  release: string
  prefix: string
  uploads: PlannedUpload[]
  /** Unchanged files (rel). */
  skips: string[]
  /** Owned keys past retention, to delete after the commit (full keys). */
  deletes: string[]
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
  stats: {
    uploadCount: number
    uploadBytes: number
    skipCount: number
    deleteCount: number
    /** S3 requests the plan itself makes (uploads and their parts, delete batches, the ledger commits), before the lock and bookkeeping. */
    requests: number
  }
}

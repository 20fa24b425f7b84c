/**
 * The options that say what a deploy ships and how each object is stored:
 * which files (`include`, `exclude`, `sourcemaps`), their headers and S3
 * parameters (`headers`), redirect objects (`redirects`), and how much a deploy
 * may prune (`maxDeletes`). Part of `CdnOptions` (./types.ts).
 */

/** S3 storage classes an object can be served from right away (no restore). */
export type ServableStorageClass = 'STANDARD' | 'STANDARD_IA' | 'ONEZONE_IA' | 'INTELLIGENT_TIERING' | 'GLACIER_IR' | 'REDUCED_REDUNDANCY'

/**
 * Headers and S3 parameters for the objects a `headers` glob matches. HTTP
 * headers keep their HTTP names, S3 parameters their PutObject names.
 * Cache-Control is not here: `cacheControl` sets it (one table, which the
 * build's manifest reads too).
 */
export interface HeaderRule {
  /** `inline` or `attachment`, with parameters: `attachment; filename="report.pdf"` (non-ASCII names as `filename*=UTF-8''…`). */
  'Content-Disposition'?: string
  /** Language tags: `de-DE`, or `en, fr`. */
  'Content-Language'?: string
  /** Replaces the type the file name implies, e.g. `text/plain; charset=utf-8`. */
  'Content-Type'?: string
  /** User metadata, stored as `x-amz-meta-<name>`: lower-case names (`sha256` is the tool's), one-line ASCII values, 2 KB in all. */
  metadata?: Record<string, string>
  /** Classes that serve at once; GLACIER and DEEP_ARCHIVE objects need a restore first, so they are refused. */
  StorageClass?: ServableStorageClass
  /** `AES256` (SSE-S3), `aws:kms` or `aws:kms:dsse` (SSE-KMS; add `SSEKMSKeyId` for a key other than the AWS managed one). */
  ServerSideEncryption?: 'AES256' | 'aws:kms' | 'aws:kms:dsse'
  /** KMS key id, key ARN, alias (`alias/site`) or alias ARN; needs `ServerSideEncryption: 'aws:kms'` (or `'aws:kms:dsse'`). */
  SSEKMSKeyId?: string
  /** `/path` on the same website or an absolute `https://` URL: an S3 website endpoint answers 301 to it. */
  WebsiteRedirectLocation?: string
}

export interface DeployFileOptions {
  /**
   * Deploy only the files matching one of these globs (picomatch, against the
   * path relative to the output directory). Dot files are explicit: a glob
   * reaches `.well-known/…` or `.DS_Store` only when it writes the dot
   * (`['**', '.well-known/**']`).
   * @default undefined (every file, dot files too)
   */
  include?: string[]
  /**
   * Leave out the files matching one of these globs (same matching as
   * `include`): they are neither read nor uploaded, and a key an earlier release
   * uploaded stays as it is (never deleted because of an exclude).
   * @default []
   */
  exclude?: string[]
  /**
   * Source maps (`*.map`): `'publish'` deploys them with the build; `'skip'`
   * leaves them out, as `exclude: ['**\/*.map']` would. To give them to an
   * error tracker without publishing them, deploy them apart (docs/files-and-headers.md).
   * @default 'publish'
   */
  sourcemaps?: 'publish' | 'skip'
  /**
   * Headers and S3 parameters by glob (matched like `cacheControl`, dot files
   * included): the first glob that matches a file gives all of its headers
   * (rules are not merged). A change re-uploads and purges exactly the objects
   * it touches. Example: `{ '**\/*.pdf': { 'Content-Disposition': 'attachment' } }`.
   * @default {}
   */
  headers?: Record<string, HeaderRule>
  /**
   * Redirects, as zero-byte objects with `WebsiteRedirectLocation` (answered
   * with a 301 by an S3 website endpoint): source path (relative to the prefix;
   * a trailing `/` means its `index.html`) → target (`/path` from the site's
   * root, or an absolute URL), e.g. `{ '/old': '/app/new' }`.
   * @default {}
   */
  redirects?: Record<string, string>
  /**
   * A deploy whose prune (files past retention) would delete more objects than
   * this stops before writing anything; `cdn-deploy deploy --force` (API:
   * `force: true`) lets it through. `0`: every prune needs `--force`. A nearly
   * empty build (under 10% of the previous release's files, when that had 20 or
   * more) stops the same way, whatever this says.
   * @default 256
   */
  maxDeletes?: number
}

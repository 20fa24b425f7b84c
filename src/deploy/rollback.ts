/**
 * `rollback`: serve an earlier release again, as a new release that says which
 * one it restored (`rollbackOf`). Its file map (`releases/<id>.json`) is the
 * "build": every hashed file it references must still be in the bucket with
 * the same bytes (retention keeps them exactly as long as the record), and each
 * mutable file comes back by server-side copy from its kept blob. It runs as a
 * deploy does — under the lock, blobs of the versions being replaced kept, the
 * intent recorded, pages fenced and put back on failure, then the commit and an
 * exact purge of the restored URLs — and deletes nothing.
 */
import { releaseId } from '../emit/hash.js'
import { CdnDeployError } from '../errors.js'
import { blobKey, recordKey } from '../plan/blobs.js'
import { NO_PRECOMPRESS } from '../plan/compress.js'
import { keyFor } from '../plan/paths.js'
import { blobName, type Ledger, type LocalFile, type ReleaseRecord } from '../plan/types.js'
import { createStorage, type Storage } from '../storage/index.js'
import { dryRun, invalidatorFor, providerName, resolveFor } from './index.js'
import { underLock } from './locked.js'
import type { DeployInternals, DeployOptions, DeployOutcome } from './options.js'
import { preflight } from './preflight.js'
import { silentReporter } from './progress.js'
import type { Run } from './run.js'

export interface RollbackOptions extends Pick<
  DeployOptions,
  'config' | 'root' | 'configFile' | 'mode' | 'options' | 'reporter' | 'reportFile' | 'lockTtlMs' | 'signal'
> {
  /** The release to serve again. @default the release before the live one */
  release?: string
  /** Plan only: read the bucket, write nothing. @default false */
  dryRun?: boolean
}

/** Nothing is deleted by a rollback: every file it leaves out stays for its own retention later. */
const KEEP_ALL = Object.freeze({ releases: Number.MAX_SAFE_INTEGER, days: 0 })

const isRecord = (v: unknown): v is ReleaseRecord =>
  typeof v === 'object' &&
  v !== null &&
  (v as ReleaseRecord).version === 1 &&
  typeof (v as ReleaseRecord).files === 'object' &&
  (v as ReleaseRecord).files !== null

/** Which release to put back: the one asked for, or the one before the live one. */
function target(ledger: Ledger, wanted: string | undefined): string {
  const live = ledger.releases.at(-1)
  const id = wanted ?? ledger.releases.at(-2)?.id
  if (!id) throw new CdnDeployError('deploy', 'no earlier release to roll back to')
  const release = ledger.releases.find((r) => r.id === id)
  if (!release) throw new CdnDeployError('deploy', `no release ${id} in the ledger (\`cdn-deploy releases\` lists them)`)
  if (release.id === live?.id) throw new CdnDeployError('deploy', `release ${id} is the live one already`)
  if (!release.record)
    throw new CdnDeployError(
      'deploy',
      `release ${id} cannot be rolled back to: its file map is not kept (deployed before rollback existed, or pruned by retention)`,
    )
  return id
}

/**
 * The record's files as the "build": hashed files must be in the bucket as
 * they were; mutable ones come from their blob (or, same bytes, from the key
 * itself, when only the headers change back). Anything else is gone: refuse.
 */
function filesOf(record: ReleaseRecord, ledger: Ledger, storage: Storage, id: string): LocalFile[] {
  const missing: string[] = []
  const files: LocalFile[] = []
  for (const [rel, entry] of Object.entries(record.files)) {
    const live = ledger.files[rel]
    const sameBytes = !!live && live.sha256 === entry.sha256 && live.contentEncoding === entry.contentEncoding
    const name = blobName(entry)
    const copyFrom = sameBytes ? keyFor(rel, storage.prefix) : !entry.immutable && ledger.blobs?.[name] ? blobKey(storage.statePrefix, name) : undefined
    if (!copyFrom) missing.push(rel)
    else
      files.push({
        rel,
        path: '',
        size: entry.size,
        sha256: entry.sha256,
        contentType: entry.contentType,
        immutable: entry.immutable,
        cacheControl: entry.cacheControl,
        ...(entry.contentEncoding ? { contentEncoding: entry.contentEncoding as 'gzip' | 'br' } : {}),
        ...(entry.params ? { params: entry.params } : {}),
        copyFrom,
      })
  }
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? ` and ${missing.length - 5} more` : '')
    throw new CdnDeployError(
      'deploy',
      `release ${id} cannot be rolled back to: ${missing.length} of its files are no longer kept (${shown}); retention pruned them`,
    )
  }
  return files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))
}

export async function rollbackWith(options: RollbackOptions, internals: DeployInternals = {}): Promise<DeployOutcome> {
  const started = Date.now()
  const env = internals.env ?? process.env
  const now = internals.now ?? (() => new Date())
  const config = await resolveFor({ dir: '', ...options }, env)
  const bucket = config.storage.bucket
  if (!bucket) throw new CdnDeployError('config', 'storage.bucket: required to roll back (set it, or CDN_BUCKET)')
  const storage = createStorage({ ...internals.storage, ...config.storage, bucket, prefix: config.prefix, concurrency: config.concurrency })
  try {
    const read = await storage.readLedgerVersion()
    if (!read) throw new CdnDeployError('deploy', `no releases in s3://${bucket}/${config.prefix}: nothing to roll back`)
    const id = target(read.ledger, options.release)
    const record = await storage.readJson(recordKey(storage.statePrefix, id))
    if (!isRecord(record))
      throw new CdnDeployError('deploy', `release ${id} cannot be rolled back to: its file map ${recordKey(storage.statePrefix, id)} is missing or unreadable`)
    const local = filesOf(record, read.ledger, storage, id)
    const run: Run = {
      options: { dir: '', ...options },
      config,
      storage,
      local,
      excluded: [],
      release: releaseId(
        now(),
        local.map((f) => [f.rel, f.sha256]),
      ),
      commit: read.ledger.releases.find((r) => r.id === id)?.commit,
      now,
      env,
      reporter: options.reporter ?? silentReporter,
      context: { bucket, publicBase: config.publicBase, dryRun: !!options.dryRun, provider: providerName(config), started },
      // (A deploy that commits between this read and the lock could prune a source: that copy then fails, and the pages are put back.)
      // The release's own files and headers exactly (its record has them, redirects included): none of today's filter, rules or redirects; no delete guard (nothing is deleted).
      planOverrides: { precompress: NO_PRECOMPRESS, retain: KEEP_ALL, rollbackOf: id, filter: {}, headers: [], redirects: {}, force: true },
    }
    if (options.dryRun) return { report: await dryRun(run, read.ledger) }
    const invalidator = internals.invalidator ?? (await invalidatorFor(config, options.signal))
    await preflight({ ...(options.reportFile ? { reportFile: options.reportFile } : {}), ...(invalidator ? { invalidator } : {}) })
    return await underLock(run, read, invalidator)
  } finally {
    storage.destroy()
  }
}

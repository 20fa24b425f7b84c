/**
 * When the bucket has no ledger yet (first deploy onto an existing bucket, or a
 * ledger lost by hand), build one from a listing: adopt the objects that already
 * hold exactly the bytes and headers this build wants, so they are not uploaded
 * again. Everything else under the prefix stays unowned, and so is never deleted.
 * `repair` cross-checks an existing ledger against the listing the same way.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { compileCacheRules, type CacheRule } from '../plan/rules.js'
import { STATE_DIR, emptyLedger, type Ledger, type LocalFile } from '../plan/types.js'
import type { ListedObject, Storage } from '../storage/index.js'
import type { Limit } from '../flow.js'
import { runPool } from '../pool.js'

async function md5Of(path: string): Promise<string> {
  const hash = createHash('md5')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** A single-part upload's ETag is the hex MD5 of its bytes; a multipart one has a `-N` suffix. */
const singlePartMd5 = (etag: string | undefined): string | undefined => {
  const clean = etag?.replace(/"/g, '')
  return clean && /^[0-9a-f]{32}$/i.test(clean) ? clean.toLowerCase() : undefined
}

export interface BootstrapResult {
  ledger: Ledger
  /** Objects listed under the prefix (the tool's own excluded). */
  listed: number
  /** Objects adopted into the ledger: same bytes and headers as the build. */
  adopted: number
  /** Ledger entries dropped because the object is gone or differs (repair). */
  dropped: number
}

export interface BootstrapOptions {
  prefix: string
  cacheControl: readonly CacheRule[]
  /** HEADs in flight (the storage's flow in a deploy). */
  concurrency: number | Limit
  /** The ledger to repair; without it a new one is built. */
  ledger?: Ledger
}

export async function bootstrapLedger(storage: Storage, local: readonly LocalFile[], options: BootstrapOptions): Promise<BootstrapResult> {
  const listing = new Map<string, ListedObject>()
  for await (const object of storage.list()) {
    // The tool's own objects are never adopted, wherever the state prefix is.
    if (object.key.startsWith(storage.statePrefix)) continue
    const rel = object.key.slice(options.prefix.length)
    if (!rel.startsWith(STATE_DIR)) listing.set(rel, object)
  }
  const ledger: Ledger = options.ledger ? structuredClone(options.ledger) : emptyLedger()
  let dropped = 0
  // Repair: an owned key that vanished or changed size is no longer what the ledger says.
  for (const [rel, entry] of Object.entries(ledger.files)) {
    const object = listing.get(rel)
    if (!object || object.size !== entry.size) {
      delete ledger.files[rel]
      dropped++
    }
  }
  const cacheControlFor = compileCacheRules(options.cacheControl)
  const release = ledger.releases.at(-1)?.id ?? ''
  const candidates = local.filter((file) => listing.get(file.rel)?.size === file.size && (options.ledger ? true : !ledger.files[file.rel]))
  let adopted = 0
  await runPool(candidates, options.concurrency, async (file) => {
    const object = listing.get(file.rel)!
    const head = await storage.head(object.key)
    if (!head) return
    const etagMd5 = singlePartMd5(object.etag)
    const sameBytes = head.sha256 ? head.sha256 === file.sha256 : etagMd5 !== undefined && etagMd5 === (await md5Of(file.path))
    const cacheControl = cacheControlFor(file.rel, file.immutable)
    if (!sameBytes) {
      if (ledger.files[file.rel]) {
        delete ledger.files[file.rel]
        dropped++
      }
      return
    }
    if (ledger.files[file.rel]) return
    // Adopt with the headers the object really has: a mismatch then plans a header-only re-upload.
    ledger.files[file.rel] = {
      sha256: file.sha256,
      size: file.size,
      contentType: head.contentType ?? '',
      cacheControl: head.cacheControl ?? '',
      immutable: file.immutable,
      release,
      // Adopted by its MD5 ETag (another tool wrote it): prune checks it by that ETag.
      ...(!head.sha256 && head.etag ? { etag: head.etag } : {}),
    }
    if (head.contentType === file.contentType && head.cacheControl === cacheControl) adopted++
  })
  return { ledger, listed: listing.size, adopted, dropped }
}

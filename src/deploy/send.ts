/**
 * One planned upload as the executor runs it (execute.ts): a server-side copy
 * (a rollback), a body encoded on the way (precompress), or the file, and the
 * journal entry it leaves.
 */
import type { LedgerEntry, Phase, PlannedUpload } from '../plan/types.js'
import type { Fence, ObjectHead, Storage } from '../storage/index.js'
import { encodeBody } from './compress.js'
import { foreignLine } from './prune.js'

export const entryOf = (u: PlannedUpload, release: string): LedgerEntry => ({
  sha256: u.sha256,
  size: u.size,
  contentType: u.contentType,
  cacheControl: u.cacheControl,
  ...(u.contentEncoding ? { contentEncoding: u.contentEncoding } : {}),
  ...(u.params ? { params: u.params } : {}),
  immutable: u.immutable,
  release,
})

/** One planned upload: a server-side copy (rollback), an encoded body, or the file. */
/** `fence`: the lock fence, for what visitors see (phases 2–3 and every copy). */
export async function sendUpload(storage: Storage, upload: PlannedUpload, phase: Phase, fence: Fence | undefined, warn: (line: string) => void): Promise<void> {
  const opts = {
    ...(phase > 1 && fence ? { fence } : {}),
    ...(upload.reason === 'new' ? { foreign: (head: ObjectHead) => warn(foreignLine(storage, head)) } : {}),
  }
  if (upload.copyFrom) {
    // A rollback: the bytes are in the bucket already (a kept blob, or the key itself for new headers).
    // With the parameters the release had (its record's): a REPLACE copy would drop them.
    const headers = {
      contentType: upload.contentType,
      cacheControl: upload.cacheControl,
      sha256: upload.sha256,
      ...(upload.contentEncoding ? { contentEncoding: upload.contentEncoding } : {}),
      ...(upload.params ? { params: upload.params } : {}),
    }
    await storage.copyObject(upload.copyFrom, upload.key, headers, { size: upload.size, ...(fence ? { fence } : {}) })
  } else if (upload.contentEncoding) {
    const body = await encodeBody(upload, await storage.readLocal(upload))
    await storage.putBuffer(upload, body, { ...opts, contentEncoding: upload.contentEncoding })
  } else {
    await storage.putFile(upload, opts)
  }
}

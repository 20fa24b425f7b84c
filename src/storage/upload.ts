/**
 * Uploads, where the bytes sent are the bytes the scan hashed. A file is opened
 * once, without following a symlink (`O_NOFOLLOW`) at the real path the scan
 * recorded, and read into memory: below the multipart threshold whole, then
 * hashed and compared with the scan's sha256 before anything is sent (and sent
 * with that checksum, `x-amz-checksum-sha256`, which S3 verifies); above it, part
 * by part in order, hashed as read, and the upload is completed only if the
 * whole matches. A file changed since the scan fails the deploy, naming it.
 */
import { createHash } from 'node:crypto'
import { closeSync, constants, openSync, readSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { CdnDeployError } from '../errors.js'
import type { PlannedUpload } from '../plan/types.js'
import type { StorageContext } from './client.js'
import { errorCode, httpStatus, isPreconditionFailed } from './errors.js'
import { headObject } from './objects.js'
import { sameParams, uploadParams } from './params.js'
import { putHeaders, sendPut } from './put.js'
import { changedOnDisk, putMultipart, type PutFileOptions, type PutFileResult } from './multipart.js'
import type { ObjectHeaders } from './params.js'

export type { PutFileOptions, PutFileResult } from './multipart.js'
export type { ObjectHeaders } from './params.js'

export function objectHeaders(ctx: StorageContext, upload: PlannedUpload, opts: PutFileOptions): ObjectHeaders {
  const headers: ObjectHeaders = {
    ContentType: upload.contentType,
    CacheControl: upload.cacheControl,
    // x-amz-meta-sha256: lets `verify`/repair/prune compare bytes without downloading
    // (ETags of multipart objects are not MD5s). Plus what `headers` rules and
    // `redirects` set: Content-Disposition, storage class, SSE-KMS, user metadata…
    ...uploadParams(upload.params, upload.sha256),
  }
  if (opts.contentEncoding) headers.ContentEncoding = opts.contentEncoding
  if (ctx.acl) headers.ACL = ctx.acl
  return headers
}

/** Opened read-only, and never through a symlink: the scan recorded the real path. */
export const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0)

/**
 * Files up to this size are read synchronously: a cached small file (a build
 * just wrote it) reads in tens of microseconds, where the thread pool costs
 * ~0.7 ms of main thread per file (the bench's profile). Nearly every file of a
 * web build is this small.
 */
const SYNC_MAX = 1024 * 1024

const cannotRead = (ctx: StorageContext, upload: PlannedUpload, cause: unknown) => {
  const link = (cause as NodeJS.ErrnoException)?.code === 'ELOOP' ? ' (it became a symlink since the scan; links are not followed)' : ''
  return new CdnDeployError('deploy', `cannot read ${upload.rel} for upload to s3://${ctx.bucket}/${upload.key}${link}`, { cause })
}

/** The file's bytes, read once, checked against the scan's size and sha256. */
export async function readLocal(ctx: StorageContext, upload: PlannedUpload): Promise<Buffer> {
  return (await readChecked(ctx, upload)).body
}

/** `readLocal`, and the sha256 the check computed: the upload's payload hash and checksum, not computed again. */
async function readChecked(ctx: StorageContext, upload: PlannedUpload): Promise<{ body: Buffer; digest: Buffer }> {
  // A redirect object (`redirects`) has no file: zero bytes.
  if (upload.path === '' && upload.size === 0) return { body: Buffer.alloc(0), digest: sha256(Buffer.alloc(0)) }
  let body: Buffer
  try {
    body = upload.size <= SYNC_MAX ? readSync1(upload.path, upload.size) : await readAsync(upload.path, upload.size)
  } catch (err) {
    throw cannotRead(ctx, upload, err)
  }
  if (body.length !== upload.size) throw changedOnDisk(upload, `${upload.size} → ${body.length} bytes`)
  const digest = sha256(body)
  if (digest.toString('hex') !== upload.sha256) throw changedOnDisk(upload, 'same size, other bytes')
  return { body, digest }
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest()

/** Read a whole file; one byte more than expected is asked for, so a file that grew is seen. */
function readSync1(path: string, expected: number): Buffer {
  const fd = openSync(path, OPEN_FLAGS)
  try {
    const buffer = Buffer.allocUnsafe(expected + 1)
    let size = 0
    for (let n; size < buffer.length && (n = readSync(fd, buffer, size, buffer.length - size, null)) > 0;) size += n
    return buffer.subarray(0, size)
  } finally {
    closeSync(fd)
  }
}

async function readAsync(path: string, expected: number): Promise<Buffer> {
  const handle = await open(path, OPEN_FLAGS)
  try {
    const buffer = Buffer.allocUnsafe(expected + 1)
    let size = 0
    for (let n; size < buffer.length && (n = (await handle.read(buffer, size, buffer.length - size, null)).bytesRead) > 0;) size += n
    return buffer.subarray(0, size)
  } finally {
    await handle.close()
  }
}

/** A store that refuses `x-amz-checksum-sha256` (400/501 naming it) gets the upload without it. */
const checksumRefused = (err: unknown) =>
  errorCode(err) === 'NotImplemented' || httpStatus(err) === 501 || (httpStatus(err) === 400 && /checksum/i.test(String((err as Error)?.message)))

/** One PutObject of `body` under the upload's key and headers, with its sha256 as the checksum S3 verifies. */
export async function putBuffer(
  ctx: StorageContext,
  upload: PlannedUpload,
  body: Buffer,
  opts: PutFileOptions = {},
  digest: Buffer = sha256(body),
): Promise<PutFileResult> {
  const checksum = digest.toString('base64')
  const payloadHash = digest.toString('hex')
  const headers = objectHeaders(ctx, upload, opts)
  const send = async (withChecksum: boolean, createOnly: boolean) => {
    const target = await ctx.putTarget()
    const put = {
      key: upload.key,
      body,
      payloadHash,
      headers: putHeaders(headers, { ...(withChecksum ? { checksumSha256: checksum } : {}), ...(createOnly ? { ifNoneMatch: '*' } : {}) }),
    }
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html (x-amz-checksum-sha256:
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html)
    return ctx.send((signal) => sendPut(ctx.client, target, put, signal), { bytes: body.length, ...(opts.fence ? { fence: opts.fence } : {}) })
  }
  const put = (createOnly: boolean) =>
    send(ctx.checksums.sha256, createOnly).catch((err: unknown) => {
      if (!ctx.checksums.sha256 || !checksumRefused(err)) throw err
      ctx.checksums.sha256 = false
      return send(false, createOnly)
    })
  try {
    if (opts.foreign) {
      // A key the ledger does not own: create it only if absent; else look at what is there first.
      const created = await put(true).catch((err: unknown) => {
        if (isPreconditionFailed(err) || errorCode(err) === 'ConditionalRequestConflict') return undefined
        throw err
      })
      if (created) return { key: upload.key, etag: created.ETag, parts: 0 }
      if (await alreadyThere(ctx, upload, opts)) return { key: upload.key, etag: undefined, parts: 0, adopted: true }
    }
    const out = await put(false)
    return { key: upload.key, etag: out.ETag, parts: 0 }
  } catch (err) {
    throw ctx.fail(err, 'PutObject', upload.key)
  }
}

/**
 * A key the ledger does not own already holds an object: the same bytes,
 * headers and parameters (our own upload whose answer was lost, or an earlier
 * run's) are taken as is; anything else is reported (`opts.foreign`) before it
 * is overwritten.
 */
async function alreadyThere(ctx: StorageContext, upload: PlannedUpload, opts: PutFileOptions): Promise<boolean> {
  const head = await headObject(ctx, upload.key)
  if (!head) return false
  const same =
    head.sha256 === upload.sha256 &&
    head.contentType === upload.contentType &&
    head.cacheControl === upload.cacheControl &&
    head.contentEncoding === opts.contentEncoding &&
    // And what `headers` rules and `redirects` give it: else the ledger would record parameters the object lacks.
    sameParams(upload.params, head)
  if (!same) opts.foreign?.(head)
  return same
}

/** Upload a file from disk: one checked buffer below the multipart threshold, checked parts above. */
export async function putFile(ctx: StorageContext, upload: PlannedUpload, opts: PutFileOptions = {}): Promise<PutFileResult> {
  if (upload.size < ctx.settings.multipartThreshold) {
    const { body, digest } = await readChecked(ctx, upload)
    return putBuffer(ctx, upload, body, opts, digest)
  }
  if (opts.foreign && (await alreadyThere(ctx, upload, opts))) return { key: upload.key, etag: undefined, parts: 0, adopted: true }
  let handle
  try {
    handle = await open(upload.path, OPEN_FLAGS)
  } catch (err) {
    throw cannotRead(ctx, upload, err)
  }
  try {
    return await putMultipart(ctx, upload, handle, objectHeaders(ctx, upload, opts), opts.fence)
  } finally {
    await handle.close()
  }
}

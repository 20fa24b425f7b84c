/**
 * Object operations: streamed uploads, HEAD, paginated listing, batched deletes,
 * and small text objects (ledger, lock). Keys are full bucket keys (prefix included).
 */
import { createReadStream, readFileSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3'
import { CdnDeployError } from '../errors.js'
import type { PlannedUpload } from '../plan/types.js'
import type { Fence, StorageContext } from './client.js'
import { errorCode, httpStatus, isNotFound } from './errors.js'
import { putMultipart } from './multipart.js'
import { uploadParams, type UploadParams } from './params.js'

export interface PutFileOptions {
  /** The lock fence, for writes that change what visitors get (phases 2 and 3). */
  fence?: Fence
  /** `Content-Encoding` of the bytes on disk (precompressed variants: `br`, `gzip`). */
  contentEncoding?: string
}

export interface PutFileResult {
  key: string
  etag: string | undefined
  /** Parts uploaded (0 for a single PutObject). */
  parts: number
}

/** Headers every object gets; the same for single and multipart uploads. */
export type ObjectHeaders = Pick<PutObjectCommandInput, 'ContentType' | 'CacheControl' | 'ContentEncoding' | 'Metadata' | 'ACL'> & UploadParams

function objectHeaders(ctx: StorageContext, upload: PlannedUpload, opts: PutFileOptions): ObjectHeaders {
  const headers: ObjectHeaders = {
    ContentType: upload.contentType,
    CacheControl: upload.cacheControl,
    // Metadata x-amz-meta-sha256 lets `verify`/repair compare bytes without downloading
    // (ETags of multipart objects are not MD5s). Plus what `headers` rules and
    // `redirects` set: Content-Disposition, storage class, SSE-KMS, user metadata…
    ...uploadParams(upload.params, upload.sha256),
  }
  if (opts.contentEncoding) headers.ContentEncoding = opts.contentEncoding
  if (ctx.acl) headers.ACL = ctx.acl
  return headers
}

/**
 * Files up to this size are read whole, synchronously, and sent as a buffer, and
 * the SDK can retry a buffer itself. A synchronous read of a small cached file
 * (a build just wrote it) takes tens of microseconds; the same read through the
 * thread pool (open, fstat, read, close: four round trips) cost ~0.7 ms of main
 * thread per file in the bench's profile, and a stream more. Nearly every file of
 * a web build is this small; `concurrency` of them in memory is a few MiB.
 */
const BUFFERED_MAX = 1024 * 1024

/** Upload a file from disk: one PutObject (buffered or streamed) below the multipart threshold, parts above. */
export async function putFile(ctx: StorageContext, upload: PlannedUpload, opts: PutFileOptions = {}): Promise<PutFileResult> {
  const headers = objectHeaders(ctx, upload, opts)
  if (upload.size <= BUFFERED_MAX) {
    let body: Buffer
    try {
      body = upload.path === '' ? Buffer.alloc(0) : readFileSync(upload.path) // '': a redirect object, nothing on disk
    } catch (err) {
      throw new CdnDeployError('s3', `cannot read ${upload.path} for upload to s3://${ctx.bucket}/${upload.key}`, { cause: err })
    }
    if (body.length !== upload.size) throw changedOnDisk(upload, body.length)
    try {
      // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
      const input = { Bucket: ctx.bucket, Key: upload.key, Body: body, ContentLength: body.length, ...headers }
      const out = await ctx.send((abortSignal) => ctx.client.send(new PutObjectCommand(input), { abortSignal }), { bytes: body.length, ...fenced(opts) })
      return { key: upload.key, etag: out.ETag, parts: 0 }
    } catch (err) {
      throw ctx.fail(err, 'PutObject', upload.key)
    }
  }
  const size = await stat(upload.path).then(
    (s) => s.size,
    (err: unknown) => {
      throw new CdnDeployError('s3', `cannot read ${upload.path} for upload to s3://${ctx.bucket}/${upload.key}`, { cause: err })
    },
  )
  if (size !== upload.size) throw changedOnDisk(upload, size)
  if (size >= ctx.settings.multipartThreshold) return putMultipart(ctx, upload.key, upload.path, size, headers, opts.fence)

  try {
    const out = await ctx.send(
      async (abortSignal) => {
        // A fresh stream per attempt: a consumed stream cannot be sent again.
        const body = createReadStream(upload.path)
        try {
          // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
          return await ctx.client.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: upload.key, Body: body, ContentLength: size, ...headers }), { abortSignal })
        } finally {
          body.destroy()
        }
      },
      { bytes: size, ...fenced(opts) },
    )
    return { key: upload.key, etag: out.ETag, parts: 0 }
  } catch (err) {
    throw ctx.fail(err, 'PutObject', upload.key)
  }
}

const fenced = (opts: PutFileOptions): { fence?: Fence } => (opts.fence ? { fence: opts.fence } : {})

const changedOnDisk = (upload: PlannedUpload, size: number) =>
  new CdnDeployError('s3', `${upload.rel} changed on disk since it was scanned (${upload.size} → ${size} bytes); build and deploy again`)

export interface ObjectHead {
  key: string
  size: number
  etag: string | undefined
  contentType: string | undefined
  cacheControl: string | undefined
  contentEncoding: string | undefined
  /** `x-amz-meta-sha256`, when the object was written by this tool. */
  sha256: string | undefined
  lastModified: Date | undefined
  /** All user metadata (lower-case names, without `x-amz-meta-`). */
  metadata: Record<string, string>
}

/** HEAD of one object; undefined when it does not exist. */
export async function headObject(ctx: StorageContext, key: string): Promise<ObjectHead | undefined> {
  try {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
    const out = await ctx.send((abortSignal) => ctx.client.send(new HeadObjectCommand({ Bucket: ctx.bucket, Key: key }), { abortSignal }))
    const metadata = out.Metadata ?? {}
    return {
      key,
      size: out.ContentLength ?? 0,
      etag: out.ETag,
      contentType: out.ContentType,
      cacheControl: out.CacheControl,
      contentEncoding: out.ContentEncoding,
      sha256: metadata.sha256,
      lastModified: out.LastModified,
      metadata,
    }
  } catch (err) {
    if (isNotFound(err)) return undefined
    throw ctx.fail(err, 'HeadObject', key)
  }
}

export interface ListedObject {
  /** Full bucket key. */
  key: string
  size: number
  etag: string | undefined
  lastModified: Date | undefined
}

/** Every object under the prefix (the tool's own `.cdn-deploy/` keys included), page by page. */
export async function* listObjects(ctx: StorageContext): AsyncGenerator<ListedObject> {
  let token: string | undefined
  do {
    let page
    try {
      // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
      const input = { Bucket: ctx.bucket, Prefix: ctx.prefix || undefined, MaxKeys: ctx.settings.listPageSize, ContinuationToken: token }
      page = await ctx.send((abortSignal) => ctx.client.send(new ListObjectsV2Command(input), { abortSignal }), { bytes: 256 * ctx.settings.listPageSize })
    } catch (err) {
      throw ctx.fail(err, 'ListObjectsV2', ctx.prefix || undefined)
    }
    for (const o of page.Contents ?? []) {
      if (o.Key === undefined) continue
      yield { key: o.Key, size: o.Size ?? 0, etag: o.ETag, lastModified: o.LastModified }
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined
  } while (token)
}

export interface DeleteResult {
  deleted: string[]
  /** Keys S3 refused to delete, with its reason; the rest of the batch went through. */
  errors: Array<{ key: string; code: string; message: string }>
}

/** Delete keys in batches of up to 1,000 (one DeleteObjects call each). */
export async function deleteKeys(ctx: StorageContext, keys: readonly string[]): Promise<DeleteResult> {
  const result: DeleteResult = { deleted: [], errors: [] }
  const size = ctx.settings.deleteBatchSize
  for (let i = 0; i < keys.length; i += size) {
    const batch = keys.slice(i, i + size)
    let out
    try {
      // Quiet mode: the response lists only the keys that failed.
      // https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
      const input = { Bucket: ctx.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }
      out = await ctx.send((abortSignal) => ctx.client.send(new DeleteObjectsCommand(input), { abortSignal }))
    } catch (err) {
      throw ctx.fail(err, 'DeleteObjects', batch.length === 1 ? batch[0] : `${batch[0]} (+${batch.length - 1} more)`)
    }
    const failed = new Set<string>()
    for (const e of out.Errors ?? []) {
      if (e.Key === undefined) continue
      failed.add(e.Key)
      result.errors.push({ key: e.Key, code: e.Code ?? 'Unknown', message: e.Message ?? '' })
    }
    for (const key of batch) if (!failed.has(key)) result.deleted.push(key)
  }
  return result
}

export interface TextObject {
  body: string
  etag: string | undefined
  lastModified: Date | undefined
}

/**
 * GET of one of the tool's own small objects (ledger, lock, journal), the body
 * read inside the attempt, so a connection cut mid-body is retried like any
 * other. With `ifNoneMatch`, a 304 answers `'not-modified'`. Errors are the SDK's.
 */
export async function fetchText(ctx: StorageContext, key: string, ifNoneMatch?: string): Promise<TextObject | 'not-modified' | undefined> {
  try {
    return await ctx.send(
      async (abortSignal) => {
        // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (If-None-Match → 304 Not Modified)
        const out = await ctx.client.send(new GetObjectCommand({ Bucket: ctx.bucket, Key: key, ...(ifNoneMatch ? { IfNoneMatch: ifNoneMatch } : {}) }), { abortSignal })
        const body = (await out.Body?.transformToString('utf8')) ?? ''
        return { body, etag: out.ETag, lastModified: out.LastModified }
      },
      { bytes: 16 * 1024 * 1024 },
    )
  } catch (err) {
    if (ifNoneMatch && (httpStatus(err) === 304 || errorCode(err) === 'NotModified')) return 'not-modified'
    if (isNotFound(err)) return undefined
    throw err
  }
}

/** A small object's body and ETag; undefined when missing. */
export async function getText(ctx: StorageContext, key: string): Promise<TextObject | undefined> {
  try {
    return (await fetchText(ctx, key)) as TextObject | undefined
  } catch (err) {
    throw ctx.fail(err, 'GetObject', key)
  }
}

/**
 * Object operations besides uploads (upload.ts): HEAD, server-side copies,
 * paginated listing, batched deletes, and small text objects (ledger, lock).
 * Keys are full bucket keys (prefix included).
 */
import type { CopyObjectCommandInput } from '@aws-sdk/client-s3'
import type { ObjectParams } from '../plan/types.js'
import { internalAcl, type Fence, type StorageContext } from './client.js'
import { errorCode, httpStatus, isNotFound } from './errors.js'
import { uploadParams } from './params.js'
import { CopyObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from './sdk.js'

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
  /** What `headers` rules and `redirects` set, as the store reports it (absent: not set). */
  params: HeadParams
}

/** The S3 parameters a HEAD reports; `StorageClass` is absent for STANDARD. */
export type HeadParams = Omit<ObjectParams, 'Metadata'>

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
      params: Object.fromEntries(
        Object.entries({
          ContentDisposition: out.ContentDisposition,
          ContentLanguage: out.ContentLanguage,
          StorageClass: out.StorageClass,
          ServerSideEncryption: out.ServerSideEncryption,
          SSEKMSKeyId: out.SSEKMSKeyId,
          WebsiteRedirectLocation: out.WebsiteRedirectLocation,
        }).filter(([, v]) => v !== undefined && v !== ''),
      ),
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
export async function deleteKeys(ctx: StorageContext, keys: readonly string[], fence?: Fence): Promise<DeleteResult> {
  const result: DeleteResult = { deleted: [], errors: [] }
  const size = ctx.settings.deleteBatchSize
  for (let i = 0; i < keys.length; i += size) {
    const batch = keys.slice(i, i + size)
    let out
    try {
      // Quiet mode: the response lists only the keys that failed.
      // https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
      const input = { Bucket: ctx.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }
      out = await ctx.send((abortSignal) => ctx.client.send(new DeleteObjectsCommand(input), { abortSignal }), fence ? { fence } : {})
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
 * other. With `ifNoneMatch`, a 304 answers `'not-modified'`. `maxBytes` sizes
 * the deadline (a ledger may be megabytes; a lock is a few hundred bytes, and its
 * GET must fail well within the lock's lifetime). Errors are the SDK's.
 */
export async function fetchText(
  ctx: StorageContext,
  key: string,
  ifNoneMatch?: string,
  maxBytes = 16 * 1024 * 1024,
): Promise<TextObject | 'not-modified' | undefined> {
  try {
    return await ctx.send(
      async (abortSignal) => {
        // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (If-None-Match → 304 Not Modified)
        const out = await ctx.client.send(new GetObjectCommand({ Bucket: ctx.bucket, Key: key, ...(ifNoneMatch ? { IfNoneMatch: ifNoneMatch } : {}) }), {
          abortSignal,
        })
        const body = (await out.Body?.transformToString('utf8')) ?? ''
        return { body, etag: out.ETag, lastModified: out.LastModified }
      },
      { bytes: maxBytes },
    )
  } catch (err) {
    if (ifNoneMatch && (httpStatus(err) === 304 || errorCode(err) === 'NotModified')) return 'not-modified'
    // S3 says NoSuchKey; a 404 without it comes from something else at that URL (a website, a proxy):
    // taking it for "no ledger yet" would treat a wrong endpoint as an empty bucket.
    if (errorCode(err) === 'NoSuchKey') return undefined
    throw err
  }
}

/** A small object's body and ETag; undefined when missing. */
export async function getText(ctx: StorageContext, key: string, maxBytes?: number): Promise<TextObject | undefined> {
  try {
    return (await fetchText(ctx, key, undefined, maxBytes)) as TextObject | undefined
  } catch (err) {
    throw ctx.fail(err, 'GetObject', key)
  }
}

/** Headers a copy writes (`MetadataDirective: REPLACE`), or none to keep the source's (`COPY`). */
export interface CopyHeaders {
  contentType: string
  cacheControl: string
  contentEncoding?: string
  sha256: string
  /**
   * What `headers` rules and `redirects` set (Content-Disposition, metadata,
   * storage class, SSE, WebsiteRedirectLocation): a REPLACE copy keeps none of
   * the source's, so they are written again, as an upload writes them.
   */
  params?: ObjectParams
}

export interface CopyOptions {
  /** Copy only if the source still has this ETag (the version checked before). */
  ifSourceMatch?: string
  /** Bytes of the object (sizes the deadline of the server-side copy). @default 0 */
  size?: number
  fence?: Fence
  /** The tool's own object (a blob): never public, whatever `storage.acl` says. */
  internal?: boolean
}

/** The key in `x-amz-copy-source`: bucket and key, URL-encoded (slashes kept). */
const copySource = (bucket: string, key: string) => `${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`

/** Server-side copy of `from` to `to` (one CopyObject: the bytes never leave the store). */
export async function copyObject(ctx: StorageContext, from: string, to: string, headers: CopyHeaders | undefined, opts: CopyOptions = {}): Promise<void> {
  const input: CopyObjectCommandInput = {
    Bucket: ctx.bucket,
    Key: to,
    CopySource: copySource(ctx.bucket, from),
    ...(opts.ifSourceMatch ? { CopySourceIfMatch: opts.ifSourceMatch } : {}),
    ...(opts.internal ? internalAcl(ctx) : ctx.acl ? { ACL: ctx.acl } : {}),
  }
  if (headers) {
    Object.assign(input, {
      MetadataDirective: 'REPLACE',
      ContentType: headers.contentType,
      CacheControl: headers.cacheControl,
      // Metadata: the user's (from `headers` rules) and the tool's sha256.
      ...uploadParams(headers.params, headers.sha256),
      ...(headers.contentEncoding ? { ContentEncoding: headers.contentEncoding } : {}),
    })
  }
  try {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
    await ctx.send((abortSignal) => ctx.client.send(new CopyObjectCommand(input), { abortSignal }), {
      bytes: opts.size ?? 0,
      ...(opts.fence ? { fence: opts.fence } : {}),
    })
  } catch (err) {
    throw ctx.fail(err, 'CopyObject', to)
  }
}

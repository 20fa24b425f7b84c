/**
 * Multipart upload of one big file: each part is its own byte range of the file,
 * read as a stream (never the whole file in memory), a few parts in flight, each
 * retried with a fresh stream. On failure the upload is aborted so no invisible
 * parts stay billed.
 */
import { createReadStream } from 'node:fs'
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { CdnDeployError } from '../errors.js'
import { MAX_PARTS, type StorageContext } from './client.js'
import type { ObjectHeaders, PutFileResult } from './objects.js'
import { withRetries } from './retry.js'

/** Part size for a file: the configured size, raised so the file fits in 10,000 parts. */
export function partSizeFor(size: number, configured: number): number {
  return Math.max(configured, Math.ceil(size / MAX_PARTS))
}

export async function putMultipart(
  ctx: StorageContext,
  key: string,
  path: string,
  size: number,
  headers: ObjectHeaders,
): Promise<PutFileResult> {
  const { client, bucket, settings } = ctx
  const partSize = partSizeFor(size, settings.partSize)
  const count = Math.max(1, Math.ceil(size / partSize))

  let uploadId: string | undefined
  try {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html
    const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...headers }))
    uploadId = created.UploadId
  } catch (err) {
    throw ctx.fail(err, 'CreateMultipartUpload', key)
  }
  if (!uploadId) throw new CdnDeployError('s3', `CreateMultipartUpload s3://${bucket}/${key} returned no UploadId`)
  const id = uploadId

  const uploadPart = async (index: number): Promise<string> => {
    const start = index * partSize
    const length = Math.min(partSize, size - start)
    try {
      const out = await withRetries(
        async () => {
          const body = createReadStream(path, { start, end: start + length - 1 })
          try {
            // https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html
            return await client.send(
              new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: id, PartNumber: index + 1, Body: body, ContentLength: length }),
            )
          } finally {
            body.destroy()
          }
        },
        { maxAttempts: settings.maxAttempts, baseDelayMs: settings.retryBaseDelayMs },
      )
      if (!out.ETag) throw new CdnDeployError('s3', `UploadPart ${index + 1} of s3://${bucket}/${key} returned no ETag`)
      return out.ETag
    } catch (err) {
      throw ctx.fail(err, 'UploadPart', key)
    }
  }

  try {
    const etags: string[] = new Array<string>(count)
    let next = 0
    let failed = false
    const worker = async (): Promise<void> => {
      // Stop taking new parts once one has failed; the upload is aborted anyway.
      while (!failed && next < count) {
        const index = next++
        try {
          etags[index] = await uploadPart(index)
        } catch (err) {
          failed = true
          throw err
        }
      }
    }
    const workers = Array.from({ length: Math.min(settings.partConcurrency, count) }, worker)
    const results = await Promise.allSettled(workers)
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (rejected) throw rejected.reason

    let done
    try {
      // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html
      done = await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: id,
          MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
        }),
      )
    } catch (err) {
      throw ctx.fail(err, 'CompleteMultipartUpload', key)
    }
    return { key, etag: done.ETag, parts: count }
  } catch (err) {
    try {
      // Best effort: a bucket lifecycle rule (AbortIncompleteMultipartUpload) catches what this misses.
      // https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortMultipartUpload.html
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id }))
    } catch {
      // The original error matters more than a failed abort.
    }
    throw err
  }
}

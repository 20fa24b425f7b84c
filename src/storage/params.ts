/**
 * An upload's headers and S3 parameters from `headers` rules and `redirects`
 * (src/plan/headers.ts), as PutObject / CreateMultipartUpload fields. User
 * metadata goes with the tool's own `sha256`, which always wins.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html#API_PutObject_RequestSyntax
 */
import type { PutObjectCommandInput } from '@aws-sdk/client-s3'
import type { ObjectParams } from '../plan/types.js'

export type UploadParams = Pick<
  PutObjectCommandInput,
  'ContentDisposition' | 'ContentLanguage' | 'StorageClass' | 'ServerSideEncryption' | 'SSEKMSKeyId' | 'WebsiteRedirectLocation'
>

/** Headers every object gets; the same for single and multipart uploads. */
export type ObjectHeaders = Pick<PutObjectCommandInput, 'ContentType' | 'CacheControl' | 'ContentEncoding' | 'Metadata' | 'ACL'> & UploadParams

/** The fields to spread into the request, and the metadata, with the tool's `sha256` over any of the user's. */
export function uploadParams(params: ObjectParams | undefined, sha256: string): UploadParams & { Metadata: Record<string, string> } {
  const { Metadata, StorageClass, ServerSideEncryption, ...rest } = params ?? {}
  return {
    ...rest,
    // Both validated by the config schema against S3's own lists.
    ...(StorageClass ? { StorageClass: StorageClass as UploadParams['StorageClass'] } : {}),
    ...(ServerSideEncryption ? { ServerSideEncryption: ServerSideEncryption as UploadParams['ServerSideEncryption'] } : {}),
    Metadata: { ...Metadata, sha256 },
  }
}

/**
 * An object already at a key holds the parameters these would give it: the
 * headers, redirect and user metadata exactly (the tool's `sha256` aside), the
 * storage class (none is STANDARD), and the encryption where the rule sets one
 * (a store may encrypt every object by default). A KMS key named by alias cannot
 * be matched to the key ARN a HEAD reports: not the same, so it is uploaded again.
 */
export function sameParams(wanted: ObjectParams | undefined, head: { params: Omit<ObjectParams, 'Metadata'>; metadata: Record<string, string> }): boolean {
  const w = wanted ?? {}
  const h = head.params
  if (w.ContentDisposition !== h.ContentDisposition || w.ContentLanguage !== h.ContentLanguage || w.WebsiteRedirectLocation !== h.WebsiteRedirectLocation)
    return false
  if ((w.StorageClass ?? 'STANDARD') !== (h.StorageClass ?? 'STANDARD')) return false
  if (w.ServerSideEncryption !== undefined && w.ServerSideEncryption !== h.ServerSideEncryption) return false
  if (w.SSEKMSKeyId !== undefined && w.SSEKMSKeyId !== h.SSEKMSKeyId && !h.SSEKMSKeyId?.endsWith(`:key/${w.SSEKMSKeyId}`)) return false
  const { sha256: _own, ...metadata } = head.metadata
  const want = w.Metadata ?? {}
  return Object.keys(metadata).length === Object.keys(want).length && Object.entries(want).every(([k, v]) => metadata[k] === v)
}

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

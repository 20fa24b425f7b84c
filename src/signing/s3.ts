/**
 * S3 presigned GET URLs for private objects, through the SDK's presigner (SigV4
 * query authentication, so any S3-compatible store that speaks SigV4 accepts them).
 * The presigner is an optional peer dependency, imported on the first call.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/ShareObjectPreSignedURL.html
 */
import { GetObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'
import { CdnDeployError } from '../errors.js'
import { importPeer } from '../peer.js'

const PRESIGNER = { name: '@aws-sdk/s3-request-presigner', range: '^3.1164.0', import: () => import('@aws-sdk/s3-request-presigner') }

/** SigV4 presigned URLs live at most 7 days. */
export const MAX_PRESIGN_SECONDS = 604_800

export interface PresignS3Options {
  bucket: string
  key: string
  /** Seconds the URL stays valid (1 – 604800). */
  expiresIn: number
  /** @default the SDK's region chain (AWS_REGION, profile) */
  region?: string
  /** An S3-compatible endpoint (MinIO, R2, a local server). */
  endpoint?: string
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key`. */
  forcePathStyle?: boolean
  /** @default the AWS default credential chain */
  credentials?: S3ClientConfig['credentials']
  /** Sets `Content-Disposition` on the response (e.g. `attachment; filename="report.pdf"`). */
  responseContentDisposition?: string
  /** Sets `Content-Type` on the response. */
  responseContentType?: string
  /** Reuse a client instead of creating one (its region/endpoint/credentials apply). */
  client?: S3Client
}

export async function presignS3Url(options: PresignS3Options): Promise<string> {
  const { bucket, key, expiresIn } = options
  if (!bucket || !key) throw new CdnDeployError('s3', 'presignS3Url: bucket and key are required')
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_PRESIGN_SECONDS) {
    throw new CdnDeployError('s3', `presignS3Url: expiresIn must be whole seconds from 1 to ${MAX_PRESIGN_SECONDS} (7 days), got ${String(expiresIn)}`)
  }
  // A server needs it at run time: `npm i`, not `-D`.
  const { getSignedUrl } = await importPeer('s3', 'presignS3Url', PRESIGNER, false)
  const client =
    options.client ??
    new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      credentials: options.credentials,
      // Otherwise the SDK signs `x-amz-checksum-mode` into the URL, and a plain GET
      // (a browser following a link) does not send that header and is refused.
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestChecksumCalculation: 'WHEN_REQUIRED',
    })
  try {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
    const command = new GetObjectCommand({
      Bucket: bucket,
      Key: key,
      ResponseContentDisposition: options.responseContentDisposition,
      ResponseContentType: options.responseContentType,
    })
    return await getSignedUrl(client, command, { expiresIn })
  } catch (cause) {
    throw new CdnDeployError('s3', `presignS3Url: cannot presign s3://${bucket}/${key}: ${(cause as Error).message}`, { cause })
  } finally {
    if (!options.client) client.destroy()
  }
}

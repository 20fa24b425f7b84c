/**
 * The AWS SDK's S3 client and the @smithy/core pieces the storage layer uses,
 * loaded with `require()`. Imported from ESM, a CommonJS module is first read
 * through for its export names (Node's cjs-module-lexer): 25–45 ms of every
 * start for client-s3 alone (issue 15.4, measured on Node 20 and 22); `require()`
 * skips that scan. Both resolve to the same CommonJS build (client-s3's `main`,
 * @smithy/core's `node` condition), so classes stay the same ones callers import.
 */
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

export const {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3')

export const { getEndpointFromInstructions } = require('@smithy/core/endpoints') as typeof import('@smithy/core/endpoints')

export const { isClockSkewCorrectedError, isRetryableByTrait, isServerError, isThrottlingError, isTransientError } =
  require('@smithy/core/retry') as typeof import('@smithy/core/retry')

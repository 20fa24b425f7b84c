/**
 * The S3 client and the options of the storage layer. One client per deploy:
 * keep-alive sockets sized for the upload concurrency, checksums only where S3
 * requires them (S3-compatible stores reject the SDK's newer defaults), and the
 * SDK's own endpoint/region chain left alone when nothing is configured.
 */
import { Agent as HttpAgent } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'
import type { StorageOptions } from '../config/types.js'
import { MULTIPART_PART_SIZE, MULTIPART_THRESHOLD } from '../plan/plan.js'
import type { CdnDeployError } from '../errors.js'

export const MiB = 1024 * 1024

/** What `createStorage` needs: the resolved storage config plus the prefix and concurrency. */
export interface StorageFactoryOptions {
  bucket: string
  /** @default the SDK chain (`AWS_REGION`, profile), else `us-east-1` */
  region?: string
  /** @default the SDK's (`AWS_ENDPOINT_URL_S3`, else AWS S3) */
  endpoint?: string
  forcePathStyle: boolean
  accelerate: boolean
  acl?: StorageOptions['acl']
  /** Key prefix, `''` or ending in `/`. */
  prefix: string
  /** Parallel uploads the caller runs; sizes the socket pool. */
  concurrency: number
  /** Files at least this big go up in parts. @default 16 MiB */
  multipartThreshold?: number
  /** Part size (raised automatically to stay under 10,000 parts). @default 8 MiB */
  partSize?: number
  /** Parts of one file in flight. @default 4 */
  partConcurrency?: number
  /** MaxKeys per ListObjectsV2 page (S3 caps it at 1,000). @default 1000 */
  listPageSize?: number
  /** Keys per DeleteObjects call (S3 caps it at 1,000). @default 1000 */
  deleteBatchSize?: number
  /** Attempts per request, for 503 SlowDown, 5xx and dropped connections. @default 8 */
  maxAttempts?: number
  /** First retry delay of the streamed uploads' own retry loop (doubles, jittered). @default 200 */
  retryBaseDelayMs?: number
}

export type StorageSettings = Required<
  Pick<StorageFactoryOptions, 'multipartThreshold' | 'partSize' | 'partConcurrency' | 'listPageSize' | 'deleteBatchSize' | 'maxAttempts' | 'retryBaseDelayMs'>
>

export const STORAGE_DEFAULTS = Object.freeze({
  multipartThreshold: MULTIPART_THRESHOLD,
  partSize: MULTIPART_PART_SIZE,
  partConcurrency: 4,
  listPageSize: 1000,
  deleteBatchSize: 1000,
  maxAttempts: 8,
  retryBaseDelayMs: 200,
} satisfies StorageSettings)

/** S3's multipart limits: parts of 5 MiB..5 GiB (the last may be smaller), at most 10,000. */
export const MIN_PART_SIZE = 5 * MiB
export const MAX_PARTS = 10_000

export function resolveSettings(options: StorageFactoryOptions): StorageSettings {
  const pick = <K extends keyof StorageSettings>(k: K): number => {
    const v = options[k]
    return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : STORAGE_DEFAULTS[k]
  }
  return {
    multipartThreshold: pick('multipartThreshold'),
    partSize: Math.max(MIN_PART_SIZE, pick('partSize')),
    partConcurrency: Math.max(1, Math.floor(pick('partConcurrency'))),
    listPageSize: Math.min(1000, Math.floor(pick('listPageSize'))),
    deleteBatchSize: Math.min(1000, Math.floor(pick('deleteBatchSize'))),
    maxAttempts: Math.max(1, Math.floor(pick('maxAttempts'))),
    retryBaseDelayMs: pick('retryBaseDelayMs'),
  }
}

/**
 * The SDK warns on the console when a streamed body fails, because it cannot
 * retry it; our upload loop retries with a fresh stream, so that warning is noise.
 * Everything else the SDK logs (request traces, per-request errors) stays quiet:
 * failures reach the caller as thrown, mapped errors.
 */
const sdkLogger: NonNullable<S3ClientConfig['logger']> = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (...args: unknown[]) => {
    if (!String(args[0]).includes('non-retryable streaming')) console.warn(...args)
  },
  error: () => {},
}

/** The region the SDK chain would pick, else us-east-1 (S3's default region). */
async function regionFromChain(): Promise<string> {
  const probe = new S3Client({})
  try {
    return await probe.config.region()
  } catch {
    return 'us-east-1'
  } finally {
    probe.destroy()
  }
}

export function createS3Client(options: StorageFactoryOptions, settings: StorageSettings): S3Client {
  const maxSockets = Math.max(50, options.concurrency * 2, options.concurrency + settings.partConcurrency)
  const config: S3ClientConfig = {
    region: options.region ?? regionFromChain,
    forcePathStyle: options.forcePathStyle,
    useAccelerateEndpoint: options.accelerate,
    // Only checksums S3 requires (DeleteObjects); the "when supported" defaults of
    // SDK ≥3.729 add CRC32 trailers that many S3-compatible stores reject.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Adaptive retries back off and rate-limit on 503 SlowDown; streamed uploads
    // are never retried by the SDK and use their own loop (see retry.ts).
    retryMode: 'adaptive',
    maxAttempts: settings.maxAttempts,
    // The options form builds the SDK's NodeHttpHandler around these agents
    // without importing @smithy/node-http-handler (not a direct dependency).
    requestHandler: {
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
      connectionTimeout: 10_000,
      requestTimeout: 120_000,
    },
    logger: sdkLogger,
  }
  // Leave `endpoint` absent (not undefined) so AWS_ENDPOINT_URL_S3 keeps working.
  if (options.endpoint) config.endpoint = options.endpoint
  return new S3Client(config)
}

/** What the storage modules share: the client, where they write, and the error mapper. */
export interface StorageContext {
  client: S3Client
  bucket: string
  prefix: string
  acl?: StorageOptions['acl']
  settings: StorageSettings
  /** Map an error of API operation `action` (on `key`) to a scoped CdnDeployError. */
  fail(err: unknown, action: string, key?: string): CdnDeployError
}

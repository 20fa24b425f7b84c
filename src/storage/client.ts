/**
 * The S3 client and the options of the storage layer. One client per deploy:
 * keep-alive sockets sized for the upload concurrency, checksums only where S3
 * requires them or we pass our own (S3-compatible stores reject the SDK's newer
 * defaults), no SDK retries (ours, in request.ts), and the SDK's own
 * endpoint/region chain left alone when nothing is configured.
 */
import { Agent as HttpAgent } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import type { S3Client as S3ClientType, S3ClientConfig } from '@aws-sdk/client-s3'
import type { StorageOptions } from '../config/types.js'
import type { CdnDeployError } from '../errors.js'
import type { FlowSignals } from '../flow.js'
import { DELETE_BATCH_SIZE, LIST_PAGE_SIZE, MIN_PART_SIZE, MULTIPART_PART_SIZE, MULTIPART_THRESHOLD } from './limits.js'
import type { Agents, PutTarget } from './put.js'
import { attempt, DEADLINE_DEFAULTS, deadlineFor } from './request.js'
import { S3Client } from './sdk.js'

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
  /** Full key prefix of the tool's own objects (ledger, lock, journal, blobs/, releases/). @default `<prefix>.cdn-deploy/` */
  statePrefix?: string
  /** Most requests in flight: the ceiling of the storage's flow (src/flow.ts); sizes the socket pool. */
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
  /** Attempts per request, for 503 SlowDown, 5xx, timeouts and dropped connections. @default 8 */
  maxAttempts?: number
  /** First retry delay (doubles, jittered). @default 200 */
  retryBaseDelayMs?: number
  /** Deadline of one attempt before its body is counted. @default 10000 */
  deadlineBaseMs?: number
  /** Slowest transfer rate an attempt is given time for, on top of the base. @default 1 MiB/s */
  minBytesPerSecond?: number
  /** @internal test and bench seam: `false` keeps `concurrency` requests in flight, without the flow (src/flow.ts). @default true */
  adaptive?: boolean
}

export type StorageSettings = Required<
  Pick<
    StorageFactoryOptions,
    | 'multipartThreshold'
    | 'partSize'
    | 'partConcurrency'
    | 'listPageSize'
    | 'deleteBatchSize'
    | 'maxAttempts'
    | 'retryBaseDelayMs'
    | 'deadlineBaseMs'
    | 'minBytesPerSecond'
  >
>

export const STORAGE_DEFAULTS = Object.freeze({
  multipartThreshold: MULTIPART_THRESHOLD,
  partSize: MULTIPART_PART_SIZE,
  partConcurrency: 4,
  listPageSize: LIST_PAGE_SIZE,
  deleteBatchSize: DELETE_BATCH_SIZE,
  maxAttempts: 8,
  retryBaseDelayMs: 200,
  deadlineBaseMs: DEADLINE_DEFAULTS.baseMs,
  minBytesPerSecond: DEADLINE_DEFAULTS.minBytesPerSecond,
} satisfies StorageSettings)

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
    deadlineBaseMs: pick('deadlineBaseMs'),
    minBytesPerSecond: pick('minBytesPerSecond'),
  }
}

/**
 * Failures reach the caller as thrown, mapped errors; the SDK's own logging
 * (request traces, per-request errors) stays quiet.
 */
const sdkLogger: NonNullable<S3ClientConfig['logger']> = { trace: () => {}, debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

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

/** Keep-alive sockets for the SDK's requests and the single-part PUTs (put.ts), sized so uploads never wait for one. */
export function createAgents(options: StorageFactoryOptions, settings: StorageSettings): Agents {
  const maxSockets = Math.max(50, options.concurrency * 2, options.concurrency + settings.partConcurrency)
  return { http: new HttpAgent({ keepAlive: true, maxSockets }), https: new HttpsAgent({ keepAlive: true, maxSockets }) }
}

export function createS3Client(options: StorageFactoryOptions, agents: Agents): S3ClientType {
  const config: S3ClientConfig = {
    region: options.region ?? regionFromChain,
    forcePathStyle: options.forcePathStyle,
    useAccelerateEndpoint: options.accelerate,
    // Only checksums S3 requires (DeleteObjects); the "when supported" defaults of
    // SDK ≥3.729 add CRC32 trailers that many S3-compatible stores reject.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Retries are ours (request.ts): one loop with a deadline per attempt, the
    // lock fence before each mutable write, and response bodies read inside it.
    maxAttempts: 1,
    // The options form builds the SDK's NodeHttpHandler around these agents
    // without importing @smithy/node-http-handler (not a direct dependency).
    requestHandler: {
      httpAgent: agents.http,
      httpsAgent: agents.https,
      connectionTimeout: 10_000,
      // A backstop for a dead socket (until the response headers); the per-attempt
      // deadline in request.ts, sized to the body, is the real limit.
      requestTimeout: 300_000,
      throwOnRequestTimeout: true,
    },
    logger: sdkLogger,
  }
  // Leave `endpoint` absent (not undefined) so AWS_ENDPOINT_URL_S3 keeps working.
  if (options.endpoint) config.endpoint = options.endpoint
  return new S3Client(config)
}

/**
 * Runs before each attempt of a mutable write with that attempt's deadline: it
 * throws (a `[lock]` error) unless the deploy's lock is confirmed and will
 * outlive the attempt, and answers the deadline the attempt may have.
 */
export type Fence = (deadlineMs: number) => Promise<number>

export interface SendOptions {
  /** Bytes the request moves (body sent or expected back): sizes its deadline. @default 0 */
  bytes?: number
  fence?: Fence
  signal?: AbortSignal
}

/** What the storage modules share: the client, where they write, the retry loop and the error mapper. */
export interface StorageContext {
  client: S3ClientType
  bucket: string
  prefix: string
  statePrefix: string
  acl?: StorageOptions['acl']
  settings: StorageSettings
  /** Where single-part uploads go and how they are signed (put.ts), asked of the SDK once. */
  putTarget(): Promise<PutTarget>
  /** Whether to send `x-amz-checksum-sha256` (turned off once a store refuses it). */
  checksums: { sha256: boolean }
  /** Run one request through the retry loop; errors come back as the SDK's (the caller maps them). */
  send<T>(fn: (signal: AbortSignal) => Promise<T>, options?: SendOptions): Promise<T>
  /** Map an error of API operation `action` (on `key`) to a scoped CdnDeployError. */
  fail(err: unknown, action: string, key?: string): CdnDeployError
}

/** `StorageContext.send` for these settings. */
export function sender(settings: StorageSettings, flow?: FlowSignals): StorageContext['send'] {
  const deadline = { baseMs: settings.deadlineBaseMs, minBytesPerSecond: settings.minBytesPerSecond }
  return (fn, options = {}) =>
    attempt(fn, {
      maxAttempts: settings.maxAttempts,
      baseDelayMs: settings.retryBaseDelayMs,
      deadlineMs: deadlineFor(options.bytes ?? 0, deadline),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.fence ? { before: options.fence } : {}),
      ...(flow ? { flow } : {}),
    })
}

/**
 * ACL for the tool's own objects (ledger, lock): never public, even when the
 * site's files are `public-read`; `bucket-owner-full-control` is kept for
 * cross-account writers.
 */
export function internalAcl(ctx: StorageContext): { ACL?: 'private' | 'bucket-owner-full-control' } {
  if (!ctx.acl) return {}
  return { ACL: ctx.acl === 'bucket-owner-full-control' ? ctx.acl : 'private' }
}

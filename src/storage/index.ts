/**
 * The storage layer of the deploy engine: everything the deploy does in the
 * bucket goes through the object `createStorage` returns. Library code: it
 * throws scoped errors (`[cdn-deploy] [s3] …`, `[cdn-deploy] [lock] …`) and never prints.
 */
import type { S3Client } from '@aws-sdk/client-s3'
import { createBudget, createFlow, type Flow } from '../flow.js'
import { STATE_DIR, type Ledger, type PlannedUpload } from '../plan/types.js'
import {
  createAgents,
  createS3Client,
  resolveSettings,
  sender,
  type Fence,
  type StorageContext,
  type StorageFactoryOptions,
  type StorageSettings,
} from './client.js'
import { mapS3Error } from './errors.js'
import { UPLOAD_BUFFER_BUDGET } from './limits.js'
import { readJson, readLedger, readLedgerVersion, writeJson, writeLedger, type LedgerCondition, type LedgerVersion } from './ledger.js'
import { acquireLock, probeConditionalWrites, readLock, releaseLock, removeLock, renewLock, type LockHandle, type LockInfo } from './lock.js'
import {
  copyObject,
  deleteKeys,
  headObject,
  listObjects,
  type CopyHeaders,
  type CopyOptions,
  type DeleteResult,
  type ListedObject,
  type ObjectHead,
} from './objects.js'
import { putTarget, type PutTarget } from './put.js'
import { putBuffer, putFile, readLocal, type PutFileOptions, type PutFileResult } from './upload.js'

export type { Fence, StorageFactoryOptions, StorageSettings } from './client.js'
export type { LockHandle, LockInfo } from './lock.js'
export type { LedgerCondition, LedgerVersion } from './ledger.js'
export type { CopyHeaders, CopyOptions, DeleteResult, ListedObject, ObjectHead } from './objects.js'
export type { PutFileOptions, PutFileResult } from './upload.js'
export { mapS3Error } from './errors.js'
export { ledgerKey } from './ledger.js'
export { describeHolder, holderIsDead, hostId, lockKey, processAlive } from './lock.js'

export interface Storage {
  readonly bucket: string
  readonly prefix: string
  /** Full key prefix of the tool's own objects. */
  readonly statePrefix: string
  readonly settings: StorageSettings
  /**
   * Requests in flight (src/flow.ts): up to `concurrency`, growing while the store
   * answers, halved on throttling. The deploy's pools run under it.
   */
  readonly flow: Flow
  /** Take `bytes` of the upload memory budget (UPLOAD_BUFFER_BUDGET) before reading a file; call the result when done. */
  reserve(bytes: number): Promise<() => void>
  /** The SDK client (for callers needing an operation not wrapped here). */
  readonly client: S3Client
  /** One GET of `<statePrefix>ledger.json`; undefined on a first deploy. */
  readLedger(): Promise<Ledger | undefined>
  /** The ledger with its ETag; given an earlier read, a 304 (unchanged) returns that read as is. */
  readLedgerVersion(known?: LedgerVersion): Promise<LedgerVersion | undefined>
  /** Commit the ledger (`Cache-Control: no-store`), optionally conditional; returns its ETag. */
  writeLedger(ledger: Ledger, condition?: LedgerCondition, fence?: Fence): Promise<string | undefined>
  /** Parsed JSON of a full key (the tool's own objects, e.g. a journal); undefined when missing. */
  readJson(key: string): Promise<unknown>
  /** Write JSON to a full key, `Cache-Control: no-store`, never public. */
  writeJson(key: string, value: unknown): Promise<void>
  /** Upload a planned file (multipart above the threshold), headers and `x-amz-meta-sha256` set; fails naming it if it changed since the scan. */
  putFile(upload: PlannedUpload, opts?: PutFileOptions): Promise<PutFileResult>
  /** The file's bytes as scanned (read without following symlinks, sha256 checked): for bodies encoded before upload. */
  readLocal(upload: PlannedUpload): Promise<Buffer>
  /** One PutObject of `body` under the upload's key and headers, with its checksum. */
  putBuffer(upload: PlannedUpload, body: Buffer, opts?: PutFileOptions): Promise<PutFileResult>
  /** Server-side copy of full key `from` to `to`: with `headers`, the copy gets them (REPLACE); without, the source's. */
  copyObject(from: string, to: string, headers?: CopyHeaders, opts?: CopyOptions): Promise<void>
  /** HEAD of a full key; undefined when missing. */
  head(key: string): Promise<ObjectHead | undefined>
  /** Every object under the prefix, paginated. */
  list(): AsyncIterable<ListedObject>
  /** Delete full keys in batches of 1,000; per-key failures are returned, not thrown. */
  deleteKeys(keys: readonly string[], fence?: Fence): Promise<DeleteResult>
  /** Take the deploy lock for `ttlMs`, or throw `[lock]` naming the holder. */
  acquireLock(owner: string | undefined, ttlMs: number): Promise<LockHandle>
  /** Extend our lock by `ttlMs` from now; throws `[lock]` if it is no longer ours. */
  renewLock(lock: LockHandle, ttlMs: number): Promise<void>
  /** Release our lock; false if it was gone or taken over. */
  releaseLock(lock: LockHandle | string): Promise<boolean>
  /** The lock as stored, for `cdn-deploy unlock`; undefined when there is none. */
  readLock(): Promise<{ info: LockInfo | undefined; etag: string | undefined } | undefined>
  /** Remove the lock whatever holds it (`cdn-deploy unlock`), `If-Match` the version read. */
  removeLock(etag: string | undefined): Promise<void>
  /** Whether the store honours conditional writes (a scratch object written twice); the lock needs them to exclude racing deploys. */
  probeConditionalWrites(): Promise<boolean>
  /** Close the keep-alive sockets. */
  destroy(): void
}

export function createStorage(options: StorageFactoryOptions): Storage {
  const settings = resolveSettings(options)
  const agents = createAgents(options, settings)
  const client = createS3Client(options, agents)
  let target: Promise<PutTarget> | undefined
  const flow = createFlow(options.concurrency, undefined, options.adaptive !== false)
  const reserve = createBudget(UPLOAD_BUFFER_BUDGET)
  const statePrefix = options.statePrefix ?? `${options.prefix}${STATE_DIR}`
  const ctx: StorageContext = {
    client,
    bucket: options.bucket,
    prefix: options.prefix,
    statePrefix,
    acl: options.acl,
    settings,
    putTarget: () => (target ??= putTarget(client, options.bucket, agents)),
    checksums: { sha256: true },
    send: sender(settings, flow),
    fail: (err, action, key) => mapS3Error(err, { action, bucket: options.bucket, key, region: options.region, endpoint: options.endpoint }),
  }
  return {
    bucket: options.bucket,
    prefix: options.prefix,
    statePrefix,
    settings,
    flow,
    reserve,
    client,
    readLedger: () => readLedger(ctx),
    readLedgerVersion: (known) => readLedgerVersion(ctx, known),
    writeLedger: (ledger, condition, fence) => writeLedger(ctx, ledger, condition, fence),
    readJson: (key) => readJson(ctx, key),
    writeJson: (key, value) => writeJson(ctx, key, value),
    putFile: (upload, opts) => putFile(ctx, upload, opts),
    readLocal: (upload) => readLocal(ctx, upload),
    putBuffer: (upload, body, opts) => putBuffer(ctx, upload, body, opts),
    copyObject: (from, to, headers, opts) => copyObject(ctx, from, to, headers, opts),
    head: (key) => headObject(ctx, key),
    list: () => listObjects(ctx),
    deleteKeys: (keys, fence) => deleteKeys(ctx, keys, fence),
    acquireLock: (owner, ttlMs) => acquireLock(ctx, owner, ttlMs),
    renewLock: (lock, ttlMs) => renewLock(ctx, lock, ttlMs),
    releaseLock: (lock) => releaseLock(ctx, lock),
    readLock: () => readLock(ctx),
    removeLock: (etag) => removeLock(ctx, etag),
    probeConditionalWrites: () => probeConditionalWrites(ctx),
    destroy: () => {
      client.destroy()
      agents.http.destroy()
      agents.https.destroy()
    },
  }
}

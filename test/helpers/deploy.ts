/**
 * Shared pieces of the deploy integration tests: fixture trees on disk, configs
 * pointing at a loopback S3 server (or a proxy in front of it), and read-back of
 * what landed in the bucket through a plain SDK client.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { resolveConfig } from '../../src/config/resolve.js'
import type { CdnPluginOptions, ResolvedCdnConfig } from '../../src/config/types.js'
import type { DeployInternals, DeployOptions } from '../../src/deploy/index.js'
import { deployWith } from '../../src/deploy/lazy.js'
import type { DeployReport } from '../../src/deploy/report.js'
import type { Ledger } from '../../src/plan/types.js'
import { tempDir } from './build.js'
import './s3-servers.js' // dummy credentials in process.env

export const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex')

/** A fixed clock: day `n` (may be fractional) after 2030-01-01T00:00Z. */
export const day = (n: number): Date => new Date(Date.UTC(2030, 0, 1) + n * 86_400_000)
export const at = (n: number) => () => day(n)

export type Tree = Record<string, string | Uint8Array>

/** Write a tree of files (rel → bytes) under dir, creating folders. */
export async function writeTree(dir: string, files: Tree): Promise<void> {
  for (const [rel, body] of Object.entries(files)) {
    const path = join(dir, rel)
    await mkdir(dirname(path), { recursive: true })
    await writeFile(path, body)
  }
}

const fixtures: string[] = []

/** A fresh temp directory holding exactly `files` (removed by `removeFixtures`). */
export async function fixture(files: Tree, label = 'fixture'): Promise<string> {
  const dir = await tempDir(label)
  fixtures.push(dir)
  await writeTree(dir, files)
  return dir
}

/** Remove every directory `fixture` made in this test file. */
export async function removeFixtures(): Promise<void> {
  await Promise.all(fixtures.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
}

/** Replace a fixture directory's contents with `files`. */
export async function rewrite(dir: string, files: Tree): Promise<void> {
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  await writeTree(dir, files)
}

export interface TargetOptions extends Omit<CdnPluginOptions, 'storage'> {
  /** S3 endpoint (the server or a proxy in front of it). */
  endpoint: string
  bucket: string
  /** `storage.statePrefix`. @default `<prefix>.cdn-deploy/` */
  statePrefix?: string
}

/** A resolved config for a loopback server; no env var leaks in. */
export function targetConfig({ endpoint, bucket, statePrefix, ...options }: TargetOptions): ResolvedCdnConfig {
  return resolveConfig({
    inline: {
      domain: 'https://cdn.example.com',
      ...options,
      storage: { bucket, endpoint, forcePathStyle: true, region: 'us-east-1', ...(statePrefix ? { statePrefix } : {}) },
    },
    env: {},
  })
}

/** Storage tuning for tests: quick retries, small multipart threshold. */
export const TUNING = { maxAttempts: 2, retryBaseDelayMs: 5, multipartThreshold: 5 * 1024 * 1024, partSize: 5 * 1024 * 1024 } as const

export interface StoredObject {
  bytes: Buffer
  contentType: string | undefined
  cacheControl: string | undefined
  contentEncoding: string | undefined
  metadata: Record<string, string>
  etag: string | undefined
}

/** GetObject through the test's own client; undefined when missing. */
export async function getObject(client: S3Client, bucket: string, key: string): Promise<StoredObject | undefined> {
  try {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
    return {
      bytes: Buffer.from(await out.Body!.transformToByteArray()),
      contentType: out.ContentType,
      cacheControl: out.CacheControl,
      contentEncoding: out.ContentEncoding,
      metadata: out.Metadata ?? {},
      etag: out.ETag,
    }
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } }
    if (e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return undefined
    throw err
  }
}

export async function exists(client: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
    return true
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false
    throw err
  }
}

/** Every key under a prefix, sorted. */
export async function listKeys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = []
  let token: string | undefined
  do {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }))
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key)
    token = page.IsTruncated ? page.NextContinuationToken : undefined
  } while (token)
  return keys.sort()
}

/** A plain PutObject, as another tool (or a person) would write it: no sha256 metadata. */
export async function putPlain(
  client: S3Client,
  bucket: string,
  key: string,
  body: string | Uint8Array,
  headers: { ContentType?: string; CacheControl?: string } = {},
): Promise<void> {
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...headers }))
}

export async function readLedgerObject(client: S3Client, bucket: string, prefix: string): Promise<Ledger | undefined> {
  // s3rver writes an object's file after answering the PUT: a GET right after may see it empty. Look again then.
  for (let attempt = 1; ; attempt++) {
    const got = await getObject(client, bucket, `${prefix}.cdn-deploy/ledger.json`)
    if (!got) return undefined
    if (got.bytes.length > 0 || attempt === 5) return JSON.parse(got.bytes.toString('utf8')) as Ledger
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Every file of a local tree matches its object byte for byte (sha256). */
export async function expectTreeInBucket(client: S3Client, bucket: string, prefix: string, dir: string, rels: readonly string[]): Promise<string[]> {
  const problems: string[] = []
  for (const rel of rels) {
    const local = await readFile(join(dir, rel))
    const got = await getObject(client, bucket, prefix + rel)
    if (!got) problems.push(`${rel}: missing`)
    else if (sha256(got.bytes) !== sha256(local)) problems.push(`${rel}: bytes differ`)
  }
  return problems
}

interface S3rverInstance {
  run(): Promise<AddressInfo>
  httpServer?: import('node:http').Server
  close(): Promise<void>
}

/** A plain SDK client for a loopback server, independent of src/storage. */
export { testClient as plainClient } from './s3-servers.js'

export interface PersistentS3rver {
  endpoint: string
  port: number
  /** Stop at once: open connections are dropped, like a crashed server. */
  kill(): Promise<void>
}

/**
 * An s3rver storing in `directory` (kept across restarts) on `port` (0: a free
 * one). Starting another on the same directory and port after `kill()` is the
 * "server stopped and came back" case; moto keeps its state in memory, so only
 * s3rver can do this. (No DES patch: keep listings under one page.)
 */
export async function startS3rverAt(directory: string, bucket: string, port = 0): Promise<PersistentS3rver> {
  const require = createRequire(import.meta.url)
  const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverInstance
  // s3rver verifies SigV4 against its own key registry: register the dummy test key.
  const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account.js') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } }
  DUMMY_ACCOUNT.createKeyPair('test', 'test')
  const server = new S3rver({ address: '127.0.0.1', port, directory, silent: true, configureBuckets: [{ name: bucket }] })
  const address = await server.run()
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    kill: async () => {
      server.httpServer?.closeAllConnections()
      await server.close()
    },
  }
}

/** `deploy()` options plus the engine's test seams (`env`, `now`, storage tuning, a purge step). */
export type TestDeployOptions = DeployOptions & DeployInternals

/** The public `deploy()` with test seams: the same edge (report file, step summary), internals split off. */
export function deploy(options: TestDeployOptions): Promise<DeployReport> {
  const { env, now, storage, invalidator, ...rest } = options
  const internals: DeployInternals = {
    ...(env ? { env } : {}),
    ...(now ? { now } : {}),
    ...(storage ? { storage } : {}),
    ...(invalidator ? { invalidator } : {}),
  }
  return deployWith(rest, internals)
}

/** The tool's own keys under a state prefix besides kept page bytes (`blobs/`) and release records (`releases/`): the ledger, and a lock or journal if left. */
export async function bookkeeping(client: S3Client, bucket: string, statePrefix: string): Promise<string[]> {
  return (await listKeys(client, bucket, statePrefix)).filter((k) => !k.startsWith(`${statePrefix}blobs/`) && !k.startsWith(`${statePrefix}releases/`))
}

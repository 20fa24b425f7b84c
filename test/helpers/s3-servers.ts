/**
 * Real S3 servers for integration tests: s3rver in-process and moto_server as a
 * child process, both on loopback with dummy credentials. Never real AWS.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage } from 'node:http'
import { createRequire } from 'node:module'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3'
import type { StorageFactoryOptions } from '../../src/storage/index.js'

// Dummy credentials only; the tests must never reach a real account.
process.env.AWS_ACCESS_KEY_ID = 'test'
process.env.AWS_SECRET_ACCESS_KEY = 'test'
process.env.AWS_REGION = 'us-east-1'
process.env.AWS_EC2_METADATA_DISABLED = 'true'
for (const name of ['AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3']) delete process.env[name]

export interface S3TestServer {
  name: 's3rver' | 'moto'
  /** `http://127.0.0.1:PORT` */
  endpoint: string
  /** A bucket created at start. */
  bucket: string
  region: string
  createBucket(name: string): Promise<void>
  /** A plain SDK client for assertions (GetObject etc.), independent of src/storage. */
  client: S3Client
  stop(): Promise<void>
}

/** createStorage options for a server (path style, small defaults overridable). */
export function s3Options(server: S3TestServer, overrides: Partial<StorageFactoryOptions> = {}): StorageFactoryOptions {
  return {
    bucket: server.bucket,
    region: server.region,
    endpoint: server.endpoint,
    forcePathStyle: true,
    accelerate: false,
    prefix: '',
    concurrency: 8,
    retryBaseDelayMs: 10,
    ...overrides,
  }
}

/** A plain SDK client for a loopback server (dummy credentials), independent of src/storage. */
export function testClient(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
}

function makeServer(name: S3TestServer['name'], endpoint: string, bucket: string, stop: () => Promise<void>): S3TestServer {
  const client = testClient(endpoint)
  return {
    name,
    endpoint,
    bucket,
    region: 'us-east-1',
    client,
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html
    createBucket: async (b) => void (await client.send(new CreateBucketCommand({ Bucket: b }))),
    stop: async () => {
      client.destroy()
      await stop()
    },
  }
}

interface S3rverInstance {
  run(): Promise<AddressInfo>
  close(): Promise<void>
}
type S3rverCtor = new (options: Record<string, unknown>) => S3rverInstance

/**
 * s3rver encrypts ListObjectsV2 continuation tokens with single DES, which
 * OpenSSL 3 (Node ≥17) no longer offers: every truncated listing answers 500
 * InternalError. Triple DES with three equal keys is single DES, and OpenSSL 3
 * still has it, so map the one algorithm s3rver asks for (nothing else here uses DES).
 */
function patchDesForS3rver(): void {
  const crypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto') & { __s3rverDes?: true }
  if (crypto.__s3rverDes) return
  const triple = (key: unknown) => Buffer.concat([key as Buffer, key as Buffer, key as Buffer])
  const { createCipheriv, createDecipheriv } = crypto
  const cipher = ((alg: string, key: Buffer, iv: Buffer | null, opts?: unknown) =>
    alg === 'des' ? createCipheriv('des-ede3-cbc', triple(key), iv) : Reflect.apply(createCipheriv, crypto, [alg, key, iv, opts])) as typeof createCipheriv
  const decipher = ((alg: string, key: Buffer, iv: Buffer | null, opts?: unknown) =>
    alg === 'des'
      ? createDecipheriv('des-ede3-cbc', triple(key), iv)
      : Reflect.apply(createDecipheriv, crypto, [alg, key, iv, opts])) as typeof createDecipheriv
  crypto.createCipheriv = cipher
  crypto.createDecipheriv = decipher
  crypto.__s3rverDes = true
}

/** s3rver in this process, on a free port, storing under a fresh temp dir. */
export async function startS3rver(bucket = 'test-bucket'): Promise<S3TestServer> {
  // s3rver ships no types; load it through require and type the few members used.
  const require = createRequire(import.meta.url)
  const S3rver = require('s3rver') as S3rverCtor
  // s3rver checks SigV4 signatures against its own key registry (S3RVER/S3RVER);
  // register the dummy test key so signatures stay verified.
  const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account.js') as {
    DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void }
  }
  DUMMY_ACCOUNT.createKeyPair('test', 'test')
  patchDesForS3rver()
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'))
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: bucket }] })
  const { port } = await server.run()
  return makeServer('s3rver', `http://127.0.0.1:${port}`, bucket, async () => {
    await server.close()
    await rm(directory, { recursive: true, force: true })
  })
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

async function waitForHttp(url: string, child: ChildProcess, output: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode} before answering:\n${output()}`)
    try {
      const res = await fetch(url)
      await res.arrayBuffer()
      return
    } catch {
      await new Promise((r) => setTimeout(r, 150))
    }
  }
  throw new Error(`moto_server did not answer on ${url} within ${timeoutMs} ms:\n${output()}`)
}

const MOTO_MISSING =
  'moto_server not found on PATH: the integration tests need it. Install it with `pip install "moto[server]"` (Python 3) and make sure `moto_server` is on PATH.'

/**
 * moto_server as a child process on a free loopback port; fails loudly if it is
 * not installed. It runs under a small sh wrapper that kills it when its stdin
 * closes, so a crashed or killed test worker does not leave a server behind.
 */
export async function startMoto(bucket = 'test-bucket'): Promise<S3TestServer> {
  const port = await freePort()
  const script = 'command -v moto_server >/dev/null 2>&1 || exit 127; moto_server "$@" & m=$!; read _eof; kill $m 2>/dev/null; wait $m'
  const child = spawn('sh', ['-c', script, 'sh', '-H', '127.0.0.1', '-p', String(port)], { stdio: ['pipe', 'pipe', 'pipe'] })
  let log = ''
  child.stdout?.on('data', (d: Buffer) => void (log = (log + d.toString()).slice(-4000)))
  child.stderr?.on('data', (d: Buffer) => void (log = (log + d.toString()).slice(-4000)))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve)
    child.once('error', reject)
  })
  const endpoint = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.stdin?.end() // the wrapper kills moto and waits for it
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }
  try {
    await waitForHttp(`${endpoint}/moto-api/`, child, () => (child.exitCode === 127 ? MOTO_MISSING : log))
    const server = makeServer('moto', endpoint, bucket, stop)
    await server.createBucket(bucket)
    return server
  } catch (err) {
    await stop()
    if (child.exitCode === 127) throw new Error(MOTO_MISSING, { cause: err })
    throw err
  }
}

/** The two real servers every deploy suite runs against, by name (for `describe.each`). */
export const S3_SERVERS = [
  { name: 's3rver', start: startS3rver },
  { name: 'moto', start: startMoto },
] as const

export type Fault = 'slowdown' | 'notimplemented' | 'reset' | undefined

export interface FaultProxy {
  endpoint: string
  /** `METHOD path fault|pass`, one line per request received. */
  log: string[]
  stop(): Promise<void>
}

/**
 * A loopback HTTP proxy in front of a test server that fails chosen requests:
 * `slowdown` answers 503 SlowDown and `notimplemented` 501 NotImplemented
 * after reading the body, `reset` drops the
 * connection after the first body bytes (the client sees ECONNRESET / socket
 * hang up). Everything else is forwarded untouched (Host header included, so
 * SigV4 signatures stay valid).
 */
export async function startFaultProxy(target: string, fault: (req: IncomingMessage) => Fault): Promise<FaultProxy> {
  const t = new URL(target)
  const log: string[] = []
  const server = createHttpServer((req, res) => {
    const f = fault(req)
    log.push(`${req.method} ${req.url} ${f ?? 'pass'}`)
    if (f === 'reset') {
      if (Number(req.headers['content-length'] ?? 0) > 0) req.once('data', () => req.socket.destroy())
      else req.socket.destroy()
      return
    }
    if (f === 'slowdown' || f === 'notimplemented') {
      const [status, code] = f === 'slowdown' ? [503, 'SlowDown'] : [501, 'NotImplemented']
      req.resume()
      req.on('end', () => {
        res.writeHead(status, { 'content-type': 'application/xml' })
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${code} (fault proxy)</Message></Error>`)
      })
      return
    }
    const upstream = httpRequest({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers)
      ur.pipe(res)
    })
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    log,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

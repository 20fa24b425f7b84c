#!/usr/bin/env node
/**
 * One big file, two multipart uploaders, on moto (loopback): ours (parts read in
 * order into memory and hashed, 4 in flight; `dist/storage/multipart.js`) against
 * `@aws-sdk/lib-storage`'s `Upload` (one sequential read stream cut into parts,
 * 4 in flight). Each runs in its own child process, so its peak RSS
 * (`process.resourceUsage().maxRSS`) is its own. Build first (`npm run build`).
 *
 *   node bench/multipart.mjs [sizeMiB=1024] [reps=2]
 */
import { spawn } from 'node:child_process'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { startMoto, httpCall } from './lib/moto.mjs'

const [, , sizeArg = '1024', repsArg = '2', role, endpoint, file, key] = process.argv
const MiB = 1024 * 1024
const BUCKET = 'multipart-bench'

async function child() {
  const { S3Client } = await import('@aws-sdk/client-s3')
  const started = performance.now()
  if (role === 'ours') {
    const { createStorage } = await import('../dist/storage/index.js')
    const { stat } = await import('node:fs/promises')
    const size = (await stat(file)).size
    const sha256 = process.argv[8] // hashed by the parent: ours checks the bytes it sends against it
    const storage = createStorage({ bucket: BUCKET, region: 'us-east-1', endpoint, forcePathStyle: true, accelerate: false, prefix: '', concurrency: 4 })
    await storage.putFile({
      rel: key,
      key,
      path: file,
      size,
      sha256,
      contentType: 'application/octet-stream',
      cacheControl: 'no-cache',
      immutable: true,
      phase: 1,
      reason: 'new',
    })
    storage.destroy()
  } else {
    const { Upload } = await import('@aws-sdk/lib-storage')
    const { createReadStream } = await import('node:fs')
    const client = new S3Client({
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    })
    const upload = new Upload({
      client,
      queueSize: 4,
      partSize: 8 * MiB,
      params: {
        Bucket: BUCKET,
        Key: key,
        Body: createReadStream(file),
        ContentType: 'application/octet-stream',
        CacheControl: 'no-cache',
        Metadata: { sha256: 'x' },
      },
    })
    await upload.done()
    client.destroy()
  }
  const ms = performance.now() - started
  process.stdout.write(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024 }))
}

async function run(roleName, endpointUrl, path, k, sha256) {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }
  const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), '0', '0', roleName, endpointUrl, path, k, sha256], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  proc.stdout.on('data', (d) => (out += d))
  const code = await new Promise((r) => proc.on('exit', r))
  if (code !== 0) throw new Error(`${roleName} exited ${code}`)
  return JSON.parse(out)
}

async function main() {
  const size = Number(sizeArg) * MiB
  const reps = Number(repsArg)
  const dir = await mkdtemp(join(tmpdir(), 'multipart-bench-'))
  const path = join(dir, 'big.bin')
  await new Promise((resolve, reject) => {
    const out = createWriteStream(path)
    out.on('error', reject).on('finish', resolve)
    const chunk = randomBytes(MiB)
    for (let i = 0; i < size / MiB; i++) out.write(chunk)
    out.end()
  })
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk)
  const sha256 = hash.digest('hex')
  const moto = await startMoto()
  try {
    await httpCall(moto.endpoint, 'PUT', `/${BUCKET}`)
    for (let rep = 1; rep <= reps; rep++) {
      for (const r of ['ours', 'lib-storage']) {
        const result = await run(r, moto.endpoint, path, `${r}-${rep}.bin`, sha256)
        console.log(`${r.padEnd(12)} rep ${rep}: ${(result.ms / 1000).toFixed(1)} s, peak RSS ${result.maxRssMiB.toFixed(0)} MiB`)
        await httpCall(moto.endpoint, 'DELETE', `/${BUCKET}/${r}-${rep}.bin`)
      }
    }
  } finally {
    await moto.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

await (role ? child() : main())

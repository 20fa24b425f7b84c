/**
 * The provider SDKs (@aws-sdk/client-cloudfront, cloudflare) and the S3 presigner
 * are optional peer dependencies. Here the built package is installed as a
 * consumer has it without them: dist/ and package.json copied into a temporary
 * project outside this repository (so nothing up the tree resolves them), whose
 * node_modules links every other package installed here. In child processes,
 * everything that needs none of them works, and each one asked for answers
 * with the one line that says what to install. Needs `npm run build` first.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { copyFile, cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const REPO = resolve(import.meta.dirname, '../..')
const MISSING = ['@aws-sdk/client-cloudfront', 'cloudflare', '@aws-sdk/s3-request-presigner']
const run = promisify(execFile)

/** A project whose node_modules has the package (as built) and all its other dependencies, not `missing`. */
async function consumerWithout(missing: readonly string[]): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'cdn-deploy-peers-'))
  const from = join(REPO, 'node_modules')
  const to = join(root, 'node_modules')
  await mkdir(to)
  for (const entry of await readdir(from)) {
    if (entry.startsWith('.')) continue
    const scoped = entry.startsWith('@') ? (await readdir(join(from, entry))).map((child) => `${entry}/${child}`) : [entry]
    for (const name of scoped.filter((n) => !missing.includes(n))) {
      await mkdir(join(to, name, '..'), { recursive: true })
      await symlink(join(from, name), join(to, name), 'dir')
    }
  }
  const pkg = join(to, 'vite-plugin-cdn-deploy')
  await mkdir(pkg)
  await cp(join(REPO, 'dist'), join(pkg, 'dist'), { recursive: true })
  await copyFile(join(REPO, 'package.json'), join(pkg, 'package.json'))
  await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  return root
}

const SCRIPT = `
import { generateKeyPairSync } from 'node:crypto'
import { resolveConfig } from 'vite-plugin-cdn-deploy'
import { presignS3Url, signCloudFrontUrl } from 'vite-plugin-cdn-deploy/signing'
import { checkProviderContract } from 'vite-plugin-cdn-deploy/testing'
const { loadProvider } = await import('./node_modules/vite-plugin-cdn-deploy/dist/providers/index.js')

const target = { publicBase: 'https://cdn.example.com/app/' }
const out = {}
const attempt = async (name, fn) => {
  try {
    out[name] = { ok: await fn() }
  } catch (err) {
    out[name] = { error: err.message }
  }
}
await attempt('config', () => resolveConfig({
  file: { domain: 'https://cdn.example.com', prefix: 'app/', storage: { bucket: 'b-1' }, provider: { type: 'cloudflare', zoneId: '023e105f4ecef8ad9ca31a8372d0c353' } },
  env: { CLOUDFLARE_API_TOKEN: 'token' },
}).provider.type)
await attempt('generic', async () => (await loadProvider({ type: 'generic', url: 'https://hooks.example.com/purge', method: 'POST', headers: {} }, target)).name)
await attempt('cloudfront', () => loadProvider({ type: 'cloudfront', distributionId: 'E2EXAMPLE1234' }, target))
await attempt('cloudflare', () => loadProvider({ type: 'cloudflare', zoneId: '023e105f4ecef8ad9ca31a8372d0c353', apiToken: 't', baseURL: 'https://api.cloudflare.com/client/v4', batchSize: 100 }, target))
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
await attempt('signCloudFrontUrl', () => new URL(signCloudFrontUrl('https://cdn.example.com/a.pdf', { keyPairId: 'K1', privateKey, expires: 2000000000 })).searchParams.has('Signature'))
await attempt('presignS3Url', () => presignS3Url({ bucket: 'b-1', key: 'a.pdf', expiresIn: 60, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }))
await attempt('testing', () => typeof checkProviderContract)
console.log(JSON.stringify(out))
`

describe('without the optional peer dependencies', () => {
  let root: string
  beforeAll(async () => {
    if (!existsSync(join(REPO, 'dist/providers/registry.js'))) throw new Error('dist/ is missing or stale: run `npm run build` first')
    root = await consumerWithout(MISSING)
    await writeFile(join(root, 'check.mjs'), SCRIPT)
  })
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true })
  })

  it('the rest works, and each peer asked for says how to install it', async () => {
    for (const name of MISSING) expect(existsSync(join(root, 'node_modules', name)), name).toBe(false)
    const { stdout } = await run(process.execPath, ['check.mjs'], { cwd: root })
    expect(JSON.parse(stdout)).toEqual({
      config: { ok: 'cloudflare' },
      generic: { ok: 'generic' },
      cloudfront: { error: '[cdn-deploy] [cloudfront] provider "cloudfront" needs @aws-sdk/client-cloudfront: npm i -D @aws-sdk/client-cloudfront@^3.1164.0' },
      cloudflare: { error: '[cdn-deploy] [cloudflare] provider "cloudflare" needs cloudflare: npm i -D cloudflare@^7.3.0' },
      signCloudFrontUrl: { ok: true },
      presignS3Url: { error: '[cdn-deploy] [s3] presignS3Url needs @aws-sdk/s3-request-presigner: npm i @aws-sdk/s3-request-presigner@^3.1164.0' },
      testing: { ok: 'function' },
    })
  })

  it('the CLI prints that line and exits 1', async () => {
    const cli = join(root, 'node_modules/vite-plugin-cdn-deploy/dist/cli/index.js')
    const env = { ...process.env, CDN_DOMAIN: 'https://cdn.example.com', CDN_BUCKET: 'b-1', CDN_DISTRIBUTION_ID: 'E2EXAMPLE1234' }
    const failed = await run(process.execPath, [cli, 'invalidate', 'index.html'], { cwd: root, env }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    )
    expect(failed?.code).toBe(1)
    expect(failed?.stderr.trim()).toBe(
      '[cdn-deploy] [cloudfront] provider "cloudfront" needs @aws-sdk/client-cloudfront: npm i -D @aws-sdk/client-cloudfront@^3.1164.0',
    )
  })
})

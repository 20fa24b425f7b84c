#!/usr/bin/env node
/**
 * `npm run demo`: the whole job on an embedded default, no cloud account.
 *
 * 1. starts an S3-compatible server on loopback (s3rver, from npm) that is both
 *    the bucket and the "CDN" the page loads from;
 * 2. builds examples/basic (a copy, in a temp dir) with the plugin, which
 *    uploads it: hashed assets first, HTML last, ledger committed;
 * 3. runs `cdn-deploy verify`: every file fetched through its public URL and
 *    checked against the ledger;
 * 4. prints a URL where the page can be opened;
 * 5. changes the lazily loaded module, shows `cdn-deploy plan`, and deploys
 *    again: only the changed files go up, the old chunk stays for open tabs.
 * In a terminal it keeps serving until Ctrl-C; otherwise (CI, no TTY) it exits 0.
 */
import { spawn } from 'node:child_process'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { EMBEDDED_CREDENTIALS, startEmbeddedS3 } from './lib/embedded-s3.mjs'

const ROOT = resolve(import.meta.dirname, '..')
const CLI = join(ROOT, 'dist/cli/index.js')
const BUCKET = 'demo'
const PREFIX = 'basic/'

// The embedded server's dummy key pair; never a real credential, and only sent to 127.0.0.1.
process.env.AWS_ACCESS_KEY_ID = EMBEDDED_CREDENTIALS.accessKeyId
process.env.AWS_SECRET_ACCESS_KEY = EMBEDDED_CREDENTIALS.secretAccessKey
process.env.AWS_REGION = 'us-east-1'
for (const name of [
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_S3',
  'CDN_DOMAIN',
  'CDN_BUCKET',
  'CDN_PREFIX',
  'CDN_ENABLED',
  'CDN_DEPLOY',
  'CDN_DISTRIBUTION_ID',
  'CDN_ENV',
])
  delete process.env[name]
// The AWS SDK's notice about Node 20 support is not what this demo is about.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const step = (text) => console.log(`\n\x1b[1m== ${text}\x1b[0m`)

function cli(args, cwd) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: 'inherit', env: process.env })
    child.on('error', reject)
    child.on('exit', (code) => resolvePromise(code ?? 1))
  })
}

async function main() {
  // `vite build` as the CLI runs it: Vite's builder, whose buildApp end is where the plugin deploys.
  const { createBuilder } = await import('vite')
  const build = async (config) => (await createBuilder(config, null)).buildApp()
  const { default: cdn } = await import(join(ROOT, 'dist/index.js'))

  step('starting an embedded S3-compatible server (s3rver) on 127.0.0.1')
  const s3 = await startEmbeddedS3({ buckets: [BUCKET] })
  const work = await mkdtemp(join(tmpdir(), 'cdn-deploy-demo-'))
  const app = join(work, 'basic')
  const stop = async () => {
    await s3.stop()
    await rm(work, { recursive: true, force: true })
  }
  try {
    await cp(join(ROOT, 'examples/basic'), app, { recursive: true, filter: (src) => !/[\\/](dist|node_modules)$/.test(src) })
    // The bucket is served path-style at <endpoint>/<bucket>/…: a domain with a path is used as is.
    const base = `${s3.endpoint}/${BUCKET}/${PREFIX}`
    const configFile = join(app, 'cdn.config.mjs')
    await rm(join(app, 'cdn.config.ts'), { force: true })
    await writeFile(
      configFile,
      `// Written by npm run demo: the embedded server is the bucket and the CDN.
export default {
  domain: ${JSON.stringify(base)},
  prefix: ${JSON.stringify(PREFIX)},
  storage: { bucket: ${JSON.stringify(BUCKET)}, endpoint: ${JSON.stringify(s3.endpoint)}, forcePathStyle: true, region: 'us-east-1' },
}
`,
    )
    console.log(`bucket s3://${BUCKET}/${PREFIX} at ${s3.endpoint}; public base ${base}`)
    const viteBuild = () => build({ root: app, configFile: false, logLevel: 'info', plugins: [cdn()] })

    step('vite build: build for the CDN, then deploy (hashed assets → other files → HTML → ledger)')
    await viteBuild()

    step('cdn-deploy verify: fetch every file of the release through its public URL')
    if ((await cli(['verify', 'dist'], app)) !== 0) throw new Error('verify failed')

    const url = `${base}index.html`
    step(`open ${url}`)

    step('change the lazily loaded module, then see the incremental plan')
    const lazy = join(app, 'src/lazy.js')
    await writeFile(lazy, (await readFile(lazy, 'utf8')).replace("VERSION = 'v1'", "VERSION = 'v2'"))
    // Rebuild without deploying, so `plan` has something to show.
    process.env.CDN_DEPLOY = '0'
    await build({ root: app, configFile: false, logLevel: 'warn', plugins: [cdn()] })
    delete process.env.CDN_DEPLOY
    const planCode = await cli(['plan', 'dist'], app)
    if (planCode !== 2) throw new Error(`plan should report changes (exit 2), got ${planCode}`)

    step('deploy again: only what changed goes up; the old chunk stays for tabs opened before')
    await viteBuild()
    if ((await cli(['verify', 'dist'], app)) !== 0) throw new Error('verify failed after the redeploy')
    await cli(['releases'], app)

    console.log(`\n\x1b[1mThe page: ${url}\x1b[0m`)
    if (process.stdin.isTTY && process.stdout.isTTY && !process.env.CI) {
      console.log('Serving until Ctrl-C.')
      await new Promise((resolvePromise) => process.once('SIGINT', resolvePromise))
    }
  } finally {
    await stop()
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`\n[demo] ${error?.message ?? error}`)
    process.exit(1)
  },
)

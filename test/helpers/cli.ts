/**
 * Run the built `cdn-deploy` bin as a user would (`node dist/cli/index.js …`)
 * in a clean environment: dummy credentials, no profile files, no CI variables
 * leaking in from the machine running the tests.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { createManifest } from '../../src/emit/manifest.js'

export const CLI = resolve(import.meta.dirname, '../../dist/cli/index.js')

/** Dummy credentials; the secret is distinctive so a test can assert it is never printed. */
export const DUMMY_KEY_ID = 'TESTKEYCDNDEPLOYCLI'
export const DUMMY_SECRET = 'cli-dummy-secret-7f3e9a2b4c'

export function assertBuilt(): void {
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} is missing: the CLI tests spawn the built bin. Run \`npm run build\` first (\`npm test\` does).`)
  }
}

/** s3rver verifies SigV4 signatures: register the dummy key pair with it. */
export function registerS3rverKey(): void {
  const require = createRequire(import.meta.url)
  const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account.js') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } }
  DUMMY_ACCOUNT.createKeyPair(DUMMY_KEY_ID, DUMMY_SECRET)
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Every output seen, for the "no secret ever printed" assertion. */
export const transcript: string[] = []

export function baseEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    AWS_ACCESS_KEY_ID: DUMMY_KEY_ID,
    AWS_SECRET_ACCESS_KEY: DUMMY_SECRET,
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-aws-credentials'),
    // The SDK's Node 20 notice is noise on every run.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  }
}

export function runCli(args: string[], options: { cwd: string; env: Record<string, string | undefined>; timeoutMs?: number }): Promise<CliResult> {
  assertBuilt()
  const env = Object.fromEntries(Object.entries(options.env).filter((e): e is [string, string] => e[1] !== undefined))
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: options.cwd, env, timeout: options.timeoutMs ?? 90_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
        transcript.push(stdout, stderr)
        resolvePromise({ code, stdout, stderr })
      },
    )
  })
}

/** Parse a command's --json stdout, with the output in the error when it is not JSON. */
export function parseJson<T = Record<string, unknown>>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`)
  }
}

/** `cdn.config.mjs` holding a plain object (a temp dir cannot import the package). */
export async function writeConfig(dir: string, config: unknown): Promise<void> {
  await writeFile(join(dir, 'cdn.config.mjs'), `export default ${JSON.stringify(config, null, 2)}\n`)
}

/** A small built site: hashed assets, HTML, a text file, a name that needs URL encoding. */
export const SITE: Record<string, string> = {
  'index.html':
    '<!doctype html><title>v1</title><script type="module" src="./assets/app-Bx7kQ2mZ.js"></script><link rel="stylesheet" href="./assets/style-9f8e7d6c.css">',
  'assets/app-Bx7kQ2mZ.js': 'console.log("app v1")\n',
  'assets/style-9f8e7d6c.css': 'body{color:#123}\n',
  'docs/index.html': '<!doctype html><title>docs</title>',
  'docs/read me.txt': 'hello from a file with a space\n',
  'robots.txt': 'User-agent: *\n',
}

/**
 * Write `files` into `dir`, plus a build manifest (the real writer) for
 * `publicBase` so SRI can be checked and the hashed files are known as such.
 */
export async function writeSite(dir: string, files: Record<string, string>, publicBase?: string): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true })
    await writeFile(join(dir, rel), text)
  }
  if (!publicBase) return
  const manifest = createManifest({
    files: Object.entries(files).map(([rel, text]) => ({ rel, bytes: text, immutable: rel.startsWith('assets/'), source: 'bundle' as const })),
    chunks: [],
    publicBase,
    cacheControl: [],
  })
  await mkdir(join(dir, '.vite'), { recursive: true })
  await writeFile(join(dir, '.vite/cdn-manifest.json'), JSON.stringify(manifest, null, 2))
}

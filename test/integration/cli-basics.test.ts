/**
 * The built `cdn-deploy` bin without a bucket: help and version, argument and
 * config errors (scoped, on stderr, exit 1, no stack trace unless --debug), and
 * the errors that come before any network call.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/build.js'
import { assertBuilt, baseEnv, DUMMY_SECRET, parseJson, runCli, SITE, transcript, writeConfig, writeSite } from '../helpers/cli.js'

const COMMANDS = ['plan', 'deploy', 'invalidate', 'status', 'verify', 'releases'] as const
const VERSION = (JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string }).version

let cwd: string
let env: Record<string, string>
const cli = (...args: string[]) => runCli(args, { cwd, env })

beforeAll(async () => {
  assertBuilt()
  cwd = await tempDir('cli-basics')
  env = baseEnv(cwd)
})

afterAll(() => {
  expect(transcript.join('\n')).not.toContain(DUMMY_SECRET)
})

describe('help and version', () => {
  it('lists every command', async () => {
    const r = await cli('--help')
    expect(r.code).toBe(0)
    for (const name of COMMANDS) expect(r.stdout).toContain(`cdn-deploy ${name} --help`)
    for (const flag of ['--config <file>', '--mode <env>', '--json', '--quiet', '--version']) expect(r.stdout).toContain(flag)
  })

  it.each(COMMANDS)('%s --help describes the command and the global flags', async (name) => {
    const r = await cli(name, '--help')
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout).toContain(`$ cdn-deploy ${name}`)
    for (const flag of ['--config <file>', '--mode <env>', '--json', '--quiet']) expect(r.stdout).toContain(flag)
  })

  it.each([
    ['plan', ['--repair', 'Exit code: 0 nothing would change, 2']],
    ['deploy', ['--dry-run', '--repair', '--report <file>']],
    ['invalidate', ['--all', '--wait']],
    ['status', ['--origin <url>']],
    ['verify', ['--manifest <file>', '--concurrency <n>']],
    ['releases', ['--limit <n>']],
  ] as const)('%s --help shows its own options', async (name, expected) => {
    const r = await cli(name, '--help')
    for (const text of expected) expect(r.stdout).toContain(text)
  })

  it.each([[['--version']], [['-v']], [['plan', '--version']]])('%j prints the version', async (args) => {
    const r = await cli(...args)
    expect(r.code).toBe(0)
    expect(r.stdout.trim()).toMatch(new RegExp(`^cdn-deploy/${VERSION.replace(/\./g, '\\.')} `))
    expect(r.stderr).toBe('')
  })

  it('prints the help without a command', async () => {
    const r = await cli()
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Usage:')
  })
})

describe('errors', () => {
  it.each([
    [['bogus'], 'unknown command "bogus"'],
    [['plan', '--bogus'], 'Unknown option `--bogus`'],
    [['invalidate'], 'nothing to invalidate: give paths relative to the public base'],
    [['invalidate', 'index.html', '--all'], 'give either paths or --all, not both'],
    [['releases', '--limit', 'many'], null],
  ] as const)('%j fails with a clear message', async (args, message) => {
    const r = await cli(...args)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^\[cdn-deploy\] /)
    if (message) expect(r.stderr).toContain(message)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('reports every config problem at once, without a stack trace', async () => {
    const r = await cli('plan')
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain('[cdn-deploy] [config]')
    expect(r.stderr).toContain('domain: required')
    expect(r.stderr).toContain('storage.bucket: required')
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('shows the stack with --debug', async () => {
    const r = await cli('plan', '--debug')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/CdnDeployError: \[cdn-deploy\] \[config\][\s\S]*\n\s+at /)
  })

  it('answers JSON on stdout with --json, even on an error', async () => {
    const r = await cli('releases', '--json')
    expect(r.code).toBe(1)
    const out = parseJson<{ ok: boolean; error: { scope: string; message: string } }>(r)
    expect(out).toMatchObject({ ok: false, error: { scope: 'config' } })
    expect(out.error.message).toContain('domain: required')
  })

  it('prints nothing but the error with --quiet', async () => {
    const r = await cli('plan', '--quiet')
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain('[cdn-deploy] [config]')
  })

  describe('with a config file', () => {
    let dir: string
    const inDir = (...args: string[]) => runCli(args, { cwd: dir, env })

    beforeAll(async () => {
      dir = await tempDir('cli-config')
      await writeConfig(dir, {
        domain: 'https://cdn.example.com',
        prefix: 'app/',
        storage: { bucket: 'never-contacted', endpoint: 'http://127.0.0.1:9', forcePathStyle: true },
        environments: { staging: { domain: 'https://cdn-staging.example.com' } },
      })
    })

    it.each([
      [['plan', '--mode', 'stagin'], {}],
      [['releases'], { CDN_ENV: 'prod' }],
    ])('rejects an unknown mode (%j %j)', async (args, extra) => {
      const r = await runCli(args, { cwd: dir, env: { ...env, ...extra } })
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/mode "(stagin|prod)" names no environment \(known: staging\)/)
    })

    it('says a missing output directory needs a build', async () => {
      const r = await inDir('plan', 'no-such-dist')
      expect(r.code).toBe(1)
      expect(r.stderr).toContain('[cdn-deploy] [scan] output directory no-such-dist cannot be read (did the build run?)')
    })

    it('refuses to invalidate with provider "none", saying what to set', async () => {
      const r = await inDir('invalidate', 'index.html')
      expect(r.code).toBe(1)
      expect(r.stderr).toContain('[cdn-deploy] [cli] provider is "none", so there is no CDN to invalidate')
      expect(r.stderr).toContain('distributionId')
    })

    it('reads --config from another path', async () => {
      const other = await tempDir('cli-elsewhere')
      await writeSite(other, SITE)
      const r = await runCli(['invalidate', '--all', '--config', join(dir, 'cdn.config.mjs')], { cwd: other, env })
      expect(r.code).toBe(1)
      expect(r.stderr).toContain('provider is "none"')
    })

    it('names a --config file that does not exist', async () => {
      const r = await inDir('status', '--config', 'missing.config.mjs')
      expect(r.code).toBe(1)
      expect(r.stderr).toContain('missing.config.mjs not found')
    })
  })
})

/**
 * The fault suite's world: one moto per test file, the site's builds on disk,
 * configs pointing at a fault proxy, and deploys run as child processes so
 * they can be killed with SIGKILL or paused with SIGSTOP like a real CI job:
 * the built CLI (`node dist/cli/index.js deploy <dir>`), or the built engine
 * (`deployWith` from dist/, in a child of its own) where a test needs a short
 * lock lifetime or short deadlines, which the CLI does not expose.
 *
 * After every step, `check` reads the bucket from moto directly and asserts
 * the invariants (invariants.ts); a failure names the seed, the step, the
 * problems, the children's output and the proxy's last requests.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { StorageFactoryOptions } from '../../src/storage/index.js'
import { assertBuilt, baseEnv, CLI } from '../helpers/cli.js'
import { startChaosProxy, type ChaosProxy } from '../helpers/fault-proxy.js'
import { startMoto, type S3TestServer } from '../helpers/s3-servers.js'
import { checkExact, checkSite, DOMAIN, snapshot, type SiteContext, type SiteState } from './invariants.js'
import { writeBuild, type Build } from './site.js'

/** The suite's seed: `FAULT_SEED=<n>` replays a run (the default keeps CI deterministic). */
export const SEED = Number.parseInt(process.env.FAULT_SEED ?? '', 10) || 1101

export const replay = (file: string): string => `seed ${SEED}; replay with FAULT_SEED=${SEED} npx vitest run test/fault/${file}`

const ENGINE = pathToFileURL(resolve(import.meta.dirname, '../../dist/deploy/lazy.js')).href

export interface RunResult {
  /** Exit code; null when killed by a signal. */
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** Spawn to exit. */
  ms: number
}

export interface Deploy {
  label: string
  build: Build
  pid: number
  done: Promise<RunResult>
  /** SIGKILL, and wait until the process is gone (reaped: its pid no longer runs). */
  kill(): Promise<RunResult>
  pause(): void
  resume(): void
  /** What it printed so far. */
  output(): string
}

export interface EngineOptions {
  lockTtlMs?: number
  storage?: Partial<StorageFactoryOptions>
}

/** A deploy as a child process: the CLI, or the built engine with options the CLI does not expose. */
function start(world: World, label: string, build: Build, config: string, engine?: EngineOptions): Deploy {
  const env = { ...baseEnv(world.root), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }
  const args = engine ? ['--input-type=module', '-e', ENGINE_SCRIPT] : [CLI, 'deploy', build.dir, '--config', config, '--commit', build.name]
  const options = JSON.stringify({ dir: build.dir, configFile: config, commit: build.name, ...engine })
  const started = Date.now()
  const child = spawn(process.execPath, args, {
    cwd: world.root,
    env: { ...env, FAULT_ENGINE: ENGINE, FAULT_OPTIONS: options },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()))
  // A deploy that never ends is a failure of its own: SIGKILL it after a minute (the test then fails on its result).
  const watchdog = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const done = new Promise<RunResult>((resolvePromise) => {
    child.once('exit', (code, signal) => {
      clearTimeout(watchdog)
      // 'exit' can come before the pipes drain: wait for them.
      let open = 2
      const close = () => --open === 0 && resolvePromise({ code, signal, stdout, stderr, ms: Date.now() - started })
      if (child.stdout.readableEnded) close()
      else child.stdout.once('end', close)
      if (child.stderr.readableEnded) close()
      else child.stderr.once('end', close)
    })
  })
  return {
    label,
    build,
    pid: child.pid!,
    done,
    kill: () => {
      child.kill('SIGKILL')
      return done
    },
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    output: () => `--- ${label} (${build.name}) stdout:\n${stdout}--- stderr:\n${stderr}`,
  }
}

/** The engine child: `deployWith` from dist/ with the test's lock lifetime and storage tuning. */
const ENGINE_SCRIPT = `
const { deployWith } = await import(process.env.FAULT_ENGINE)
const o = JSON.parse(process.env.FAULT_OPTIONS)
const say = (line) => process.stderr.write(line + '\\n')
try {
  const report = await deployWith(
    { dir: o.dir, configFile: o.configFile, root: process.cwd(), commit: o.commit, ...(o.lockTtlMs ? { lockTtlMs: o.lockTtlMs } : {}), reporter: { warn: (w) => say('[cdn-deploy] warning: ' + w), step: (s) => say('[cdn-deploy] ' + s) } },
    { storage: o.storage ?? {} },
  )
  process.stdout.write('deployed release ' + report.release + (report.committed ? '' : ' (no change)') + '\\n')
} catch (error) {
  say(String(error && error.message || error))
  process.exitCode = 1
}
`

export interface World {
  server: S3TestServer
  root: string
  /** Builds written so far, by name. */
  builds: Map<string, Build>
  build(v: number): Promise<Build>
  /** A config file for `prefix` whose storage endpoint is `endpoint` (a proxy, or moto itself). */
  config(prefix: string, endpoint: string, overrides?: { concurrency?: number }): Promise<string>
  proxy(): Promise<ChaosProxy>
  cli(label: string, build: Build, config: string): Deploy
  engine(label: string, build: Build, config: string, options: EngineOptions): Deploy
  /** Assert the invariants for `prefix`; throws with everything needed to replay. */
  check(prefix: string, step: string, ctx: Omit<SiteContext, 'builds'>, more?: string): Promise<SiteState>
  /** The invariants, and the site is `build` exactly (after a clean successful run). */
  checkExact(prefix: string, step: string, build: Build, more?: string): Promise<void>
  /** The pid in the lock object under `prefix`, if one is there. */
  lockHolder(prefix: string): Promise<number | undefined>
  stop(): Promise<void>
}

export class InvariantError extends Error {}

export async function startWorld(file: string): Promise<World> {
  assertBuilt()
  const server = await startMoto('fault-suite')
  const root = await mkdtemp(join(tmpdir(), 'cdn-fault-'))
  const proxies: ChaosProxy[] = []
  const builds = new Map<string, Build>()
  let configs = 0
  const fail = (step: string, problems: string[], more = ''): never => {
    throw new InvariantError(`${step}: ${problems.length} invariant(s) broken (${replay(file)})\n  - ${problems.join('\n  - ')}\n${more}`)
  }
  const world: World = {
    server,
    root,
    builds,
    build: async (v) => {
      const existing = builds.get(`v${v}`)
      if (existing) return existing
      const b = await writeBuild(root, v)
      builds.set(b.name, b)
      return b
    },
    config: async (prefix, endpoint, overrides = {}) => {
      const path = join(root, `cdn.config.${++configs}.mjs`)
      const config = {
        domain: DOMAIN,
        prefix,
        storage: { bucket: server.bucket, endpoint, forcePathStyle: true, region: 'us-east-1' },
        // Files dropped from a build are kept for one later release only: the suite's
        // deploys prune, so a stalled or killed deploy meets files going away.
        retain: { releases: 1, days: 0 },
        concurrency: 4,
        ...overrides,
      }
      await writeFile(path, `export default ${JSON.stringify(config, null, 2)}\n`)
      return path
    },
    proxy: async () => {
      const p = await startChaosProxy(server.endpoint, server.bucket)
      proxies.push(p)
      return p
    },
    cli: (label, build, config) => start(world, label, build, config),
    engine: (label, build, config, options) => start(world, label, build, config, options),
    check: async (prefix, step, ctx, more) => {
      const snap = await snapshot(server.client, server.bucket, prefix)
      const state = checkSite(snap, { ...ctx, builds })
      if (state.problems.length) fail(step, state.problems, more)
      return state
    },
    checkExact: async (prefix, step, build, more) => {
      const snap = await snapshot(server.client, server.bucket, prefix)
      const problems = [...checkSite(snap, { builds, live: build.name, ended: 'settled' }).problems, ...checkExact(snap, build)]
      if (problems.length) fail(step, problems, more)
    },
    lockHolder: async (prefix) => {
      const snap = await snapshot(server.client, server.bucket, `${prefix}.cdn-deploy/lock`)
      const lock = snap.objects.get(`${prefix}.cdn-deploy/lock`)
      return lock ? (JSON.parse(lock.text) as { pid: number }).pid : undefined
    },
    stop: async () => {
      await Promise.all(proxies.map((p) => p.stop()))
      await server.stop()
      await rm(root, { recursive: true, force: true })
    },
  }
  return world
}

/** A child's output and a proxy's last requests, for a failure message. */
export function context(deploys: ReadonlyArray<Deploy | undefined>, proxy?: ChaosProxy, results?: ReadonlyArray<RunResult | undefined>): string {
  const parts = deploys.map((d, i) => {
    if (!d) return ''
    const r = results?.[i]
    return r ? `--- ${d.label} (${d.build.name}) exit ${r.code ?? r.signal} in ${r.ms} ms\nstdout:\n${r.stdout}stderr:\n${r.stderr}` : d.output()
  })
  return [...parts, proxy ? `--- proxy, last requests:\n${proxy.tail()}` : ''].filter(Boolean).join('\n')
}

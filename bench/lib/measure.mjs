/**
 * Running one tool as a child process and measuring it from outside: wall time
 * here, user+sys CPU and peak RSS from GNU time (`/usr/bin/time`), written to a
 * file so the tool's own stderr stays separate. Every child gets its own process
 * group, so an interrupted bench can end it and whatever it started.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'

const GNU_TIME = '/usr/bin/time'
export const hasGnuTime = existsSync(GNU_TIME)

/** Children running now (process group ids), for the Ctrl-C handler. */
export const running = new Set()

export function killRunning() {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {}
  }
  running.clear()
}

/**
 * The environment every tool runs with: this one minus anything AWS- or
 * proxy-related (a CA bundle or profile here must not leak in), plus dummy
 * credentials and no config files, so nothing can reach a real account.
 */
export function toolEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^AWS_|_PROXY$|^RCLONE_/i.test(k)))
  return {
    ...env,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    NO_PROXY: '127.0.0.1,localhost',
    ...extra,
  }
}

/**
 * Run `cmd args` and wait for it. Resolves with wall/CPU/RSS and output; a
 * non-zero exit or a timeout rejects with the tool's last output.
 */
export async function runTool({ cmd, args, env = toolEnv(), cwd, tmp, timeoutMs = 600_000, label = cmd }) {
  const timeFile = join(tmp, `time-${process.pid}-${Math.random().toString(36).slice(2)}.txt`)
  const [file, argv] = hasGnuTime ? [GNU_TIME, ['-f', '%e %U %S %M', '-o', timeFile, cmd, ...args]] : [cmd, args]
  const started = performance.now()
  const child = spawn(file, argv, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  running.add(child.pid)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-20_000)))
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {}
  }, timeoutMs)
  const code = await new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (c, signal) => resolve(c ?? signal))
  }).finally(() => {
    clearTimeout(timer)
    running.delete(child.pid)
  })
  const wallMs = performance.now() - started
  let userMs, sysMs, maxRss
  if (hasGnuTime) {
    const text = await readFile(timeFile, 'utf8').catch(() => '')
    await rm(timeFile, { force: true })
    const m = /([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(text.trim())
    if (m) [userMs, sysMs, maxRss] = [Number(m[2]) * 1000, Number(m[3]) * 1000, Number(m[4]) * 1024]
  }
  if (code !== 0) {
    throw new Error(`${label} exited with ${code} after ${Math.round(wallMs)} ms:\n${stderr.slice(-2000)}\n${stdout.slice(-1000)}`)
  }
  let json
  const last = stdout.trim().split('\n').pop()
  if (last?.startsWith('{'))
    try {
      json = JSON.parse(last)
    } catch {}
  // Without GNU time, the Node tools report their own peak RSS.
  maxRss ??= json?.maxRSS
  return { wallMs, userMs, sysMs, cpuMs: userMs === undefined ? undefined : userMs + sysMs, maxRss, stdout, stderr, json }
}

export async function commandExists(cmd, args = ['--version']) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: toolEnv() })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.once('error', () => resolve(undefined))
    child.once('close', (code) => resolve(code === 0 ? out.trim().split('\n')[0] : undefined))
  })
}

export function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return undefined
  const mid = v.length >> 1
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}

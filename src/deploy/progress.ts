/**
 * Progress of a deploy. The engine emits events to a `DeployReporter`; it never
 * prints. The console reporter (used by the plugin and the CLI) redraws one live
 * line in a terminal and writes plain periodic lines elsewhere (CI logs keep
 * every line, so a redrawn line would flood them).
 */
import type { DeployPlan, PlannedUpload } from '../plan/types.js'
import { printable } from '../printable.js'
import { redact } from '../secrets.js'

export interface DeployReporter {
  /** The plan is known; uploads are about to start. */
  start?(plan: DeployPlan): void
  /** A step of the ordered execution begins (e.g. "immutable files"). */
  step?(name: string): void
  /** Bytes sent (called as parts/streams progress, may be called many times per file). */
  bytes?(count: number): void
  /** A file is fully uploaded. */
  uploaded?(upload: PlannedUpload): void
  info?(message: string): void
  warn?(message: string): void
}

export const silentReporter: DeployReporter = {}

/** Vite's log levels: `info` prints progress, `warn` only warnings, `error` and `silent` nothing. */
export type ReporterLevel = 'info' | 'warn' | 'error' | 'silent'

export interface ConsoleReporterOptions {
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }
  /** What to print, as Vite's `logLevel` says it (the plugin passes the build's). @default 'info' */
  level?: ReporterLevel
  /** Force live redraws on or off. @default stream.isTTY && !process.env.CI */
  live?: boolean
  /** Seconds between plain lines when not live. @default 5 */
  interval?: number
  now?: () => number
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) [value, unit] = [value / 1024, unit + 1]
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  const s = ms / 1000
  return s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${Math.round(s % 60)}s`
}

export function createConsoleReporter(options: ConsoleReporterOptions = {}): DeployReporter {
  const level = options.level ?? 'info'
  if (level === 'silent' || level === 'error') return silentReporter
  const stream = options.stream ?? process.stderr
  const live = options.live ?? (!!stream.isTTY && !process.env.CI)
  const now = options.now ?? Date.now
  const interval = (options.interval ?? 5) * 1000
  let totalFiles = 0
  let totalBytes = 0
  let files = 0
  let sent = 0
  let started = now()
  let lastLine = 0
  let drawn = false

  const line = (): string => {
    const elapsed = Math.max(now() - started, 1)
    const rate = (sent / elapsed) * 1000
    const eta = rate > 0 && totalBytes > sent ? ` · ETA ${formatDuration(((totalBytes - sent) / rate) * 1000)}` : ''
    return `[cdn-deploy] ${files}/${totalFiles} files · ${formatBytes(sent)}/${formatBytes(totalBytes)} · ${formatBytes(rate)}/s${eta}`
  }
  const render = (force = false): void => {
    if (totalFiles === 0) return
    if (live) {
      const text = line().slice(0, Math.max((stream.columns ?? 120) - 1, 20))
      stream.write(`\r\x1b[2K${text}`)
      drawn = true
    } else if (force || now() - lastLine >= interval) {
      lastLine = now()
      stream.write(`${line()}\n`)
    }
  }
  const print = (message: string): void => {
    if (drawn) stream.write('\r\x1b[2K')
    drawn = false
    stream.write(`${printable(redact(message))}\n`)
  }

  const warn = (message: string) => print(`[cdn-deploy] warning: ${message}`)
  if (level === 'warn') return { warn }
  return {
    start(plan) {
      totalFiles = plan.stats.uploadCount
      totalBytes = plan.stats.uploadBytes
      started = lastLine = now()
    },
    step: (name) => print(`[cdn-deploy] ${name}`),
    bytes(count) {
      sent += count
      render()
    },
    uploaded() {
      files++
      render(files === totalFiles)
      if (files === totalFiles && drawn) {
        // Keep the last live line on screen rather than erase it.
        stream.write('\n')
        drawn = false
      }
    },
    info: print,
    warn,
  }
}

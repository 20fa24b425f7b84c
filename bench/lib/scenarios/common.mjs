/**
 * What the scenarios share: the latency knobs, the titles, the rotation of
 * tools, warming the page cache, the profiled run and per-file figures.
 */
import { readFileSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'

export const MiB = 1024 * 1024

/**
 * The latency scenarios' knobs: BENCH_LATENCY_MS (per request, default 30),
 * BENCH_LATENCY_FILES (the site of `latency`, default 10,000), BENCH_HUGE_FILES
 * (the site of `huge`, default 100,000).
 */
export const LATENCY = {
  ms: Math.max(0, Number(process.env.BENCH_LATENCY_MS ?? 30)),
  files: Math.max(20, Number(process.env.BENCH_LATENCY_FILES ?? 10_000)),
  hugeFiles: Math.max(20, Number(process.env.BENCH_HUGE_FILES ?? 100_000)),
}
export const rotate = (list, by) => list.map((_, i) => list[(i + by) % list.length])
export const present = (ctx, names) => names.filter((n) => ctx.tools[n.split('@')[0]])
/** BENCH_BASE: the other checkout's build runs next to ours wherever ours does. */
export const withBase = (ctx, names) => (ctx.tools.base && !names.includes('base') ? [...names, 'base'] : names)

export const TITLES = {
  build: 'build overhead: Vite app, 1,000 modules + 300 assets',
  first: 'first deploy: 2,000 files, 45 MB',
  setup: 'setup: our first deploy of 10,000 files',
  noop: 'no-op redeploy: 10,000 files',
  changed: 'one file changed among 10,000',
  big: 'large file: 1 GiB',
  startup: 'CLI start-up: no-op `cdn-deploy deploy` of 2,000 files, whole process',
  latency: `latency: ${LATENCY.files.toLocaleString('en-US')} files × ~10 KiB, ${LATENCY.ms} ms per request`,
  throttle: `throttled: the latency endpoint answering 503 SlowDown past ${process.env.BENCH_THROTTLE_INFLIGHT ?? 64} requests in flight`,
  'huge-first': `huge site: ours' first deploy of ${LATENCY.hugeFiles.toLocaleString('en-US')} files × ~10 KiB, ${LATENCY.ms} ms per request`,
  'huge-noop': `huge site: ours' no-op redeploy of ${LATENCY.hugeFiles.toLocaleString('en-US')} files`,
  frameworks: 'framework build overhead: test/fixtures/frameworks, plugin (CDN_DEPLOY=0) vs none',
}

/**
 * Read every file once before a run, so each tool starts with the page cache a
 * deploy right after a build has. rclone's local backend drops the pages of the
 * files it read (fadvise DONTNEED), which left the next tool in the rotation
 * reading the whole site from disk (ours' no-op: 1.1 s right after the setup,
 * 2.0 s right after rclone).
 */
export async function warm(dir) {
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) readFileSync(join(entry.parentPath, entry.name))
  }
}

/** BENCH_PROFILE=1: one extra run of ours under `node --cpu-prof`, summarized (not in the medians). */
export async function profileOurs(ctx, scenario, target, files) {
  const profDir = join(ctx.tmp, `profile-${scenario}`)
  const run = await ctx.run(`${scenario}-profiled`, 'ours', { ...target, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] }, 0)
  const { summarize } = await import('../profile-summary.mjs')
  // (native) frames such as `writev` are wall samples of the main thread, not CPU: on a loaded
  // machine they include time descheduled in the syscall (compare GNU time's user/sys of the run).
  for (const f of await readdir(profDir)) ctx.log(`CPU profile of ours, ${scenario}:\n${summarize(join(profDir, f), 30, [0, Infinity], files ?? 0)}`)
  if (files) perFile(run, files)
}

/** Client CPU per file (ms) and files per second of a latency run. */
export function perFile(run, files) {
  run.files = files
  if (run.cpuMs !== undefined) run.cpuPerFileMs = run.cpuMs / files
  run.filesPerS = files / (run.wallMs / 1000)
  return run
}

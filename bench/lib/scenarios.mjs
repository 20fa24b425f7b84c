/**
 * The five scenarios of issue 6 and their targets. Each `run(ctx)` generates
 * its inputs (seeded), then runs the tools in an order rotated every
 * repetition, so drift of the shared machine spreads over all of them.
 */
import { readFileSync } from 'node:fs'
import { readdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { fakeHash, fillBytes, htmlFor, mulberry32, planTree, writeBigFile, writeTree } from './gen.mjs'
import { fmtMB, fmtMs, fmtN, metricRows, stat, byTool } from './report.mjs'
import { label } from './tools.mjs'
import { writeViteApp } from './vite-app.mjs'

const MiB = 1024 * 1024
const rotate = (list, by) => list.map((_, i) => list[(i + by) % list.length])
const present = (ctx, names) => names.filter((n) => ctx.tools[n.split('@')[0]])

export const TITLES = {
  build: 'build overhead: Vite app, 1,000 modules + 300 assets',
  first: 'first deploy: 2,000 files, 45 MB',
  setup: 'setup: our first deploy of 10,000 files',
  noop: 'no-op redeploy: 10,000 files',
  changed: 'one file changed among 10,000',
  big: 'large file: 1 GiB',
}

/**
 * Read every file once before a run, so each tool starts with the page cache a
 * deploy right after a build has. rclone's local backend drops the pages of the
 * files it read (fadvise DONTNEED), which left the next tool in the rotation
 * reading the whole site from disk (ours' no-op: 1.1 s right after the setup,
 * 2.0 s right after rclone).
 */
async function warm(dir) {
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) readFileSync(join(entry.parentPath, entry.name))
  }
}

/** BENCH_PROFILE=1: one extra run of ours under `node --cpu-prof`, summarized (not in the medians). */
async function profileOurs(ctx, scenario, target) {
  const profDir = join(ctx.tmp, `profile-${scenario}`)
  await ctx.run(`${scenario}-profiled`, 'ours', { ...target, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] }, 0)
  const { summarize } = await import('./profile-summary.mjs')
  const { readdir } = await import('node:fs/promises')
  for (const f of await readdir(profDir)) ctx.log(`CPU profile of ours, ${scenario}:\n${summarize(join(profDir, f), 30)}`)
}

/** The 10,000-file site shared by `noop` and `changed` (set up once). */
async function site10k(ctx) {
  if (ctx.site) return ctx.site
  const dir = join(ctx.tmp, 'site10k')
  const files = planTree({ seed: 10_000, count: 10_000, totalBytes: 20e6 })
  const info = await writeTree(dir, files)
  const index = files.find((f) => f.rel === 'index.html')
  ctx.log(`generated ${info.files} files, ${(info.bytes / 1e6).toFixed(1)} MB in ${dir}; deploying them once with ours (setup)`)
  await ctx.moto.reset()
  await ctx.moto.createBucket('bench-site')
  await ctx.run('setup', 'ours', { bucket: 'bench-site', prefix: '', dir }, 0)
  const slot = files.find((f) => f.rel === info.firstJs)
  ctx.site = { dir, bucket: 'bench-site', slot: { rel: slot.rel, size: slot.size, seed: slot.seed }, index: { size: index.size } }
  return ctx.site
}

/**
 * One rebuild with one module changed: the module's hashed file gets a new name
 * and bytes (the old one disappears from the output, as in a real build), and
 * index.html, which references it, is rewritten. Nothing else is touched.
 */
async function applyChange(site, k) {
  const rand = mulberry32(0xc0ffee + k)
  const dir = dirname(site.slot.rel)
  const base = site.slot.rel.slice(dir.length + 1).split('-')[0]
  const rel = `${dir}/${base}-${fakeHash(rand)}.js`
  await rm(join(site.dir, site.slot.rel), { force: true })
  await writeFile(join(site.dir, rel), fillBytes(Buffer.allocUnsafe(site.slot.size), site.slot.seed + k, true))
  await writeFile(join(site.dir, 'index.html'), htmlFor(rel, site.index.size, site.slot.seed + k))
  site.slot.rel = rel
  return rel
}

export const SCENARIOS = {
  build: {
    title: TITLES.build,
    async run(ctx) {
      const app = join(ctx.tmp, 'vite-app')
      const info = await writeViteApp(app, { seed: 5, modules: 1000, assets: 300 })
      ctx.log(`generated a Vite app: ${info.js} JS + ${info.css} CSS modules, ${info.assets} assets, ${info.routes} lazy routes`)
      const script = fileURLToPath(new URL('../tools/vite-build.mjs', import.meta.url))
      const spec = (plugin, phases = false, control = false) => ({ cmd: process.execPath, args: [script, JSON.stringify({ root: app, outDir: join(ctx.tmp, 'vite-out'), plugin, phases, control })] })
      const specFor = (tool) => (tool === 'vite+cdn' ? spec(true) : tool === 'vite+hooks' ? spec(false, false, true) : spec(false))
      // One untimed warm-up of each, so both timed series read from a warm page cache.
      await ctx.run('build-warmup', 'vite', spec(false), 0)
      await ctx.run('build-warmup', 'vite+cdn', spec(true), 0)
      const reps = Math.max(ctx.options.reps, 7) // builds are short: more runs for a steadier median (they move ±100 ms)
      for (let r = 0; r < reps; r++) {
        for (const tool of rotate(['vite', 'vite+cdn', 'vite+hooks'], r)) await ctx.run('build', tool, specFor(tool), r)
      }
      // Separate run with the hooks and digests timed (the wrappers cost a little).
      await ctx.run('build-phases', 'vite+cdn', spec(true, true), 0)
      ctx.runs.splice(0, ctx.runs.length, ...ctx.runs.filter((x) => x.scenario !== 'build-warmup'))
    },
  },

  first: {
    title: TITLES.first,
    async run(ctx) {
      const dir = join(ctx.tmp, 'site2k')
      const info = await writeTree(dir, planTree({ seed: 2_000, count: 2_000, totalBytes: 45e6 }))
      ctx.log(`generated ${info.files} files, ${(info.bytes / 1e6).toFixed(1)} MB`)
      const tools = present(ctx, ctx.options.firstTools)
      for (let r = 0; r < ctx.options.reps; r++) {
        for (const tool of rotate(tools, r)) {
          // A fresh server state per run: every run is a real first deploy.
          await ctx.moto.reset()
          await ctx.moto.createBucket('bench-first')
          await warm(dir)
          await ctx.run('first', tool, { bucket: 'bench-first', prefix: '', dir }, r)
        }
      }
      if (ctx.options.profile) {
        await ctx.moto.reset()
        await ctx.moto.createBucket('bench-first')
        await warm(dir)
        await profileOurs(ctx, 'first', { bucket: 'bench-first', prefix: '', dir })
      }
      await rm(dir, { recursive: true, force: true })
    },
  },

  noop: {
    title: TITLES.noop,
    async run(ctx) {
      const site = await site10k(ctx)
      const tools = present(ctx, ['ours', 'aws', 's3sync', 'rclone'])
      for (let r = 0; r < ctx.options.reps; r++) {
        for (const tool of rotate(tools, r)) {
          await warm(site.dir)
          await ctx.run('noop', tool, { bucket: site.bucket, prefix: '', dir: site.dir }, r)
        }
      }
      if (ctx.options.profile) {
        await warm(site.dir)
        await profileOurs(ctx, 'noop', { bucket: site.bucket, prefix: '', dir: site.dir })
      }
    },
  },

  changed: {
    title: TITLES.changed,
    async run(ctx) {
      const site = await site10k(ctx)
      const tools = present(ctx, ['ours', 'aws', 's3sync', 'rclone'])
      let k = 0
      for (let r = 0; r < ctx.options.reps; r++) {
        for (const tool of rotate(tools, r)) {
          const rel = await applyChange(site, ++k)
          await warm(site.dir)
          const run = await ctx.run('changed', tool, { bucket: site.bucket, prefix: '', dir: site.dir }, r)
          run.changed = rel
        }
      }
    },
  },

  big: {
    title: TITLES.big,
    async run(ctx) {
      const dir = join(ctx.tmp, 'big')
      await writeBigFile(join(dir, 'media/video-4f3a9c2e.bin'), 1024 * MiB, 1_073_741_824)
      const tools = present(ctx, ctx.options.bigTools)
      for (let r = 0; r < ctx.options.bigReps; r++) {
        for (const tool of rotate(tools, r)) {
          await ctx.moto.reset()
          await ctx.moto.createBucket('bench-big')
          await ctx.run('big', tool, { bucket: 'bench-big', prefix: '', dir }, r)
        }
      }
      await ctx.moto.reset()
      await rm(dir, { recursive: true, force: true })
    },
  },
}

/** The table of the issue: every metric with its target. */
export function targetRows(runs) {
  const L = label
  const rows = []
  const add = (o) => rows.push(...metricRows({ runs, labels: L, ...o }))
  add({ scenario: 'first', title: `${TITLES.first} — wall`, field: 'wallMs', fmt: fmtMs, targets: { aws: 0.7, raw: 1.25 } })
  add({ scenario: 'first', title: `${TITLES.first} — client CPU (user+sys)`, field: 'cpuMs', fmt: fmtMs, targets: { aws: 0.3 } })
  add({ scenario: 'noop', title: `${TITLES.noop} — wall`, field: 'wallMs', fmt: fmtMs, targets: { aws: 0.3 } })
  add({ scenario: 'noop', title: `${TITLES.noop} — S3 requests (server log)`, field: 'requests', fmt: fmtN, how: 'max', absolute: { max: 5, label: '5 requests' } })
  add({ scenario: 'changed', title: `${TITLES.changed} — S3 requests (server log)`, field: 'requests', fmt: fmtN, how: 'max', absolute: { max: 10, label: '10 requests' } })
  add({ scenario: 'changed', title: `${TITLES.changed} — objects uploaded`, field: 'objectPuts', fmt: fmtN, how: 'max', absolute: { max: 2, label: '2 (the file + its HTML; ledger not counted)' } })
  add({ scenario: 'changed', title: `${TITLES.changed} — wall`, field: 'wallMs', fmt: fmtMs })
  add({ scenario: 'big', title: `${TITLES.big} — wall`, field: 'wallMs', fmt: fmtMs, targets: { raw: 1.5 } })
  add({ scenario: 'big', title: `${TITLES.big} — peak RSS`, field: 'maxRss', fmt: fmtMB, how: 'max', absolute: { max: 200 * MiB, label: '200 MB' } })
  add({ scenario: 'build', title: `${TITLES.build} — process wall`, field: 'wallMs', fmt: fmtMs, ours: 'vite+cdn', targets: { vite: 1.05 } })
  // The same builds, only Vite's build() call (module loading excluded).
  const buildCall = runs.filter((r) => r.scenario === 'build').map((r) => ({ ...r, scenario: 'build-call', wallMs: r.json?.buildMs }))
  rows.push(...metricRows({ runs: buildCall, labels: L, scenario: 'build-call', title: `${TITLES.build} — build() call only`, field: 'wallMs', fmt: fmtMs, ours: 'vite+cdn' }))
  const loads = runs.filter((r) => r.scenario === 'build').map((r) => ({ ...r, scenario: 'build-load', wallMs: r.json?.loadMs }))
  rows.push(...metricRows({ runs: loads, labels: L, scenario: 'build-load', title: `${TITLES.build} — module loading (vite + plugin import)`, field: 'wallMs', fmt: fmtMs, ours: 'vite+cdn' }))
  const setup = runs.filter((r) => r.scenario === 'setup')
  if (setup.length) rows.push({ scenario: TITLES.setup, tool: L('ours'), value: fmtMs(setup[0].wallMs), ratio: '', target: `(${setup[0].requests} requests; info only)`, met: '' })
  return rows
}

/** Where ours' wall time goes, from the child's own step marks, and the plugin's hook times. */
export function phaseTable(runs) {
  const lines = ['| scenario | node + dist import | scan, ledger, lock, plan | uploads | commit, unlock | total (in process) |', '|---|---:|---:|---:|---:|---:|']
  for (const scenario of ['first', 'setup', 'noop', 'changed', 'big']) {
    const list = byTool(runs, scenario).get('ours')
    if (!list) continue
    const parts = list.map(({ json }) => {
      const m = json?.marks
      if (!m) return undefined
      const commit = m.steps.find(([, name]) => name.startsWith('committing'))?.[0]
      const planned = m.planned || m.done
      return { imp: m.imported, prep: planned - m.imported, up: commit ? commit - planned : 0, commit: commit ? m.done - commit : 0, total: m.done }
    }).filter(Boolean)
    const med = (k) => fmtN(stat(parts, k))
    lines.push(`| ${TITLES[scenario]} | ${med('imp')} | ${med('prep')} | ${med('up')} | ${med('commit')} | ${med('total')} |`)
  }
  const raw = byTool(runs, 'big').get('raw')?.filter((r) => r.json?.completeMs !== undefined)
  if (raw?.length) {
    lines.push('', `1 GiB, raw PUT floor: CompleteMultipartUpload alone took ${fmtMs(stat(raw.map((r) => r.json), 'completeMs'))} of ${fmtMs(stat(raw.map((r) => r.json), 'ms'))} (median): moto assembles the parts and checksums the whole object in Python at Complete, the same for every client that declares no checksum algorithm.`)
  }
  const phased = runs.find((r) => r.scenario === 'build-phases')?.json
  if (phased) {
    const hooks = Object.entries(phased.hooks).sort((a, b) => b[1].ms - a[1].ms).map(([k, v]) => `${k} ${v.ms.toFixed(1)} ms${v.calls > 1 ? ` (${v.calls} calls)` : ''}`).join(', ')
    const d = phased.digests
    lines.push('', `Plugin phases in one build of the generated app (a separate, instrumented run): module loading ${Math.round(phased.loadMs)} ms (Vite + the plugin's imports); build() ${Math.round(phased.buildMs)} ms; hooks: ${hooks}.`,
      `Inside those hooks: content hashes (sha256) ${d.sha256.ms.toFixed(1)} ms over ${d.sha256.calls} files, SRI (sha384) ${d.sha384.ms.toFixed(1)} ms over ${d.sha384.calls} files; the rest of \`cdn:build:writeBundle\` is the manifest (describe the bundle, build and write the JSON).`)
  }
  return lines.join('\n')
}

#!/usr/bin/env node
/**
 * `npm run bench`: our deploy side by side with the tools users would pick
 * instead, on one moto_server (loopback, free port), the same seeded inputs, in
 * one run, the tools alternating, medians of several repetitions. See
 * bench/RESULTS.md for what each scenario measures and the last full run.
 *
 * Environment knobs:
 * - BENCH_REPS (default 3), BENCH_BIG_REPS (default 2);
 * - BENCH_ONLY=build,first,noop,changed,big,startup,latency,throttle,frameworks (the default set),
 *   or a subset, or `huge` (not in the default set: it takes long): RESULTS.md is then left alone;
 * - latency (issue 15, against bench/lib/latency-s3.mjs): BENCH_LATENCY_MS (default 30),
 *   BENCH_LATENCY_FILES (default 10000), BENCH_LATENCY_REPS (default BENCH_REPS),
 *   BENCH_LATENCY_TOOLS (default ours,aws,s3sync,rclone,raw@16,raw@64,raw@128,raw@256);
 * - throttle (issue 15, the latency endpoint answering 503 SlowDown past BENCH_THROTTLE_INFLIGHT,
 *   default 64, requests in flight): ours (its flow) and ours-fixed (the same at a fixed concurrency);
 * - huge (issue 15, ours only): BENCH_HUGE_FILES (default 100000), BENCH_HUGE_REPS (default 1);
 * - frameworks (issue 10): BENCH_FW (default vitepress,sveltekit,react-router,astro,nuxt),
 *   BENCH_FW_REPS (default 5 builds of each variant);
 * - BENCH_BASE=<another checkout, built>: its deploy (tool `base`) runs next to ours in first,
 *   noop, changed and latency (and wherever BENCH_*_TOOLS name it), to compare two versions;
 * - BENCH_FIRST_TOOLS (default ours,raw,aws,s3sync,rclone; `raw-signed` adds the raw
 *   client signing and streaming; `ours@8` runs ours at concurrency 8);
 * - BENCH_BIG_TOOLS (default ours,raw; add aws,s3sync,rclone);
 * - BENCH_PROFILE=1: one extra `--cpu-prof` run of ours in first, noop, latency and huge, summarized;
 * - BENCH_NODE_FLAGS: Node options for ours' process (`--max-old-space-size=160`: a capped heap);
 * - BENCH_WRITE=0: do not update bench/RESULTS.md; BENCH_KEEP=1: keep the temp dir.
 */
import { cpus, freemem, loadavg, totalmem, tmpdir } from 'node:os'
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { killRunning, runTool, toolEnv } from './lib/measure.mjs'
import { startLatencyS3 } from './lib/latency-s3.mjs'
import { startMoto } from './lib/moto.mjs'
import { detailsTable, markdownTable } from './lib/report.mjs'
import { availableTools, label, TOOLS } from './lib/tools.mjs'
import { frameworksTable, LATENCY, latencyTable, SCENARIOS, targetRows, phaseTable } from './lib/scenarios.mjs'

const env = process.env
const list = (value) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
const options = {
  reps: Math.max(1, Number(env.BENCH_REPS ?? 3)),
  bigReps: Math.max(1, Number(env.BENCH_BIG_REPS ?? 2)),
  only: list(env.BENCH_ONLY ?? 'build,first,noop,changed,big,startup,latency,throttle,frameworks'),
  bigTools: (env.BENCH_BIG_TOOLS ?? 'ours,raw').split(','),
  firstTools: (env.BENCH_FIRST_TOOLS ?? 'ours,raw,aws,s3sync,rclone').split(','),
  latencyTools: list(env.BENCH_LATENCY_TOOLS ?? 'ours,aws,s3sync,rclone,raw@16,raw@64,raw@128,raw@256'),
  throttleInflight: Math.max(1, Number(env.BENCH_THROTTLE_INFLIGHT ?? 64)),
  latencyReps: Math.max(1, Number(env.BENCH_LATENCY_REPS ?? env.BENCH_REPS ?? 3)),
  hugeReps: Math.max(1, Number(env.BENCH_HUGE_REPS ?? 1)),
  frameworks: list(env.BENCH_FW ?? 'vitepress,sveltekit,react-router,astro,nuxt'),
  fwReps: Math.max(1, Number(env.BENCH_FW_REPS ?? 5)),
  profile: env.BENCH_PROFILE === '1',
}
/** The scenarios that run against moto (the others need none). */
const MOTO_SCENARIOS = new Set(['first', 'noop', 'changed', 'big', 'startup'])
/** Knobs that do not change what a run measures: any other BENCH_* keeps RESULTS.md as it is. */
const NEUTRAL_KNOBS = new Set(['BENCH_WRITE', 'BENCH_KEEP', 'BENCH_PROFILE', 'BENCH_TRACE'])
const log = (line) => process.stderr.write(`[bench] ${line}\n`)
const started = Date.now()
const root = fileURLToPath(new URL('..', import.meta.url))

let moto
let latencyS3
let tmp
let cleaning = false
async function cleanup() {
  if (cleaning) return
  cleaning = true
  killRunning()
  await moto?.stop().catch(() => moto.kill())
  await latencyS3?.stop().catch(() => latencyS3.kill())
  if (tmp && env.BENCH_KEEP !== '1') await rm(tmp, { recursive: true, force: true }).catch(() => {})
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    log(`${signal}: stopping children and moto, removing ${tmp ?? 'nothing'}`)
    cleanup().finally(() => process.exit(130))
  })
}
process.once('exit', () => {
  killRunning()
  moto?.kill()
  latencyS3?.kill()
})

const machine = {
  date: new Date().toISOString(),
  nproc: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  memGiB: (totalmem() / 2 ** 30).toFixed(1),
  freeGiB: (freemem() / 2 ** 30).toFixed(1),
  node: process.version,
  loadBefore: loadavg()
    .map((x) => x.toFixed(2))
    .join(' '),
}

try {
  tmp = await mkdtemp(join(tmpdir(), 'cdn-deploy-bench-'))
  const tools = await availableTools(log)
  const { 'raw-signed': _same, 'ours-fixed': _fixed, ...versions } = tools
  versions.moto = (await runTool({ cmd: 'python3', args: ['-c', 'import moto; print(moto.__version__)'], tmp }).catch(() => ({ stdout: '?' }))).stdout.trim()
  if (versions.s3sync) versions.s3sync = JSON.parse(await readFile(join(root, 'node_modules/s3-sync-client/package.json'), 'utf8')).version
  versions.vite = JSON.parse(await readFile(join(root, 'node_modules/vite/package.json'), 'utf8')).version
  log(
    `tools: ${Object.entries(versions)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
  )
  log(`machine: ${machine.nproc} cpus (${machine.cpu}), ${machine.memGiB} GiB, node ${machine.node}, load ${machine.loadBefore}`)
  await readdir(join(root, 'dist')).catch(() => {
    throw new Error('dist/ is missing: run `npm run build` first (npm run bench does)')
  })

  const runs = []
  const needsMoto = options.only.some((s) => MOTO_SCENARIOS.has(s))
  if (needsMoto) {
    moto = await startMoto()
    log(`moto_server on ${moto.endpoint} (pid ${moto.pid})`)
  }
  /** The latency scenarios' server (bench/lib/latency-s3.mjs), started on first use. */
  const startLatency = async () => {
    if (!latencyS3) {
      latencyS3 = await startLatencyS3({ latencyMs: LATENCY.ms })
      log(`latency-s3 on ${latencyS3.endpoint} (pid ${latencyS3.pid}), ${LATENCY.ms} ms per request`)
    }
    return latencyS3
  }
  const ctx = { moto, tmp, tools, options, runs, log, run: runOne, latencyS3: startLatency, notes: [], failures: [] }

  /**
   * One measured run of `tool`, with the server-side request count around it.
   * `target.server` names the server (moto unless given); a target with its own
   * `cmd` is a ready command (a local build), run in `target.cwd`.
   */
  async function runOne(scenario, tool, target, rep) {
    // `tool@N`: the same tool at concurrency N (ours and the raw clients), for exploring the default.
    const [base, concurrency] = tool.split('@')
    const local = tool.startsWith('vite') || target.cmd !== undefined
    // A ready command against a server (the CLI in startup) is counted too.
    const counted = !local || target.count
    const server = target.server ?? moto
    const spec = local ? target : TOOLS[base]({ endpoint: server.endpoint, ...target, ...(concurrency ? { extra: { concurrency: Number(concurrency) } } : {}) })
    const before = server && counted ? await server.mark() : undefined
    const result = await runTool({ cmd: spec.cmd, args: spec.args, env: spec.env ?? toolEnv(), cwd: spec.cwd ?? root, tmp, label: `${scenario}/${tool}` })
    const record = { scenario, tool, rep, wallMs: result.wallMs, cpuMs: result.cpuMs, maxRss: result.maxRss, json: result.json }
    if (target.server) Object.assign(record, { userMs: result.userMs, sysMs: result.sysMs })
    if (server && before !== undefined) {
      const after = await server.mark()
      const count = await server.countBetween(before, after)
      record.requests = count.total
      record.byMethod = count.byMethod
      record.objectPuts = count.objectPuts
      record.requestLines = count.total <= 40 ? count.requests : undefined
      if (count.serverCpuMs !== undefined) record.serverCpuMs = count.serverCpuMs
      if (count.connections !== undefined) record.connections = count.connections
      if (count.byStatus) record.byStatus = count.byStatus
      if (count.protocol && count.total > 40) record.protocolLines = count.protocol
    }
    runs.push(record)
    const extra =
      record.requests !== undefined
        ? `, ${record.requests} requests (${Object.entries(record.byMethod)
            .map(([m, n]) => `${m} ${n}`)
            .join(', ')})`
        : ''
    log(
      `${scenario} #${rep + 1} ${label(tool)}: ${(record.wallMs / 1000).toFixed(2)} s, cpu ${record.cpuMs === undefined ? '?' : (record.cpuMs / 1000).toFixed(2) + ' s'}, rss ${record.maxRss ? Math.round(record.maxRss / 2 ** 20) + ' MB' : '?'}${extra}`,
    )
    return record
  }

  for (const name of options.only) {
    const scenario = SCENARIOS[name]
    if (!scenario) throw new Error(`unknown scenario ${name} (known: ${Object.keys(SCENARIOS).join(', ')})`)
    const t0 = Date.now()
    log(`== ${scenario.title}`)
    await scenario.run(ctx)
    log(`== ${scenario.title}: ${((Date.now() - t0) / 1000).toFixed(0)} s`)
  }

  machine.loadAfter = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')
  const elapsed = (Date.now() - started) / 1000
  const rows = targetRows(runs, ctx.notes)
  const table = markdownTable(rows)
  const details = detailsTable(runs, label)
  const phases = phaseTable(runs)
  const latencyText = latencyTable(runs)
  const frameworksText = frameworksTable(runs, ctx.notes)
  const knobs = Object.entries(env)
    .filter(([k]) => k.startsWith('BENCH_'))
    .map(([k, v]) => `${k}=${v} `)
    .join('')
  const command = `${knobs}npm run bench`
  const more = [
    options.only.includes('latency') ? `${options.latencyReps} for latency` : '',
    options.only.includes('throttle') ? `${options.latencyReps} for throttle (503 past ${options.throttleInflight} in flight)` : '',
    options.only.includes('huge') ? `${options.hugeReps} for huge` : '',
    options.only.includes('frameworks') ? `${options.fwReps} builds of each variant per framework` : '',
  ]
    .filter(Boolean)
    .join(', ')
  const header = [
    `Run of ${machine.date} — \`${command}\`, ${elapsed.toFixed(0)} s in all; ${options.reps} repetitions (${options.bigReps} for the 1 GiB file${more ? `; ${more}` : ''}), tools alternating.`,
    `Machine: ${machine.nproc} × ${machine.cpu}, ${machine.memGiB} GiB RAM, Node ${machine.node}, load average ${machine.loadBefore} before / ${machine.loadAfter} after.`,
    `Tools: ${Object.entries(versions)
      .map(([k, v]) => `${k} ${v}`)
      .join('; ')}.`,
  ].join('\n')
  const sections = [
    latencyText ? `\n#### Latency endpoint (issue 15): every tool, medians\n\n${latencyText}\n` : '',
    frameworksText ? `\n#### Framework build overhead (issue 10): medians\n\n${frameworksText}\n` : '',
  ].join('')
  const text = `${header}\n\n${table}\n\n#### Details (medians)\n\n${details}\n\n#### Where ours spends its wall time (medians, ms)\n\n${phases}\n${sections}`
  process.stdout.write(`\n${text}\n`)
  await writeFile(join(tmp, 'runs.json'), JSON.stringify({ machine, versions, runs, notes: ctx.notes }, null, 2))
  // Only a full default run goes into RESULTS.md, and only when every scenario ran through.
  const full = !Object.keys(env).some((k) => k.startsWith('BENCH_') && !NEUTRAL_KNOBS.has(k))
  if (ctx.failures.length) {
    log(`failed: ${ctx.failures.join(', ')} (see above); bench/RESULTS.md left alone`)
    process.exitCode = 1
  } else if (env.BENCH_WRITE !== '0' && full) await updateResults(text, runs)
  else
    log(
      `not a full default run: ${join(tmp, 'runs.json')} has every run${env.BENCH_KEEP === '1' ? '' : ' (BENCH_KEEP=1 keeps it)'}; bench/RESULTS.md left alone`,
    )
} catch (error) {
  // After Ctrl-C the killed child's exit lands here too: that is not a failure to report.
  if (!cleaning) {
    log(`failed: ${error.stack ?? error}`)
    if (moto) log(`moto output tail:\n${moto.tail()}`)
    if (latencyS3?.tail()) log(`latency-s3 output tail:\n${latencyS3.tail()}`)
  }
  process.exitCode = 1
} finally {
  await cleanup()
}

/** Replace the generated block of bench/RESULTS.md (between the markers), keep the rest. */
async function updateResults(text, runs) {
  const file = join(root, 'bench/RESULTS.md')
  const begin = '<!-- bench:begin (generated by npm run bench; edits inside are overwritten) -->'
  const end = '<!-- bench:end -->'
  let current = await readFile(file, 'utf8').catch(() => '')
  if (!current.includes(begin)) current = `# Benchmark results\n\n${begin}\n${end}\n`
  const [head, rest] = current.split(begin)
  const tail = rest.split(end)[1] ?? ''
  const json = `<details><summary>every run (JSON)</summary>\n\n\`\`\`json\n${JSON.stringify(runs.map(({ json, requestLines, ...r }) => ({ ...r, wallMs: Math.round(r.wallMs), cpuMs: r.cpuMs && Math.round(r.cpuMs), ...(requestLines ? { requestLines } : {}) })))}\n\`\`\`\n</details>\n`
  await writeFile(file, `${head}${begin}\n${text}\n${json}${end}${tail}`)
  log(`updated ${file}`)
}

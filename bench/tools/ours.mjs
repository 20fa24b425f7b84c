/**
 * Our deploy() in its own process (so its wall time, CPU time and peak RSS are
 * its own), from the built dist. Prints one JSON line: the report's counts and
 * when each step began (ms since process start), which splits the wall time into
 * startup (module loading), scan + ledger + lock + plan, the upload phases and the commit.
 *
 * Usage: node ours.mjs '<json options>'
 */
const o = JSON.parse(process.argv[2])
const marks = { imported: 0, planned: 0, steps: [], done: 0 }
const t = () => Math.round(performance.now())
// BENCH_TRACE=1: time every HTTP request the SDK makes (it takes node:http's
// request() lazily, at its first request, so wrapping it here is enough).
const trace = []
if (process.env.BENCH_TRACE) {
  const http = (await import('node:module')).createRequire(import.meta.url)('node:http')
  const original = http.request
  http.request = function (...args) {
    const req = original.apply(this, args)
    const entry = { start: performance.now(), method: req.method, path: req.path.split('?')[0].slice(0, 60), end: 0 }
    trace.push(entry)
    req.once('response', (res) => res.once('end', () => (entry.end = performance.now())))
    return req
  }
}
const { resolveConfig } = await import('../../dist/index.js')
// deployWith: the public deploy() plus the test seams (env, storage tuning).
const { deployWith } = await import('../../dist/deploy/lazy.js')
marks.imported = t()

const config = resolveConfig({
  file: {
    domain: 'https://cdn.bench.invalid',
    prefix: o.prefix ?? '',
    storage: { bucket: o.bucket, endpoint: o.endpoint, region: 'us-east-1', forcePathStyle: true },
    provider: { type: 'none' },
    ...(o.concurrency ? { concurrency: o.concurrency } : {}),
  },
  env: {},
})
const report = await deployWith(
  {
    dir: o.dir,
    config,
    commit: 'bench',
    reporter: {
      start: () => void (marks.planned = t()),
      step: (name) => void marks.steps.push([t(), name.replace(/ \(\d+\)$/, '')]),
    },
  },
  { env: {}, ...(o.storage ? { storage: o.storage } : {}) },
)
marks.done = t()
process.stdout.write(
  JSON.stringify({
    uploaded: report.uploaded.count,
    bytes: report.uploaded.bytes,
    skipped: report.skipped,
    committed: report.committed,
    ledger: report.ledger,
    durationMs: report.durationMs,
    concurrency: config.concurrency,
    marks,
    maxRSS: process.resourceUsage().maxRSS * 1024,
    ...(process.env.BENCH_TRACE ? { trace: trace.map((e) => [Math.round(e.start), Math.round(e.end - e.start), e.method, e.path]) } : {}),
  }) + '\n',
)

/** The table of the issue: every metric with its target (issues 6, 10, 15). */
import { fmtMB, fmtMs, fmtN, metricRows, stat } from './report.mjs'
import { label } from './tools.mjs'
import { MiB, TITLES } from './scenarios/common.mjs'

/** The table of the issue: every metric with its target. */
export function targetRows(runs, notes = []) {
  const L = label
  const rows = []
  const add = (o) => rows.push(...metricRows({ runs, labels: L, ...o }))
  add({ scenario: 'first', title: `${TITLES.first} — wall`, field: 'wallMs', fmt: fmtMs, targets: { aws: 0.7, raw: 1.25 } })
  add({ scenario: 'first', title: `${TITLES.first} — client CPU (user+sys)`, field: 'cpuMs', fmt: fmtMs, targets: { aws: 0.3 } })
  add({ scenario: 'noop', title: `${TITLES.noop} — wall`, field: 'wallMs', fmt: fmtMs, targets: { aws: 0.3 } })
  add({
    scenario: 'noop',
    title: `${TITLES.noop} — S3 requests (server log)`,
    field: 'requests',
    fmt: fmtN,
    how: 'max',
    absolute: { max: 5, label: '5 requests' },
  })
  add({
    scenario: 'changed',
    title: `${TITLES.changed} — S3 requests (server log)`,
    field: 'requests',
    fmt: fmtN,
    how: 'max',
    absolute: { max: 10, label: '10 requests' },
  })
  add({
    scenario: 'changed',
    title: `${TITLES.changed} — objects uploaded`,
    field: 'objectPuts',
    fmt: fmtN,
    how: 'max',
    absolute: { max: 2, label: '2 (the file + its HTML; ledger not counted)' },
  })
  add({ scenario: 'changed', title: `${TITLES.changed} — wall`, field: 'wallMs', fmt: fmtMs })
  add({ scenario: 'big', title: `${TITLES.big} — wall`, field: 'wallMs', fmt: fmtMs, targets: { raw: 1.5 } })
  add({ scenario: 'big', title: `${TITLES.big} — peak RSS`, field: 'maxRss', fmt: fmtMB, how: 'max', absolute: { max: 200 * MiB, label: '200 MB' } })
  add({ scenario: 'build', title: `${TITLES.build} — process wall`, field: 'wallMs', fmt: fmtMs, ours: 'vite+cdn', targets: { vite: 1.05 } })
  // The same builds, only Vite's build() call (module loading excluded).
  const buildCall = runs.filter((r) => r.scenario === 'build').map((r) => ({ ...r, scenario: 'build-call', wallMs: r.json?.buildMs }))
  rows.push(
    ...metricRows({
      runs: buildCall,
      labels: L,
      scenario: 'build-call',
      title: `${TITLES.build} — build() call only`,
      field: 'wallMs',
      fmt: fmtMs,
      ours: 'vite+cdn',
    }),
  )
  const loads = runs.filter((r) => r.scenario === 'build').map((r) => ({ ...r, scenario: 'build-load', wallMs: r.json?.loadMs }))
  rows.push(
    ...metricRows({
      runs: loads,
      labels: L,
      scenario: 'build-load',
      title: `${TITLES.build} — module loading (vite + plugin import)`,
      field: 'wallMs',
      fmt: fmtMs,
      ours: 'vite+cdn',
    }),
  )
  const setup = runs.filter((r) => r.scenario === 'setup')
  if (setup.length)
    rows.push({
      scenario: TITLES.setup,
      tool: L('ours'),
      value: fmtMs(setup[0].wallMs),
      ratio: '',
      target: `(${setup[0].requests} requests; info only)`,
      met: '',
    })

  // Issue 15, item 2: the latency scenario's targets.
  const latency = runs.filter((r) => r.scenario === 'latency')
  if (latency.length) {
    const files = latency[0].files
    // "Within 1.5× of the raw floor at the same concurrency": the raw client at ours' configured concurrency.
    const concurrency = latency.find((r) => r.tool === 'ours' && r.json?.concurrency)?.json.concurrency ?? 16
    add({
      scenario: 'latency',
      title: `${TITLES.latency} — wall`,
      field: 'wallMs',
      fmt: fmtMs,
      targets: { aws: 0.25, [`raw@${concurrency}`]: 1.5 },
      absolute: { max: files / 2, label: `${fmtMs(files / 2)} (2,000 files/s)` },
    })
    add({
      scenario: 'latency',
      title: `${TITLES.latency} — client CPU per file (user+sys ÷ files)`,
      field: 'cpuPerFileMs',
      fmt: fmtMs2,
      absolute: { max: 0.5, label: '0.5 ms' },
    })
    add({ scenario: 'latency', title: `${TITLES.latency} — peak RSS`, field: 'maxRss', fmt: fmtMB, how: 'max' })
    add({ scenario: 'latency', title: `${TITLES.latency} — S3 requests (server count)`, field: 'requests', fmt: fmtN })
  }
  // Issue 15.4: the CLI's no-op as a whole process, with and without npx's own start-up.
  add({ scenario: 'startup', title: `${TITLES.startup} — wall`, field: 'wallMs', fmt: fmtMs, ours: 'cli-npx', targets: { aws: 0.4 } })
  rows.push(
    ...metricRows({
      runs: runs.filter((r) => r.scenario === 'startup' && r.tool !== 'cli-npx'),
      labels: L,
      scenario: 'startup',
      title: `${TITLES.startup} — wall, without npx`,
      field: 'wallMs',
      fmt: fmtMs,
      ours: 'cli',
      targets: { aws: 0.4 },
    }),
  )
  add({
    scenario: 'startup',
    title: `${TITLES.startup} — S3 requests (server log)`,
    field: 'requests',
    fmt: fmtN,
    how: 'max',
    ours: 'cli-npx',
    absolute: { max: 1, label: '1 request' },
  })
  add({ scenario: 'throttle', title: `${TITLES.throttle} — wall`, field: 'wallMs', fmt: fmtMs })
  add({ scenario: 'throttle', title: `${TITLES.throttle} — 503 SlowDown answers`, field: 'slowdowns', fmt: fmtN })
  add({
    scenario: 'huge-first',
    title: `${TITLES['huge-first']} — peak RSS`,
    field: 'maxRss',
    fmt: fmtMB,
    how: 'max',
    absolute: { max: 300 * MiB, label: '300 MB' },
  })
  add({ scenario: 'huge-first', title: `${TITLES['huge-first']} — wall`, field: 'wallMs', fmt: fmtMs })
  add({ scenario: 'huge-noop', title: `${TITLES['huge-noop']} — wall`, field: 'wallMs', fmt: fmtMs, absolute: { max: 3000, label: '3 s' } })
  add({
    scenario: 'huge-noop',
    title: `${TITLES['huge-noop']} — S3 requests (server count)`,
    field: 'requests',
    fmt: fmtN,
    how: 'max',
    absolute: { max: 1, label: '1 request' },
  })
  const ledgers = runs.filter((r) => r.scenario === 'huge-noop' && r.ledgerBytes !== undefined)
  if (ledgers.length)
    rows.push({
      scenario: `${TITLES['huge-noop']} — ledger`,
      tool: L('ours'),
      value: `${(stat(ledgers, 'ledgerBytes') / 1e6).toFixed(1)} MB (${fmtN(stat(ledgers, 'ledgerBytes'))} bytes)`,
      ratio: '',
      target: `(JSON.parse ${fmtMs(stat(ledgers, 'ledgerParseMs'))}; info only)`,
      met: '',
    })

  // Issue 10: framework build overhead, per fixture.
  for (const scenario of [...new Set(runs.filter((r) => r.scenario.startsWith('fw:')).map((r) => r.scenario))]) {
    const name = scenario.slice(3)
    const script = runs.find((r) => r.scenario === scenario)?.script
    add({
      scenario,
      title: `framework build overhead: ${name}${script ? ` (\`${script}\`)` : ''} — process wall`,
      field: 'wallMs',
      fmt: fmtMs,
      ours: 'fw+cdn',
      targets: { fw: 1.05 },
    })
  }
  for (const note of notes) rows.push({ scenario: note.title, tool: note.tool, value: '—', ratio: '', target: note.target ?? '', met: note.met })
  return rows
}

export const fmtMs2 = (ms) => (ms === undefined ? '—' : `${ms.toFixed(2)} ms`)

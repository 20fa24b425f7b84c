/** The detail tables under the target table: latency runs, framework builds, where ours' time goes. */
import { byTool, fmtMB, fmtMs, fmtN, stat } from './report.mjs'
import { label } from './tools.mjs'
import { TITLES } from './scenarios/common.mjs'
import { fmtMs2 } from './targets.mjs'

const pct = (x) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`

/** Issue 15: the latency scenario per tool (medians), with what the target rows leave out. */
export function latencyTable(runs) {
  const lines = []
  for (const scenario of ['latency', 'latency-profiled', 'throttle', 'huge-first', 'huge-noop']) {
    const groups = byTool(runs, scenario)
    if (!groups.size) continue
    if (!lines.length)
      lines.push(
        '| scenario | tool | n | wall | files/s | CPU user+sys (user / sys) | CPU per file | peak RSS | requests (by method, median run) | TCP connections | server CPU |',
        '|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|',
      )
    for (const [tool, list] of groups) {
      const mid = [...list].sort((a, b) => a.wallMs - b.wallMs)[list.length >> 1]
      const methods = [
        mid.byMethod
          ? Object.entries(mid.byMethod)
              .map(([m, n]) => `${m} ${n}`)
              .join(', ')
          : '',
        mid.byStatus?.[503] ? `503 SlowDown ${mid.byStatus[503]}` : '',
      ]
        .filter(Boolean)
        .join('; ')
      lines.push(
        `| ${scenario} | ${label(tool)} | ${list.length} | ${fmtMs(stat(list, 'wallMs'))} | ${fmtN(stat(list, 'filesPerS'))} | ${fmtMs(stat(list, 'cpuMs'))} (${fmtMs(stat(list, 'userMs'))} / ${fmtMs(stat(list, 'sysMs'))}) | ${fmtMs2(stat(list, 'cpuPerFileMs'))} | ${fmtMB(stat(list, 'maxRss'))} | ${fmtN(mid.requests)}${methods ? ` (${methods})` : ''} | ${fmtN(mid.connections)} | ${fmtMs(stat(list, 'serverCpuMs'))} |`,
      )
    }
  }
  return lines.join('\n')
}

/** Issue 10: per framework, the median build with and without the plugin and the overhead. */
export function frameworksTable(runs, notes = []) {
  const lines = [
    '| framework | command | Node | builds each | without the plugin | with the plugin | overhead | CPU without → with | target | met |',
    '|---|---|---|---:|---:|---:|---:|---|---|---|',
  ]
  let any = false
  for (const scenario of [...new Set(runs.filter((r) => r.scenario.startsWith('fw:')).map((r) => r.scenario))]) {
    const groups = byTool(runs, scenario)
    const without = groups.get('fw') ?? []
    const withPlugin = groups.get('fw+cdn') ?? []
    const a = stat(without, 'wallMs')
    const b = stat(withPlugin, 'wallMs')
    if (a === undefined || b === undefined) continue
    any = true
    const over = b / a - 1
    const first = without[0] ?? withPlugin[0]
    lines.push(
      `| ${scenario.slice(3)} | \`${first.script}\` | ${first.node ?? ''} | ${Math.min(without.length, withPlugin.length)} | ${fmtMs(a)} | ${fmtMs(b)} | ${pct(over)} | ${fmtMs(stat(without, 'cpuMs'))} → ${fmtMs(stat(withPlugin, 'cpuMs'))} | ≤ 5% | ${over <= 0.05 ? 'met' : 'MISSED'} |`,
    )
  }
  for (const note of notes) {
    any = true
    lines.push(`| ${note.name} | | | 0 | — | — | — | | ≤ 5% | ${note.met} |`)
  }
  return any ? lines.join('\n') : ''
}

/** Where ours' wall time goes, from the child's own step marks, and the plugin's hook times. */
export function phaseTable(runs) {
  const lines = [
    '| scenario | node + dist import | scan, ledger, lock, plan | uploads | commit, unlock | total (in process) |',
    '|---|---:|---:|---:|---:|---:|',
  ]
  for (const scenario of ['first', 'setup', 'noop', 'changed', 'big', 'latency', 'huge-first', 'huge-noop']) {
    const list = byTool(runs, scenario).get('ours')
    if (!list) continue
    const parts = list
      .map(({ json }) => {
        const m = json?.marks
        if (!m) return undefined
        const commit = m.steps.find(([, name]) => name.startsWith('committing'))?.[0]
        const planned = m.planned || m.done
        return { imp: m.imported, prep: planned - m.imported, up: commit ? commit - planned : 0, commit: commit ? m.done - commit : 0, total: m.done }
      })
      .filter(Boolean)
    const med = (k) => fmtN(stat(parts, k))
    lines.push(`| ${TITLES[scenario]} | ${med('imp')} | ${med('prep')} | ${med('up')} | ${med('commit')} | ${med('total')} |`)
  }
  const raw = byTool(runs, 'big')
    .get('raw')
    ?.filter((r) => r.json?.completeMs !== undefined)
  if (raw?.length) {
    lines.push(
      '',
      `1 GiB, raw PUT floor: CompleteMultipartUpload alone took ${fmtMs(
        stat(
          raw.map((r) => r.json),
          'completeMs',
        ),
      )} of ${fmtMs(
        stat(
          raw.map((r) => r.json),
          'ms',
        ),
      )} (median): moto assembles the parts and checksums the whole object in Python at Complete, the same for every client that declares no checksum algorithm.`,
    )
  }
  const phased = runs.find((r) => r.scenario === 'build-phases')?.json
  if (phased) {
    const hooks = Object.entries(phased.hooks)
      .sort((a, b) => b[1].ms - a[1].ms)
      .map(([k, v]) => `${k} ${v.ms.toFixed(1)} ms${v.calls > 1 ? ` (${v.calls} calls)` : ''}`)
      .join(', ')
    const d = phased.digests
    lines.push(
      '',
      `Plugin phases in one build of the generated app (a separate, instrumented run): module loading ${Math.round(phased.loadMs)} ms (Vite + the plugin's imports); build() ${Math.round(phased.buildMs)} ms; hooks: ${hooks}.`,
      `Inside those hooks: content hashes (sha256) ${d.sha256.ms.toFixed(1)} ms over ${d.sha256.calls} files, SRI (sha384) ${d.sha384.ms.toFixed(1)} ms over ${d.sha384.calls} files; the rest of \`cdn:build:writeBundle\` is the manifest (describe the bundle, build and write the JSON).`,
    )
  }
  return lines.join('\n')
}

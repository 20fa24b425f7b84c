/**
 * Turning the runs into the one table the issue asks for (scenario, tool,
 * median, ours ÷ tool, target, met) plus a details table, as Markdown.
 */
import { median } from './measure.mjs'

export const fmtMs = (ms) =>
  ms === undefined ? '—' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`
export const fmtMB = (b) => (b === undefined ? '—' : `${(b / 1024 / 1024).toFixed(0)} MB`)
export const fmtN = (n) => (n === undefined ? '—' : String(Math.round(n)))

/** Runs of one scenario, grouped by tool. */
export function byTool(runs, scenario) {
  const out = new Map()
  for (const r of runs.filter((x) => x.scenario === scenario)) {
    if (!out.has(r.tool)) out.set(r.tool, [])
    out.get(r.tool).push(r)
  }
  return out
}

export function stat(runs, field, how = 'median') {
  const values = runs.map((r) => r[field]).filter((v) => typeof v === 'number')
  if (values.length === 0) return undefined
  return how === 'max' ? Math.max(...values) : median(values)
}

/**
 * Rows of a metric across tools. `targets[tool]` = { max: ratio } compares
 * ours ÷ tool with a ratio; `absolute` = { max, unit } checks ours' own value.
 */
export function metricRows({ runs, scenario, title, field, fmt, how = 'median', ours = 'ours', targets = {}, absolute, labels }) {
  const groups = byTool(runs, scenario)
  const oursValue = groups.has(ours) ? stat(groups.get(ours), field, how) : undefined
  const rows = []
  for (const [tool, list] of groups) {
    const value = stat(list, field, how)
    if (value === undefined) continue
    const ratio = oursValue !== undefined && value > 0 ? oursValue / value : undefined
    let target = ''
    let met = ''
    if (tool === ours && absolute) {
      target = `≤ ${absolute.label}`
      met = value <= absolute.max ? 'met' : 'MISSED'
    } else if (targets[tool] !== undefined && ratio !== undefined) {
      target = `ours ≤ ${targets[tool]}×`
      met = ratio <= targets[tool] ? 'met' : 'MISSED'
    }
    rows.push({
      scenario: title,
      tool: labels?.(tool) ?? tool,
      value: `${fmt(value)}${how === 'max' ? ' (max)' : ''}`,
      ratio: tool === ours ? '1.00' : ratio === undefined ? '—' : ratio.toFixed(2),
      target,
      met,
      n: list.length,
    })
  }
  return rows
}

export function markdownTable(rows) {
  const head = '| scenario | tool | median | ours ÷ tool | target | met |\n|---|---|---:|---:|---|---|'
  let last = ''
  const body = rows.map((r) => {
    const s = r.scenario === last ? '' : r.scenario
    last = r.scenario
    return `| ${s} | ${r.tool} | ${r.value} | ${r.ratio} | ${r.target} | ${r.met} |`
  })
  return [head, ...body].join('\n')
}

/** Per scenario and tool: n, wall, CPU, RSS, requests, files uploaded (medians). */
export function detailsTable(runs, labels) {
  const lines = ['| scenario | tool | n | wall | CPU user+sys | peak RSS | S3 requests | objects PUT |', '|---|---|---:|---:|---:|---:|---:|---:|']
  const scenarios = [...new Set(runs.map((r) => r.scenario))]
  for (const s of scenarios) {
    for (const [tool, list] of byTool(runs, s)) {
      lines.push(
        `| ${s} | ${labels?.(tool) ?? tool} | ${list.length} | ${fmtMs(stat(list, 'wallMs'))} | ${fmtMs(stat(list, 'cpuMs'))} | ${fmtMB(stat(list, 'maxRss'))} | ${fmtN(stat(list, 'requests'))} | ${fmtN(stat(list, 'objectPuts'))} |`,
      )
    }
  }
  return lines.join('\n')
}

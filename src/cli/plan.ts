/**
 * `cdn-deploy plan [dir]`: the deploy as a value, nothing written. The exit code
 * answers "would a deploy change anything?" for CI gates and scripts:
 * 0 nothing would change, 2 something would, 1 an error.
 */
import type { DeployReport } from '../deploy/report.js'
import { summaryText } from '../deploy/report.js'
import { formatBytes } from '../deploy/progress.js'
import { EXIT, output, type GlobalFlags } from './context.js'
import { runDeploy } from './deploy.js'

export interface PlanFlags extends GlobalFlags {
  repair?: boolean
  includeVite?: boolean
  force?: boolean
}

const PHASES = [
  [1, 'immutable (content-hashed) files'],
  [2, 'other files'],
  [3, 'HTML and entry documents'],
] as const

/** Files listed per phase before "… and N more". */
const LIST_LIMIT = 30

const MARK: Record<string, string> = { new: '+', changed: '~', headers: '^' }

/**
 * Whether a deploy would write anything: uploads, deletes, purges, or a ledger
 * to create. The same test as the engine's no-op check, read from the report.
 */
export function hasChanges(report: DeployReport): boolean {
  return report.changed
}

export function planText(report: DeployReport, dir: string): string {
  const lines = [summaryText(report)]
  const files = report.uploaded.files
  if (files.length > 0) {
    lines.push('  uploads by phase (+ new, ~ changed bytes, ^ changed headers):')
    for (const [phase, name] of PHASES) {
      const inPhase = files.filter((f) => f.phase === phase)
      if (inPhase.length === 0) continue
      const bytes = inPhase.reduce((sum, f) => sum + f.size, 0)
      lines.push(`    ${phase} ${name}: ${inPhase.length} (${formatBytes(bytes)})`)
      for (const f of inPhase.slice(0, LIST_LIMIT)) {
        lines.push(`      ${MARK[f.reason] ?? '?'} ${f.rel} (${formatBytes(f.size)})`)
        if (f.headers)
          lines.push(
            `          ${Object.entries(f.headers)
              .map(([name, value]) => `${name}: ${value}`)
              .join(' · ')}`,
          )
      }
      if (inPhase.length > LIST_LIMIT) lines.push(`      … and ${inPhase.length - LIST_LIMIT} more (--json lists all)`)
    }
  }
  if (report.deleted.length > 0) {
    lines.push(`  would delete (absent past retention):`)
    for (const key of report.deleted.slice(0, LIST_LIMIT)) lines.push(`    - ${key}`)
    if (report.deleted.length > LIST_LIMIT) lines.push(`    … and ${report.deleted.length - LIST_LIMIT} more (--json lists all)`)
  }
  const list = (title: string, items: readonly string[], mark: string) => {
    if (items.length === 0) return
    lines.push(title)
    for (const item of items.slice(0, LIST_LIMIT)) lines.push(`    ${mark} ${item}`)
    if (items.length > LIST_LIMIT) lines.push(`    … and ${items.length - LIST_LIMIT} more (--json lists all)`)
  }
  list(`  left out by include/exclude (never uploaded): ${report.excluded.files.length}`, report.excluded.files, 'x')
  list(`  owned keys include/exclude leave out, kept as they are (never deleted for it): ${report.excluded.kept.length}`, report.excluded.kept, '=')
  if (report.ledger !== 'read') lines.push('  ledger: none yet (first deploy: the deploy creates it; objects already in the bucket were matched by listing)')
  if (report.rollbackOf) return lines.join('\n')
  lines.push(
    !hasChanges(report)
      ? '[cdn-deploy] nothing would change: the bucket already serves this build'
      : report.prune.stop
        ? `[cdn-deploy] changes pending, but \`cdn-deploy deploy ${dir}\` would stop before writing anything (STOP above; --force lets it through) (exit code 2)`
        : `[cdn-deploy] changes pending: run \`cdn-deploy deploy ${dir}\` to apply them (exit code 2)`,
  )
  return lines.join('\n')
}

export async function planCommand(dir: string | undefined, flags: PlanFlags): Promise<number> {
  const o = output(flags)
  const target = dir ?? 'dist'
  const report = await runDeploy(target, { ...flags, dryRun: true })
  const changes = hasChanges(report)
  o.json({ ...report, changes })
  o.out(planText(report, target))
  return changes ? EXIT.changes : EXIT.ok
}

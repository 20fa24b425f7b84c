/**
 * `cdn-deploy rollback [release]`: serve an earlier release again (default:
 * the one before the live one), as a new release that says which one it
 * restored. `--dry-run` prints the plan; otherwise a terminal is asked to
 * confirm, and elsewhere `--yes` is required.
 */
import { createInterface } from 'node:readline/promises'
import { rollback } from '../deploy/lazy.js'
import { createConsoleReporter } from '../deploy/progress.js'
import { summaryText } from '../deploy/report.js'
import { CdnDeployError } from '../errors.js'
import { EXIT, loadCliConfig, output, type GlobalFlags } from './context.js'
import { planText } from './plan.js'

export interface RollbackFlags extends GlobalFlags {
  dryRun?: boolean
  yes?: boolean
  report?: string
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim())
  } finally {
    rl.close()
  }
}

export async function rollbackCommand(release: string | undefined, flags: RollbackFlags): Promise<number> {
  const o = output(flags)
  const config = await loadCliConfig(flags, { deploy: true })
  const target = release === undefined ? {} : { release: String(release) }
  // The plan first, always: it says what would come back, and refuses a release that cannot.
  const plan = await rollback({ config, ...target, dryRun: true })
  if (flags.dryRun) {
    o.json(plan)
    o.out(`${planText(plan, '')}\n[cdn-deploy] run \`cdn-deploy rollback ${plan.rollbackOf} --yes\` to apply it`)
    return EXIT.ok
  }
  if (!flags.yes) {
    if (!process.stdin.isTTY)
      throw new CdnDeployError('cli', `not rolling back to release ${plan.rollbackOf}: not a terminal, so pass --yes to confirm (or --dry-run to see the plan)`)
    o.note(planText(plan, ''))
    if (!(await confirm(`[cdn-deploy] serve release ${plan.rollbackOf} again? [y/N] `))) {
      o.out('[cdn-deploy] nothing changed')
      return EXIT.failure
    }
  }
  const report = await rollback({
    config,
    release: plan.rollbackOf!,
    ...(typeof flags.report === 'string' ? { reportFile: flags.report } : {}),
    ...(flags.quiet ? {} : { reporter: createConsoleReporter({ stream: process.stderr }) }),
  })
  o.json(report)
  o.out(summaryText(report))
  return EXIT.ok
}

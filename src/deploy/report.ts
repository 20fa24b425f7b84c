/**
 * What a deploy did, as data (the JSON report), as a short summary for a
 * terminal, and as Markdown for `$GITHUB_STEP_SUMMARY`. No secret is ever part
 * of it: only keys, counts, ids and timings.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { shownHeaders } from '../plan/headers.js'
import type { DeployPlan } from '../plan/types.js'
import { redact } from '../secrets.js'
import { formatBytes, formatDuration } from './progress.js'

export interface DeployReport {
  release: string
  /** A rollback: the release it serves again. */
  rollbackOf?: string
  bucket: string
  prefix: string
  publicBase: string
  /** Where the site is: the root `index.html` of the release when it has one, else the public base. */
  url: string
  dryRun: boolean
  /** Whether the ledger was committed (the release exists). */
  committed: boolean
  /**
   * Whether this deploy changes (or, in a dry run, would change) anything in the
   * bucket: uploads, deletes, purges, pending purges, or a repaired ledger.
   */
  changed: boolean
  /** `headers`: what `headers` rules and `redirects` set on the object (Content-Type only when a rule replaced it). */
  uploaded: { count: number; bytes: number; files: Array<{ rel: string; reason: string; phase: number; size: number; headers?: Record<string, string> }> }
  skipped: number
  deleted: string[]
  retained: number
  /** Left out by `include`/`exclude`: the build's files, and owned keys kept as they are (rel). */
  excluded: { files: string[]; kept: string[] }
  /**
   * The delete guard: deletes planned against `maxDeletes`; `stop`, why a deploy
   * stops before writing anything (a dry run shows it; a deploy throws it);
   * `forced`, let through by `--force`.
   */
  prune: { deletes: number; max: number; forced: boolean; stop?: string }
  invalidation: {
    provider: string
    /** Paths submitted (or, in a dry run, that would be). */
    paths: string[]
    ids: string[]
    /** Paths whose purge failed; the next deploy retries them. */
    pending: string[]
    /** CloudFront dry run: paths beyond the 1,000 free a month cost USD 0.005 each. */
    estimate?: { paths: number; billablePaths: number; usd: number }
  }
  warnings: string[]
  durationMs: number
  /** How the ledger was found: read, bootstrapped from a listing, or new. */
  ledger: 'read' | 'bootstrapped' | 'new'
}

/** How the run found things, besides the plan: the target, the ledger, warnings. */
export interface ReportContext {
  bucket: string
  publicBase: string
  dryRun: boolean
  ledger: DeployReport['ledger']
  /** A repair changed the ledger (that alone makes a release). */
  repaired?: boolean
  provider: string
  warnings: readonly string[]
  started: number
}

/** What executing the plan did (absent for a dry run or a no-op). */
export interface ExecutionOutcome {
  committed: boolean
  deleted: string[]
  invalidation: { ids: string[]; paths: string[]; pending: string[] }
  warnings: string[]
}

/** The report, built once from the plan, the run's context and what execution did. */
export function buildReport(
  plan: DeployPlan,
  context: ReportContext,
  outcome?: ExecutionOutcome,
  preview?: Pick<DeployReport['invalidation'], 'paths' | 'estimate'>,
): DeployReport {
  const rollbackOf = plan.ledger.releases.at(-1)?.rollbackOf
  return {
    release: plan.release,
    ...(rollbackOf ? { rollbackOf } : {}),
    bucket: context.bucket,
    prefix: plan.prefix,
    publicBase: context.publicBase,
    url: Object.hasOwn(plan.ledger.files, 'index.html') ? `${context.publicBase}index.html` : context.publicBase,
    dryRun: context.dryRun,
    committed: outcome?.committed ?? false,
    // A first deploy always commits a release, even of files already in place.
    changed: plan.uploads.length > 0 || plan.deletes.length > 0 || plan.invalidate.length > 0 || !!context.repaired || context.ledger !== 'read',
    uploaded: {
      count: plan.stats.uploadCount,
      bytes: plan.stats.uploadBytes,
      files: plan.uploads.map((u) => {
        const headers = shownHeaders(u)
        return { rel: u.rel, reason: u.reason, phase: u.phase, size: u.size, ...(headers ? { headers } : {}) }
      }),
    },
    skipped: plan.stats.skipCount,
    deleted: context.dryRun ? plan.deletes : (outcome?.deleted ?? []),
    retained: plan.retained.length,
    excluded: { files: [...plan.excluded.files], kept: [...plan.excluded.kept] },
    prune: { deletes: plan.prune.deletes, max: plan.prune.max, forced: plan.prune.forced, ...(plan.prune.stop ? { stop: plan.prune.stop.message } : {}) },
    invalidation: { provider: context.provider, paths: [], ids: [], pending: [], ...preview, ...outcome?.invalidation },
    warnings: [...context.warnings, ...(outcome?.warnings ?? [])],
    durationMs: Date.now() - context.started,
    ledger: context.ledger,
  }
}

/** A few lines for the end of a build or CLI run. */
export function summaryText(report: DeployReport): string {
  const verb = report.dryRun ? 'would upload' : 'uploaded'
  const lines = [
    report.rollbackOf
      ? `[cdn-deploy] ${report.dryRun ? 'plan for rolling back' : 'rolled back'} to release ${report.rollbackOf} as release ${report.release} in s3://${report.bucket}/${report.prefix} (${report.publicBase})`
      : `[cdn-deploy] ${report.dryRun ? 'plan for' : 'deployed'} release ${report.release} to s3://${report.bucket}/${report.prefix} (${report.publicBase})`,
    `  ${verb} ${report.uploaded.count} files (${formatBytes(report.uploaded.bytes)}), skipped ${report.skipped} unchanged, ` +
      `${report.dryRun ? 'would delete' : 'deleted'} ${report.deleted.length}, kept ${report.retained} from earlier releases`,
  ]
  const { prune } = report
  if (report.dryRun || prune.forced) lines.push(`  delete cap: ${prune.deletes} of at most ${prune.max} (maxDeletes)${prune.forced ? ', --force given' : ''}`)
  if (prune.stop) lines.push(`  STOP: a deploy would stop before writing anything: ${prune.stop}`)
  const { files: excluded, kept } = report.excluded
  if (excluded.length || kept.length) {
    lines.push(
      `  left out by include/exclude: ${excluded.length} files${kept.length ? `; ${kept.length} keys earlier releases uploaded kept as they are` : ''}`,
    )
  }
  const inv = report.invalidation
  if (inv.provider === 'none') lines.push('  invalidation: none (provider "none")')
  else {
    const cost = inv.estimate ? ` (at most USD ${inv.estimate.usd.toFixed(3)} if the month's 1,000 free paths are used up)` : ''
    lines.push(
      `  invalidation (${inv.provider}): ${inv.paths.length} paths${cost}${inv.ids.length ? ` [${inv.ids.join(', ')}]` : ''}${inv.pending.length ? `, ${inv.pending.length} pending retry` : ''}`,
    )
    if (report.dryRun) for (const path of inv.paths.slice(0, 20)) lines.push(`    ${path}`)
  }
  if (!report.dryRun) lines.push(`  in ${formatDuration(report.durationMs)}, live at ${report.url}`)
  for (const warning of report.warnings) lines.push(`  warning: ${warning}`)
  return redact(lines.join('\n'))
}

const escapeMd = (text: string) => text.replace(/[|`*_<>[\]]/g, (c) => `\\${c}`)

export function summaryMarkdown(report: DeployReport): string {
  const rows = [
    ['Release', `\`${report.release}\``],
    ['Target', `\`s3://${report.bucket}/${report.prefix}\` → ${report.publicBase}`],
    ['Uploaded', `${report.uploaded.count} files, ${formatBytes(report.uploaded.bytes)}`],
    ['Skipped (unchanged)', String(report.skipped)],
    ['Deleted', String(report.deleted.length)],
    ['Kept from earlier releases', String(report.retained)],
    ...(report.excluded.files.length ? [['Left out (include/exclude)', String(report.excluded.files.length)]] : []),
    ['Invalidated', `${report.invalidation.paths.length} paths (${report.invalidation.provider})`],
    ['Time', formatDuration(report.durationMs)],
  ]
  // The URL first and as a link: for a preview deploy it is what the reviewer opens.
  const link = `${report.dryRun ? 'Would deploy to' : 'Live at'}: **[${escapeMd(report.url)}](${report.url})**`
  const out = [`### CDN deploy${report.dryRun ? ' plan' : ''}`, '', link, '', '| | |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)]
  if (report.warnings.length) out.push('', ...report.warnings.map((w) => `> ⚠️ ${escapeMd(w)}`))
  return redact(`${out.join('\n')}\n`)
}

export async function writeJsonReport(path: string, report: DeployReport): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, redact(`${JSON.stringify(report, null, 2)}\n`))
}

/** Append to `$GITHUB_STEP_SUMMARY` when running in GitHub Actions. */
export async function appendStepSummary(report: DeployReport, env: Record<string, string | undefined> = process.env): Promise<boolean> {
  const path = env.GITHUB_STEP_SUMMARY
  if (!path) return false
  await appendFile(path, summaryMarkdown(report))
  return true
}

/**
 * Append `url=` and `release=` to `$GITHUB_OUTPUT` when running in GitHub
 * Actions, for later steps (`steps.<id>.outputs.url`: a PR comment, a deployment).
 */
export async function appendStepOutputs(report: DeployReport, env: Record<string, string | undefined> = process.env): Promise<boolean> {
  const path = env.GITHUB_OUTPUT
  if (!path || report.dryRun) return false
  await appendFile(path, `url=${report.url}\nrelease=${report.release}\n`)
  return true
}

/** The edges' part (public `deploy()`, CLI): the JSON report file, the CI step summary and step outputs. */
export async function writeReportOutputs(
  report: DeployReport,
  reportFile: string | undefined,
  env: Record<string, string | undefined> = process.env,
): Promise<void> {
  if (reportFile) await writeJsonReport(reportFile, report)
  await appendStepSummary(report, env)
  await appendStepOutputs(report, env)
}

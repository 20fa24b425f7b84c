/**
 * What one run of the engine knows before it plans (the scan, the config, the
 * release id…) and the steps it shares between the dry run and the deploy under
 * the lock: planning, bootstrapping a ledger, and the warnings every run gives.
 */
import type { ResolvedCdnConfig } from '../config/types.js'
import { createPlan, type PlanOptions } from '../plan/plan.js'
import type { DeployPlan, Ledger, LedgerEntry, LocalFile } from '../plan/types.js'
import type { Storage } from '../storage/index.js'
import type { DeployOptions } from './options.js'
import { bootstrapLedger } from './bootstrap.js'
import { planOptionsFor } from './plan-options.js'
import type { DeployReporter } from './progress.js'
import type { DeployReport, ReportContext } from './report.js'

/** Everything a run reads before planning, and what it plans with. */
export interface Run {
  options: DeployOptions
  config: ResolvedCdnConfig
  storage: Storage
  local: LocalFile[]
  /** Files `include`/`exclude` left out. */
  excluded: string[]
  release: string
  commit: string | undefined
  now: () => Date
  env: Record<string, string | undefined>
  reporter: DeployReporter
  context: Omit<ReportContext, 'ledger' | 'warnings'>
  /** A rollback's planning: the record's headers, no precompression, nothing pruned, `rollbackOf`. */
  planOverrides?: Partial<PlanOptions>
}

export function planFor(run: Run, ledger: Ledger | undefined, journal?: Record<string, LedgerEntry>): DeployPlan {
  const { config } = run
  return createPlan(run.local, ledger, {
    prefix: config.prefix,
    cacheControl: config.cacheControl,
    retain: config.retain,
    precompress: config.precompress,
    release: run.release,
    now: run.now(),
    ...(run.commit ? { commit: run.commit } : {}),
    ...(journal ? { journal } : {}),
    statePrefix: config.storage.statePrefix,
    ...(config.storage.statePrefix.startsWith(config.prefix) ? { stateDir: config.storage.statePrefix.slice(config.prefix.length) } : {}),
    ...planOptionsFor(config, run.options.force),
    excluded: run.excluded,
    ...run.planOverrides,
  })
}

/** The ledger from a listing (none yet) or cross-checked against one (repair). */
export async function bootstrapped(
  run: Run,
  ledger: Ledger | undefined,
): Promise<{ ledger: Ledger; state: DeployReport['ledger']; repaired: boolean; adopted: number; dropped: number }> {
  const { config } = run
  const boot = await bootstrapLedger(run.storage, run.local, {
    prefix: config.prefix,
    cacheControl: config.cacheControl,
    concurrency: run.storage.flow,
    ...(ledger ? { ledger } : {}),
  })
  const state = ledger ? 'read' : boot.listed > 0 ? 'bootstrapped' : 'new'
  return {
    ledger: boot.ledger,
    state,
    repaired: !!ledger && JSON.stringify(boot.ledger) !== JSON.stringify(ledger),
    adopted: boot.adopted,
    dropped: boot.dropped,
  }
}

/** Settings that work but break something users expect: said on every run. */
export function policyWarnings(config: ResolvedCdnConfig): string[] {
  if (config.retain.releases >= 1) return []
  return [
    'retain.releases is 0: a file dropped from the build is deleted by the very next deploy, so tabs opened before it fail to load its chunks ("Failed to fetch dynamically imported module") and no earlier release can be rolled back to; 1 or more keeps them for that many later releases',
  ]
}

export const isNoop = (plan: DeployPlan): boolean => plan.uploads.length === 0 && plan.deletes.length === 0 && plan.invalidate.length === 0

/**
 * The plan inputs that come straight from the config: what ships
 * (`include`/`exclude`), headers by glob and redirects.
 */
import type { ResolvedCdnConfig } from '../config/types.js'
import type { PlanOptions } from '../plan/plan.js'

export function planOptionsFor(config: ResolvedCdnConfig): Pick<PlanOptions, 'filter' | 'headers' | 'redirects'> {
  return {
    filter: { include: config.include, exclude: config.exclude },
    headers: config.headers,
    redirects: config.redirects,
  }
}

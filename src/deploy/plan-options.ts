/**
 * The plan inputs that come straight from the config: what ships
 * (`include`/`exclude`), headers by glob, redirects, and the delete guard
 * (`maxDeletes`, with the deploy's `force`).
 */
import type { ResolvedCdnConfig } from '../config/types.js'
import type { PlanOptions } from '../plan/plan.js'

export function planOptionsFor(
  config: ResolvedCdnConfig,
  force: boolean | undefined,
): Pick<PlanOptions, 'filter' | 'headers' | 'redirects' | 'maxDeletes' | 'force'> {
  return {
    filter: { include: config.include, exclude: config.exclude },
    headers: config.headers,
    redirects: config.redirects,
    maxDeletes: config.maxDeletes,
    force: !!force,
  }
}

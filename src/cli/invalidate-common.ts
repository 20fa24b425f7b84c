/**
 * What `cdn-deploy invalidate` and its `--pending` form share: the flags, the
 * message when there is no provider, and how long `--wait` waits.
 */
import type { ResolvedCdnConfig } from '../config/types.js'
import { waitMsFor } from '../providers/index.js'
import { DEFAULT_WAIT_SECONDS } from '../providers/types.js'
import { intFlag, type GlobalFlags } from './context.js'

export interface InvalidateFlags extends GlobalFlags {
  all?: boolean
  wait?: boolean | number | string
  /** Purge the ledger's pending invalidations (./invalidate-pending.ts). */
  pending?: boolean
  dryRun?: boolean
}

export const NO_PROVIDER =
  'provider is "none", so there is no CDN to invalidate; set provider in cdn.config.ts ' +
  "(e.g. { type: 'cloudfront', distributionId: 'E2EXAMPLE' }, or CDN_DISTRIBUTION_ID) and run again"

export function waitMs(wait: InvalidateFlags['wait'], config: ResolvedCdnConfig): number | undefined {
  if (wait === undefined || wait === false) return undefined
  // `--wait` alone: as long as the config's own wait, else the default.
  if (wait === true) return waitMsFor(config.provider) ?? DEFAULT_WAIT_SECONDS * 1000
  return intFlag(wait, 'wait', DEFAULT_WAIT_SECONDS) * 1000
}

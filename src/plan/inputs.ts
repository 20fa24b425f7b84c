/**
 * What createPlan checks before planning, and the release id it uses. Pure.
 */
import { CdnDeployError } from '../errors.js'
import { isSafeRelPath } from './paths.js'
import { STATE_DIR, type Ledger, type LocalFile, type Release } from './types.js'

/** A path under the deploy's own state folder: never uploaded, never deleted. */
export const isStateRel = (rel: string, stateDir: string | undefined) => rel.startsWith(STATE_DIR) || (!!stateDir && rel.startsWith(stateDir))

/**
 * Release ids must be unique in the history: retention finds an entry's release
 * by id. Redeploying the same build (whose id comes from its manifest) is normal,
 * so a taken id gets a deterministic `-r2`, `-r3`… suffix rather than an error;
 * `plan.release` always says the id actually used.
 */
export function uniqueReleaseId(wanted: string, history: readonly Release[]): string {
  const taken = new Set(history.map((release) => release.id))
  if (!taken.has(wanted)) return wanted
  for (let n = 2; ; n++) if (!taken.has(`${wanted}-r${n}`)) return `${wanted}-r${n}`
}

/** S3's limit on a key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024

export function checkInputs(
  local: readonly LocalFile[],
  ledger: Ledger | undefined,
  options: { release: string; now: Date; stateDir?: string | undefined },
  prefix: string,
): void {
  // A ledger from a newer tool may mean things this one cannot honour; deleting
  // by it could remove files still in use.
  if (ledger && ledger.version !== 1)
    throw new CdnDeployError('plan', `the bucket's ledger has version ${String(ledger.version)}, this tool understands 1 (upgrade vite-plugin-cdn-deploy)`)
  if (!options.release) throw new CdnDeployError('plan', 'a release id is required')
  if (Number.isNaN(options.now.getTime())) throw new CdnDeployError('plan', '`now` is not a valid date')
  const seen = new Set<string>()
  for (const { rel } of local) {
    if (!isSafeRelPath(rel)) throw new CdnDeployError('plan', `refusing ${JSON.stringify(rel)}: not a relative path inside the output directory`)
    if (isStateRel(rel, options.stateDir))
      throw new CdnDeployError(
        'plan',
        `refusing ${JSON.stringify(rel)}: ${rel.startsWith(STATE_DIR) ? STATE_DIR : options.stateDir} holds the deploy's own state (ledger, lock); rename it in the build`,
      )
    if (Buffer.byteLength(prefix + rel) > MAX_KEY_BYTES)
      throw new CdnDeployError('plan', `refusing ${JSON.stringify(rel)}: its key is longer than S3's ${MAX_KEY_BYTES} bytes`)
    if (seen.has(rel)) throw new CdnDeployError('plan', `${JSON.stringify(rel)} is listed twice`)
    seen.add(rel)
  }
}

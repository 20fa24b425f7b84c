/**
 * `cdn-deploy invalidate --pending`: purge what the ledger still lists as
 * pending (a deploy whose purge failed leaves its paths in
 * `pendingInvalidations`, for the next deploy) without deploying, then clear
 * them from the ledger.
 *
 * Under the deploy lock: a running deploy is never raced (this refuses while
 * one holds it), and none starts meanwhile whose commit would then fail. The
 * clear is a conditional write, `If-Match` the ledger version read, so a ledger
 * that changed anyway (a store that ignores the lock's conditions) is never
 * overwritten: the paths then stay pending, and purging them again is harmless.
 * `--dry-run` reads the ledger and shows the paths, writing nothing.
 */
import type { ResolvedCdnConfig } from '../config/types.js'
import { DEFAULT_LOCK_TTL_MS } from '../deploy/index.js'
import type { Invalidator } from '../deploy/execute.js'
import { CdnDeployError } from '../errors.js'
import { estimateCloudFrontCost } from '../plan/invalidation.js'
import type { LedgerVersion, Storage } from '../storage/index.js'
import { createInvalidator, isCustomProvider, loadProvider, planInvalidationFor } from '../providers/index.js'
import { ledgerKey } from '../storage/index.js'
import { EXIT, loadCliConfig, output, scrub, storageFor, type Output } from './context.js'
import { NO_PROVIDER, waitMs, type InvalidateFlags } from './invalidate-common.js'

/** Test seam: the purge step instead of the configured provider's. */
export interface PendingDeps {
  invalidator?: Invalidator
}

const providerName = (config: ResolvedCdnConfig) => (isCustomProvider(config.provider) ? config.provider.name : config.provider.type)

async function configuredInvalidator(config: ResolvedCdnConfig, wait: number | undefined): Promise<Invalidator> {
  const provider = await loadProvider(config.provider, { publicBase: config.publicBase })
  if (!provider) throw new CdnDeployError('cli', NO_PROVIDER)
  return createInvalidator(provider, { publicBase: config.publicBase, ...config.invalidate, ...(wait ? { waitMs: wait } : {}) })
}

export async function pendingCommand(flags: InvalidateFlags, deps: PendingDeps = {}): Promise<number> {
  const o = output(flags)
  const config = await loadCliConfig(flags, { deploy: true })
  if (!isCustomProvider(config.provider) && config.provider.type === 'none') throw new CdnDeployError('cli', NO_PROVIDER)
  const wait = waitMs(flags.wait, config)
  const storage = storageFor(config)
  try {
    if (flags.dryRun) return dryRun(config, await storage.readLedgerVersion(), o)
    const invalidator = deps.invalidator ?? (await configuredInvalidator(config, wait))
    // Long enough for the purge and its wait: a lock that expires under us only
    // means the clear below may find the ledger changed, and leave the paths pending.
    const lock = await storage.acquireLock(process.env.CDN_DEPLOY_OWNER || undefined, DEFAULT_LOCK_TTL_MS + (wait ?? 0))
    try {
      return await purge(config, storage, invalidator, !!wait, o)
    } finally {
      await storage.releaseLock(lock).catch(() => false)
    }
  } finally {
    storage.destroy()
  }
}

function nothingPending(read: LedgerVersion | undefined, storage: { bucket: string; statePrefix: string }, o: Output, dryRun: boolean): number {
  o.json({ dryRun, pending: [], paths: [], ids: [], cleared: false })
  o.out(
    read
      ? '[cdn-deploy] nothing pending: every purge of the last deploys went through'
      : `[cdn-deploy] nothing pending: s3://${storage.bucket}/${ledgerKey(storage.statePrefix)} does not exist (no deploy yet)`,
  )
  return EXIT.ok
}

function dryRun(config: ResolvedCdnConfig, read: LedgerVersion | undefined, o: Output): number {
  const pending = read?.ledger.pendingInvalidations ?? []
  const bucket = config.storage.bucket ?? ''
  if (pending.length === 0) return nothingPending(read, { bucket, statePrefix: config.storage.statePrefix }, o, true)
  const name = providerName(config)
  const { paths } = planInvalidationFor(name, pending, { publicBase: config.publicBase, ...config.invalidate }, Object.keys(read!.ledger.files))
  // Worst case, as for a deploy's dry run: the month's free paths already used.
  const estimate = name === 'cloudfront' ? estimateCloudFrontCost(paths, undefined, 1000) : undefined
  o.json({ dryRun: true, provider: name, pending, paths, ...(estimate ? { estimate } : {}) })
  const cost = estimate ? ` (at most USD ${estimate.usd.toFixed(3)})` : ''
  o.out(
    [`[cdn-deploy] would purge ${pending.length} pending files as ${paths.length} paths (${name})${cost}; nothing written`, ...paths.map((p) => `  ${p}`)].join(
      '\n',
    ),
  )
  return EXIT.ok
}

async function purge(config: ResolvedCdnConfig, storage: Storage, invalidator: Invalidator, waited: boolean, o: Output): Promise<number> {
  // Read under the lock: no deploy can commit (and change the list) while it is held.
  const read = await storage.readLedgerVersion()
  const pending = read?.ledger.pendingInvalidations ?? []
  if (!read || pending.length === 0) return nothingPending(read, storage, o, false)
  o.note(`[cdn-deploy] purging ${pending.length} pending files (${invalidator.name})`)
  const result = await invalidator.invalidate([...pending], `pending-${new Date().toISOString()}`, Object.keys(read.ledger.files))
  const next = structuredClone(read.ledger)
  delete next.pendingInvalidations
  // The pending paths are the last release's (each deploy carries the earlier ones over).
  const last = next.releases.at(-1)
  if (last && result.ids.length) last.invalidations = [...(last.invalidations ?? []), ...result.ids]
  const where = `s3://${storage.bucket}/${ledgerKey(storage.statePrefix)}`
  let cleared = true
  try {
    await storage.writeLedger(next, read.etag ? { ifMatch: read.etag } : undefined)
  } catch (error) {
    if (!(error instanceof CdnDeployError && error.scope === 'lock')) {
      throw new CdnDeployError(
        'cli',
        `the purge was submitted${result.ids.length ? ` [${result.ids.join(', ')}]` : ''}, but clearing ${where} failed; the next deploy purges the paths again`,
        { cause: error },
      )
    }
    cleared = false
    o.note(
      `[cdn-deploy] warning: ${where} changed since it was read (another deploy committed): the paths stay pending there, and the next deploy purges them again (harmless)`,
    )
  }
  o.json({
    dryRun: false,
    provider: invalidator.name,
    pending,
    paths: result.paths,
    ids: result.ids,
    cleared,
    ...(waited ? { completed: !result.waitError } : {}),
  })
  const ids = result.ids.length ? ` [${result.ids.join(', ')}]` : ''
  o.out(
    [
      `[cdn-deploy] purged ${pending.length} pending files as ${result.paths.length} paths (${invalidator.name})${ids}`,
      ...result.paths.map((p) => `  ${p}`),
      ...(cleared ? [`[cdn-deploy] cleared them from ${where}`] : []),
    ].join('\n'),
  )
  if (result.waitError) {
    // A failure: printed even with --quiet.
    process.stderr.write(`${scrub(result.waitError)}\n`)
    return EXIT.failure
  }
  return EXIT.ok
}

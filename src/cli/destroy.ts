/**
 * `cdn-deploy destroy [--prefix p] [--dry-run] [--yes]`: remove a deployment,
 * typically a preview once its pull request closes. It deletes every object
 * the ledger owns under the prefix (and those an unfinished deploy wrote: its
 * journal's files, the pages its `pending` intent names), then the tool's own
 * objects under the state prefix (journal, `blobs/`, `releases/`, the ledger,
 * its lock last), and nothing else: objects the tool did not write stay, and
 * are listed (./../plan/destroy.ts decides).
 *
 * It runs under the deploy lock (a live lock is refused, naming its holder),
 * lists the bucket again under it, and keeps the ledger if any delete fails, so
 * running it again finishes the job. In a terminal it asks first; elsewhere it
 * needs `--yes`. `--dry-run` lists everything and writes nothing.
 */
import type { ResolvedCdnConfig } from '../config/types.js'
import { envChecks, formatIssues } from '../config/schema.js'
import { safeParse } from '../config/validate.js'
import { DEFAULT_LOCK_TTL_MS } from '../deploy/index.js'
import { readJournal } from '../deploy/journal.js'
import { CdnDeployError } from '../errors.js'
import { planDestroy, type DestroyPlan } from '../plan/destroy.js'
import { STATE_DIR } from '../plan/types.js'
import { createStorage, describeHolder, holderIsDead, ledgerKey, lockKey, type Storage } from '../storage/index.js'
import { EXIT, loadCliConfig, output, resolveCliConfig, storageFor, type GlobalFlags, type Output } from './context.js'
import { confirm } from './unlock.js'

export interface DestroyFlags extends GlobalFlags {
  prefix?: string | number | boolean
  dryRun?: boolean
  yes?: boolean
}

/** The terminal, as a seam for tests. */
export interface DestroyIo {
  isTTY: boolean
  confirm(question: string): Promise<boolean>
}

const terminal = (): DestroyIo => ({ isTTY: !!process.stdin.isTTY, confirm })

/** The config, with `--prefix` applied as `CDN_PREFIX` would be (so the default state prefix follows it). */
async function configFor(flags: DestroyFlags): Promise<ResolvedCdnConfig> {
  if (flags.prefix === undefined) return loadCliConfig(flags)
  const prefix = typeof flags.prefix === 'boolean' ? '' : String(flags.prefix)
  if (!prefix.replace(/\//g, ''))
    throw new CdnDeployError('cli', '--prefix needs a prefix such as "previews/my-branch/" (leave it out to use the configured one)')
  const checked = safeParse(envChecks.prefix, prefix)
  if (!checked.success) throw new CdnDeployError('cli', formatIssues(checked.issues, '--prefix').join('; '))
  const { config } = await resolveCliConfig(flags, undefined, { ...process.env, CDN_PREFIX: prefix })
  const derived = `${config.prefix}${STATE_DIR}`
  if (config.storage.statePrefix !== derived) {
    throw new CdnDeployError(
      'cli',
      `--prefix ${config.prefix}: storage.statePrefix is "${config.storage.statePrefix}", which does not follow --prefix, so the ledger there may be another deployment's. ` +
        'Set CDN_PREFIX instead (with a statePrefix computed from it in cdn.config.ts) and run destroy without --prefix',
    )
  }
  return config
}

/** Ledger, journal and both listings (the prefix, and the state prefix when it lies elsewhere). */
async function survey(storage: Storage, state: Storage | undefined): Promise<{ plan: DestroyPlan; hasLedger: boolean }> {
  const [ledger, journal] = await Promise.all([storage.readLedger(), readJournal(storage)])
  const listed: string[] = []
  for await (const object of storage.list()) listed.push(object.key)
  if (state) for await (const object of state.list()) listed.push(object.key)
  return { plan: planDestroy({ prefix: storage.prefix, statePrefix: storage.statePrefix, ledger, journal: journal.data?.files, listed }), hasLedger: !!ledger }
}

/** Refuse a lock that a running deploy holds (expired, or left by a dead process here: taken over). */
async function refuseLiveLock(storage: Storage): Promise<void> {
  const lock = await storage.readLock()
  const held = lock?.info
  if (!lock || (held && (Date.parse(held.expires) <= Date.now() || holderIsDead(held)))) return
  throw new CdnDeployError(
    'lock',
    `a deploy holds s3://${storage.bucket}/${lockKey(storage.statePrefix)}${held ? ` (${describeHolder(held)}, expires ${held.expires})` : ''}: not destroying under it; wait for it, or run \`cdn-deploy unlock\` if it died`,
  )
}

const LIMIT = 30

function describe(o: Output, where: string, plan: DestroyPlan, verb: string): void {
  const list = (keys: readonly string[]) => [
    ...keys.slice(0, LIMIT).map((k) => `    ${k}`),
    ...(keys.length > LIMIT ? [`    … and ${keys.length - LIMIT} more (--json lists all)`] : []),
  ]
  o.out(
    [
      `[cdn-deploy] destroy ${where}`,
      `  owned by the ledger: ${plan.owned.length} objects (${verb})`,
      ...list(plan.owned),
      `  the tool's own objects (ledger, journal, lock…): ${plan.state.length} (${verb}, the ledger last)`,
      ...list(plan.state),
      `  not written by the tool: ${plan.foreign.length} (kept)`,
      ...list(plan.foreign),
    ].join('\n'),
  )
}

export async function destroyCommand(flags: DestroyFlags, io: DestroyIo = terminal()): Promise<number> {
  const o = output(flags)
  const config = await configFor(flags)
  const storage = storageFor(config)
  const outside = !storage.statePrefix.startsWith(storage.prefix)
  const state = outside ? createStorage({ ...config.storage, bucket: storage.bucket, prefix: storage.statePrefix, concurrency: config.concurrency }) : undefined
  const where = `s3://${storage.bucket}/${storage.prefix} (${config.publicBase})`
  try {
    if (flags.dryRun || !flags.yes) {
      if (!flags.dryRun && !io.isTTY)
        throw new CdnDeployError('cli', `not destroying ${where}: not a terminal, so pass --yes to confirm (--dry-run lists what would go)`)
      await refuseLiveLock(storage)
      const { plan } = await survey(storage, state)
      o.json({
        dryRun: true,
        bucket: storage.bucket,
        prefix: storage.prefix,
        statePrefix: storage.statePrefix,
        deleted: plan.owned,
        state: plan.state,
        kept: plan.foreign,
      })
      describe(o, where, plan, flags.dryRun ? 'would be deleted' : 'to delete')
      if (flags.dryRun || plan.owned.length + plan.state.length === 0) return EXIT.ok
      if (!(await io.confirm(`[cdn-deploy] delete these ${plan.owned.length + plan.state.length} objects? [y/N] `))) {
        o.out('[cdn-deploy] nothing deleted')
        return EXIT.failure
      }
    }
    return await destroyUnderLock(storage, state, where, o)
  } finally {
    storage.destroy()
    state?.destroy()
  }
}

async function destroyUnderLock(storage: Storage, state: Storage | undefined, where: string, o: Output): Promise<number> {
  const lock = await storage.acquireLock(process.env.CDN_DEPLOY_OWNER || undefined, DEFAULT_LOCK_TTL_MS)
  try {
    // Listed again under the lock: no deploy can add an owned file from here on.
    const { plan, hasLedger } = await survey(storage, state)
    const ledger = ledgerKey(storage.statePrefix)
    const own = lockKey(storage.statePrefix)
    const site = await storage.deleteKeys(plan.owned)
    if (site.errors.length > 0) {
      const first = site.errors[0]!
      throw new CdnDeployError(
        's3',
        `could not delete ${site.errors.length} of ${plan.owned.length} objects under ${where} (${first.key}: ${first.code} ${first.message}); the ledger is kept, so running destroy again finishes the job`,
      )
    }
    const bookkeeping = await storage.deleteKeys(plan.state.filter((key) => key !== ledger && key !== own))
    const last = hasLedger && bookkeeping.errors.length === 0 ? await storage.deleteKeys([ledger]) : { deleted: [], errors: [] }
    const errors = [...bookkeeping.errors, ...last.errors]
    const stateDeleted = [...bookkeeping.deleted, ...last.deleted]
    o.json({
      dryRun: false,
      bucket: storage.bucket,
      prefix: storage.prefix,
      statePrefix: storage.statePrefix,
      deleted: site.deleted,
      state: stateDeleted,
      kept: plan.foreign,
      errors,
    })
    describe(o, where, plan, 'deleted')
    for (const e of errors) o.note(`[cdn-deploy] warning: could not delete ${e.key}: ${e.code} ${e.message}`)
    o.out(
      `[cdn-deploy] destroyed: ${site.deleted.length} objects and ${stateDeleted.length} of the tool's own (its lock goes last); ${plan.foreign.length} not written by the tool kept`,
    )
    return errors.length ? EXIT.failure : EXIT.ok
  } finally {
    await storage.releaseLock(lock).catch(() => false)
  }
}

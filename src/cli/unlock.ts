/**
 * `cdn-deploy unlock`: show who holds the deploy lock and remove it, for a
 * deploy that died where its lock cannot expire soon enough (a CI runner killed
 * on another machine). Asks in a terminal; `--yes` elsewhere. A live lock of a
 * process still running on this machine is refused unless `--force`: removing
 * it would let a second deploy interleave with a running one.
 */
import { createInterface } from 'node:readline/promises'
import { CdnDeployError } from '../errors.js'
import { describeHolder, hostId, lockKey, processAlive } from '../storage/index.js'
import { EXIT, loadCliConfig, output, storageFor, type GlobalFlags } from './context.js'

export interface UnlockFlags extends GlobalFlags {
  yes?: boolean
  force?: boolean
}

/** Ask a yes/no question on the terminal (stderr), `no` unless answered y or yes. */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim())
  } finally {
    rl.close()
  }
}

export async function unlockCommand(flags: UnlockFlags): Promise<number> {
  const o = output(flags)
  const config = await loadCliConfig(flags)
  const storage = storageFor(config)
  try {
    const where = `s3://${storage.bucket}/${lockKey(storage.statePrefix)}`
    const lock = await storage.readLock()
    if (!lock) {
      o.json({ removed: false, lock: null })
      o.out(`[cdn-deploy] no lock at ${where}: nothing to remove`)
      return EXIT.ok
    }
    const held = lock.info
    const expired = held ? Date.parse(held.expires) <= Date.now() : false
    const local = !!held && held.host === hostId()
    const running = local && processAlive(held.pid)
    const state = !held ? 'unreadable' : expired ? `expired ${held.expires}` : `expires ${held.expires}`
    const where2 = local ? (running ? ', a process that is still running on this machine' : ', a process of this machine that no longer runs') : ''
    o.note(`[cdn-deploy] ${where} is held by ${held ? `${describeHolder(held)} since ${held.acquired}` : 'an unreadable lock object'}${where2} (${state})`)
    if (running && !expired && !flags.force) {
      throw new CdnDeployError(
        'cli',
        `${where} belongs to a deploy still running on this machine (pid ${held.pid}): stop it, or pass --force to remove the lock anyway`,
      )
    }
    if (!flags.yes) {
      if (!process.stdin.isTTY) throw new CdnDeployError('cli', `not removing ${where}: not a terminal, so pass --yes to confirm`)
      if (!(await confirm('[cdn-deploy] remove this lock? A deploy still running elsewhere would then run alongside the next one. [y/N] '))) {
        o.out('[cdn-deploy] lock left in place')
        return EXIT.failure
      }
    }
    await storage.removeLock(lock.etag)
    o.json({ removed: true, lock: held ?? null })
    o.out(`[cdn-deploy] removed ${where}`)
    return EXIT.ok
  } finally {
    storage.destroy()
  }
}

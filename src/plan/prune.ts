/**
 * The delete guard, pure: a deploy that would prune more than `maxDeletes`
 * objects, or whose build is nearly empty next to the release before it, stops
 * before writing anything unless forced. The plan carries the decision (so
 * `plan` shows it before anything happens); the executor enforces it before
 * its first write.
 *
 * Why both: a wrong prefix or output directory makes a deploy that deletes a
 * whole site once retention allows (the cap catches the big ones); an empty or
 * broken build starts the countdown on every file of the previous release, and
 * its prunes would come later, a few at a time, under any cap (the shrink rule
 * catches it at the first such deploy, even when retention still holds every file).
 */
import { CdnDeployError } from '../errors.js'

/** The shrink rule: a release of at least `minPrevious` objects followed by a build of under `ratio` of them. */
export const SHRINK = Object.freeze({ minPrevious: 20, ratio: 0.1 })

/** `maxDeletes` when none is given. */
export const DEFAULT_MAX_DELETES = 256

export interface PruneGuard {
  /** Objects this deploy deletes (past retention). */
  deletes: number
  /** `maxDeletes`. */
  max: number
  /** Objects this release serves (the build, its redirects, and keys include/exclude keep). */
  files: number
  /** Objects of the release before it (0 for a first deploy). */
  previousFiles: number
  /** Allowed past the guard (`--force`, `force: true`). */
  forced: boolean
  /** Why a deploy stops before writing anything; absent when it may go on (or was forced). */
  stop?: { rule: 'max-deletes' | 'shrink'; message: string }
}

const FORCE = 'run again with --force (API: force: true)'

export function pruneGuard(input: {
  deletes: number
  max?: number | undefined
  files: number
  previousFiles: number
  force?: boolean | undefined
}): PruneGuard {
  const max = input.max ?? DEFAULT_MAX_DELETES
  const guard: PruneGuard = { deletes: input.deletes, max, files: input.files, previousFiles: input.previousFiles, forced: !!input.force }
  if (input.force) return guard
  if (input.previousFiles >= SHRINK.minPrevious && input.files < input.previousFiles * SHRINK.ratio) {
    guard.stop = {
      rule: 'shrink',
      message:
        `the build has ${input.files} files where the previous release had ${input.previousFiles} (under ${SHRINK.ratio * 100}%), so the previous site would be pruned once retention allows. ` +
        `An empty or broken build, or the wrong output directory, does this; if the site really shrank, ${FORCE}`,
    }
  } else if (input.deletes > max) {
    guard.stop = {
      rule: 'max-deletes',
      message:
        `this deploy would delete ${input.deletes} files, more than maxDeletes (${max}). ` +
        `A wrong prefix or output directory does this (\`cdn-deploy plan\` lists the deletes); if they are meant to go, ${FORCE} or raise maxDeletes`,
    }
  }
  return guard
}

/** The error the executor throws, before any write, for a plan its guard stops. */
export function pruneStop(guard: PruneGuard | undefined): CdnDeployError | undefined {
  if (!guard?.stop) return undefined
  return new CdnDeployError('deploy', `stopped before writing anything: ${guard.stop.message}`)
}

/**
 * `cdn-deploy releases`: the release history from the ledger, newest first —
 * id, time, git commit, files, bytes, whether `cdn-deploy rollback` can serve
 * it again (its file map is kept: retention keeps it exactly as long as its
 * files), and the invalidation ids of each.
 */
import { formatBytes } from '../deploy/progress.js'
import type { Ledger, Release } from '../plan/types.js'
import { ledgerKey } from '../storage/index.js'
import { EXIT, intFlag, loadCliConfig, output, storageFor, type GlobalFlags } from './context.js'

export interface ReleasesFlags extends GlobalFlags {
  limit?: number | string
}

/** Newest first, at most `limit`. */
export function newestReleases(ledger: Ledger | undefined, limit = Infinity): Release[] {
  return [...(ledger?.releases ?? [])].reverse().slice(0, limit)
}

/** Columns padded to their widest cell. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  )
}

/** `live`, `yes` (a rollback can serve it again), or `no`; a rollback release also names what it restored. */
export function rollbackMark(release: Release, current?: string): string {
  const mark = release.id === current ? 'live' : release.record ? 'yes' : 'no'
  return release.rollbackOf ? `${mark} (restored ${release.rollbackOf})` : mark
}

export function releaseRows(releases: readonly Release[], current?: string): string[] {
  const rows = releases.map((r) => [
    r.id === current ? `${r.id} *` : r.id,
    r.time.replace(/\.\d+Z$/, 'Z'),
    r.commit ? r.commit.slice(0, 10) : '-',
    String(r.files),
    formatBytes(r.bytes),
    rollbackMark(r, current),
    r.invalidations?.length ? r.invalidations.join(',') : '-',
  ])
  return table([['RELEASE', 'TIME', 'COMMIT', 'FILES', 'SIZE', 'ROLLBACK', 'INVALIDATIONS'], ...rows])
}

export async function releasesCommand(flags: ReleasesFlags): Promise<number> {
  const o = output(flags)
  const config = await loadCliConfig(flags)
  const storage = storageFor(config)
  try {
    const ledger = await storage.readLedger()
    const releases = newestReleases(ledger, intFlag(flags.limit, 'limit', Infinity))
    o.json(releases)
    if (!ledger) {
      o.note(
        `[cdn-deploy] no releases yet: s3://${storage.bucket}/${ledgerKey(storage.statePrefix)} does not exist (run cdn-deploy deploy; check storage.bucket and prefix)`,
      )
      return EXIT.ok
    }
    const current = ledger.releases.at(-1)?.id
    o.out(
      [
        `[cdn-deploy] releases in s3://${storage.bucket}/${config.prefix} (${config.publicBase}), newest first (* current):`,
        ...releaseRows(releases, current),
      ].join('\n'),
    )
    return EXIT.ok
  } finally {
    storage.destroy()
  }
}

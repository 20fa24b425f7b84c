/**
 * Retention, pure: how long a file dropped from the build stays in the bucket.
 * Open tabs and cached HTML keep requesting the previous release's chunks for a
 * while, so a dropped file is kept for `retain.releases` later releases and at
 * least `retain.days` days: it is deleted by the first deploy after both (with
 * `releases: 1`, a file dropped by release 2 is still there while release 2 is
 * live, and is deleted by release 3). Both are computed from the
 * ledger alone (the entry's last release, and the release history), never from
 * the bucket or the clock: `now` is passed in.
 */
import type { LedgerEntry, Release } from './types.js'

const DAY_MS = 86_400_000

/** Release history kept in the ledger (plus whatever retention still needs). */
export const MAX_RELEASES = 100

export interface RetainPolicy {
  releases: number
  days: number
}

export interface RetentionDecision {
  /** Delete it now (kept for more than `retain.releases` releases and at least `retain.days` days). */
  expired: boolean
  /** Releases it has been absent from, counting the one being planned. */
  absentReleases: number
  /** Whole milliseconds since the first release that lacked it (0 if that is the new one). */
  absentMs: number
}

/**
 * Decide for one ledger entry that the new build no longer contains.
 * `history` is the old ledger's releases (oldest first), without the new one.
 *
 * The entry's `release` is the last release that contained it, so the releases
 * after it in the history are the ones that lacked it, and the first of those
 * marks when it went missing. The new release lacks it too (+1).
 */
export function retentionFor(entry: LedgerEntry, history: readonly Release[], retain: RetainPolicy, now: Date): RetentionDecision {
  const index = history.findIndex((release) => release.id === entry.release)
  let absentReleases: number
  let since: number
  if (index >= 0) {
    absentReleases = history.length - index // (history.length - index - 1) old ones + the new one
    since = parseTime(history[index + 1]?.time, now)
  } else {
    // Its release is not in the history (trimmed by another tool, or a hand-edited
    // ledger). It is then at least as old as everything listed, so count every
    // listed release and date the absence from the oldest one: both are lower
    // bounds, so this can only keep a file longer, never delete it early.
    absentReleases = history.length + 1
    since = parseTime(history[0]?.time, now)
  }
  const absentMs = Math.max(0, now.getTime() - since)
  const expired = absentReleases > retain.releases && absentMs >= retain.days * DAY_MS
  return { expired, absentReleases, absentMs }
}

/** A release time in ms; a missing or unreadable time counts as `now` (the safe side: 0 days). */
function parseTime(time: string | undefined, now: Date): number {
  const ms = time === undefined ? NaN : Date.parse(time)
  return Number.isNaN(ms) ? now.getTime() : ms
}

/**
 * Trim the release history to the last `max` releases, but never past the oldest
 * release a ledger entry still points at: retention of that entry needs it (to
 * find the releases after it and when it went missing). Retained entries expire,
 * so the history shrinks back once they are deleted.
 */
export function trimReleases(releases: readonly Release[], referenced: Iterable<string>, max = MAX_RELEASES): Release[] {
  let start = Math.max(0, releases.length - max)
  const wanted = new Set(referenced)
  const oldest = releases.findIndex((release) => wanted.has(release.id))
  if (oldest >= 0 && oldest < start) start = oldest
  return releases.slice(start)
}

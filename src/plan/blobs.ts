/**
 * Which kept page bytes (blobs) a deploy needs, pure. Before a deploy overwrites
 * a mutable file, the version the ledger lists for it is copied (server-side) to
 * `<statePrefix>blobs/<name>` unless it is there already: a failed deploy puts
 * it back from there, and a rollback brings an earlier release's pages back.
 * Each blob records the last release whose files had it, and is pruned by the
 * same retention as a file dropped from the build; so is each release's file
 * map (`releases/<id>.json`), which a rollback reads.
 */
import { keyFor } from './paths.js'
import { retentionFor, type RetainPolicy } from './retention.js'
import { blobName, type Ledger, type PlannedBlob, type PlannedUpload, type Release } from './types.js'

export interface BlobPlan {
  /** Blobs to store before the first mutable write (not kept yet). */
  keep: PlannedBlob[]
  /** The next ledger's `blobs`. */
  blobs: Map<string, string>
  /** Full keys of blobs past retention. */
  deletes: string[]
}

export const blobKey = (statePrefix: string, name: string): string => `${statePrefix}blobs/${name}`

/** A release's file map, read by a rollback to it. */
export const recordKey = (statePrefix: string, release: string): string => `${statePrefix}releases/${release}.json`

export function planBlobs(
  ledger: Ledger | undefined,
  uploads: readonly PlannedUpload[],
  history: readonly Release[],
  retain: RetainPolicy,
  now: Date,
  prefix: string,
  statePrefix: string,
): BlobPlan {
  const blobs = new Map(Object.entries(ledger?.blobs ?? {}))
  const keep = new Map<string, PlannedBlob>()
  const needed = new Set<string>()
  for (const upload of uploads) {
    const old = upload.phase > 1 ? ledger?.files[upload.rel] : undefined
    if (!old) continue
    const name = blobName(old)
    needed.add(name)
    if (!blobs.has(name) && !keep.has(name))
      keep.set(name, { name, key: blobKey(statePrefix, name), from: keyFor(upload.rel, prefix), sha256: old.sha256, size: old.size })
    // The version is live now, so the ledger's release for it is the latest that had it.
    blobs.set(name, old.release)
  }
  const deletes: string[] = []
  for (const [name, release] of blobs) {
    if (needed.has(name)) continue
    const entry = { sha256: name, size: 0, contentType: '', cacheControl: '', immutable: false, release }
    if (retentionFor(entry, history, retain, now).expired) {
      deletes.push(blobKey(statePrefix, name))
      blobs.delete(name)
    }
  }
  return { keep: [...keep.values()], blobs, deletes: deletes.sort() }
}

/** Releases whose file map retention expires lose it (`record`), with the same test as their last files. */
export function ageRecords(history: readonly Release[], retain: RetainPolicy, now: Date, statePrefix: string): { releases: Release[]; deletes: string[] } {
  const deletes: string[] = []
  const releases = history.map((release) => {
    const entry = { sha256: '', size: 0, contentType: '', cacheControl: '', immutable: false, release: release.id }
    if (!release.record || !retentionFor(entry, history, retain, now).expired) return release
    deletes.push(recordKey(statePrefix, release.id))
    const { record: _gone, ...rest } = release
    return rest
  })
  return { releases, deletes }
}

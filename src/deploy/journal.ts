/**
 * The upload journal, `<statePrefix>journal.json`: what an unfinished
 * deploy already put in the bucket. The ledger only changes at the commit, so
 * without it a deploy that failed at 90% would upload everything again. The
 * journal is saved every few seconds while uploading and on failure (a deploy
 * that finishes quickly never writes it), read by the next deploy (under the
 * lock), and removed once a ledger commit covers it.
 *
 * A journal is only trusted over the ledger it was written against (`base`): one
 * that outlived a commit was written by a deploy that had lost its lock, or its
 * removal failed, and the keys it names may hold bytes that neither it nor the
 * ledger describes. Those keys are uploaded again.
 */
import { paramsKey } from '../plan/headers.js'
import { UNKNOWN_SHA256, type Ledger, type LedgerEntry } from '../plan/types.js'
import type { Storage } from '../storage/index.js'

const journalKey = (storage: Storage) => `${storage.statePrefix}journal.json`

export interface JournalData {
  version: 1
  /**
   * Id of the ledger's last release when the journal was written (`''` before the
   * first release). Absent in journals written before it existed: trusted as before.
   */
  base?: string
  /** Files uploaded by unfinished deploys, by path relative to the prefix. */
  files: Record<string, LedgerEntry>
}

export interface Journal {
  readonly dirty: boolean
  add(rel: string, entry: LedgerEntry): void
  save(): Promise<void>
  /** Remove it after a commit (only if there is one). */
  clear(): Promise<void>
}

/** The journal as stored: `exists` even when its content is unusable (it must still be removed). */
export interface StoredJournal {
  data: JournalData | undefined
  exists: boolean
}

/** One GET of the journal; call it under the lock. */
export async function readJournal(storage: Storage): Promise<StoredJournal> {
  const raw = (await storage.readJson(journalKey(storage))) as Partial<JournalData> | undefined
  const valid = raw && raw.version === 1 && typeof raw.files === 'object' && raw.files !== null ? (raw as JournalData) : undefined
  return { data: valid, exists: raw !== undefined }
}

const baseOf = (ledger: Ledger): string => ledger.releases.at(-1)?.id ?? ''

const sameObject = (a: LedgerEntry | undefined, b: LedgerEntry): boolean =>
  !!a &&
  a.sha256 === b.sha256 &&
  a.size === b.size &&
  a.contentType === b.contentType &&
  a.cacheControl === b.cacheControl &&
  a.contentEncoding === b.contentEncoding &&
  paramsKey(a.params) === paramsKey(b.params)

/**
 * The journal's entries for planning (`createPlan`'s `journal`). A journal written
 * against this ledger: all of them. A stale one: only the keys where it and the
 * ledger disagree, with their bytes marked unknown (`UNKNOWN_SHA256`); where they
 * agree, every writer put the same bytes there.
 */
export function journalFiles(ledger: Ledger, stored: StoredJournal): { files: Record<string, LedgerEntry>; distrusted: number } {
  const data = stored.data
  if (!data) return { files: {}, distrusted: 0 }
  if (data.base === undefined || data.base === baseOf(ledger)) return { files: { ...data.files }, distrusted: 0 }
  const files: Record<string, LedgerEntry> = {}
  for (const [rel, entry] of Object.entries(data.files)) {
    if (!sameObject(ledger.files[rel], entry)) files[rel] = { ...entry, sha256: UNKNOWN_SHA256 }
  }
  return { files, distrusted: Object.keys(files).length }
}

/**
 * This deploy's journal over `ledger` (the one read under the lock), starting
 * from `carried` (from `journalFiles`), so a second failure still remembers the first.
 */
export function openJournal(storage: Storage, stored: StoredJournal, ledger: Ledger, carried: Record<string, LedgerEntry>): Journal {
  const key = journalKey(storage)
  const base = baseOf(ledger)
  const files: Record<string, LedgerEntry> = { ...carried }
  let exists = stored.exists
  let dirty = false
  return {
    get dirty() {
      return dirty
    },
    add(rel, entry) {
      files[rel] = entry
      dirty = true
    },
    async save() {
      if (!dirty) return
      dirty = false
      await storage.writeJson(key, { version: 1, base, files } satisfies JournalData)
      exists = true
    },
    async clear() {
      if (!exists) return
      await storage.deleteKeys([key])
      exists = false
    },
  }
}

/**
 * The upload journal, `<prefix>.cdn-deploy/journal.json`: what an unfinished
 * deploy already put in the bucket. The ledger only changes at the commit, so
 * without it a deploy that failed at 90% would upload everything again. The
 * journal is saved every few seconds and on failure, read by the next deploy
 * (under the lock), and removed once a ledger commit covers it.
 */
import { LEDGER_DIR, type Ledger, type LedgerEntry } from '../plan/types.js'
import type { Storage } from '../storage/index.js'

export const JOURNAL_KEY = `${LEDGER_DIR}journal.json`

export interface JournalData {
  version: 1
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

/** A journal that records nothing (dry runs). */
export const noJournal: Journal = { dirty: false, add() {}, async save() {}, async clear() {} }

export async function openJournal(storage: Storage): Promise<{ journal: Journal; previous: JournalData | undefined }> {
  const key = storage.prefix + JOURNAL_KEY
  const previous = (await storage.readJson(key)) as JournalData | undefined
  const valid = previous && previous.version === 1 && typeof previous.files === 'object' ? previous : undefined
  const files: Record<string, LedgerEntry> = { ...valid?.files }
  let exists = !!previous
  let dirty = false
  return {
    previous: valid,
    journal: {
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
        await storage.writeJson(key, { version: 1, files } satisfies JournalData)
        exists = true
      },
      async clear() {
        if (!exists) return
        await storage.deleteKeys([key])
        exists = false
      },
    },
  }
}

/**
 * Fold a journal into the ledger for planning: a file whose journalled bytes and
 * headers match the build is skipped, and every journalled key counts as owned
 * (the tool wrote it), so it can be pruned later like any other.
 */
export function withJournal(ledger: Ledger, journal: JournalData | undefined): Ledger {
  if (!journal || Object.keys(journal.files).length === 0) return ledger
  const merged = structuredClone(ledger)
  const release = merged.releases.at(-1)?.id ?? ''
  for (const [rel, entry] of Object.entries(journal.files)) merged.files[rel] = { ...entry, release }
  return merged
}

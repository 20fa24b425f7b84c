/**
 * What `cdn-deploy destroy` deletes, pure: every key the ledger owns under the
 * prefix (and those an unfinished deploy wrote: its journal's hashed files, and
 * the pages its intent, the ledger's `pending`, names, new ones included), then
 * the tool's own objects under the state prefix; nothing else. Objects the tool
 * did not write stay, and are listed.
 */
import { keyFor, normalizePrefix } from './paths.js'
import type { Ledger, LedgerEntry } from './types.js'

/**
 * The names the tool writes under its state prefix: the ledger, the journal,
 * the lock (and the probe objects of `cdn-deploy status`), the kept bytes of
 * replaced pages (`blobs/`) and the release records (`releases/`).
 */
const TOOL_STATE = /^(ledger\.json|journal\.json|lock|lock-probe-[0-9a-f-]+|blobs\/.+|releases\/.+)$/

export interface DestroyInputs {
  prefix: string
  /** `storage.statePrefix`, a full key prefix. */
  statePrefix: string
  ledger?: Ledger | undefined
  /** Files an unfinished deploy's journal recorded (rel → entry). */
  journal?: Readonly<Record<string, LedgerEntry>> | undefined
  /** Every key listed under the prefix and under the state prefix. */
  listed: readonly string[]
}

export interface DestroyPlan {
  /** Keys the ledger (or journal) owns: deleted first. Some may be gone already. */
  owned: string[]
  /** The tool's own objects under the state prefix: deleted after the site's (the ledger and the lock last). */
  state: string[]
  /** Listed objects the tool did not write: kept. */
  foreign: string[]
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

export function planDestroy(inputs: DestroyInputs): DestroyPlan {
  const prefix = normalizePrefix(inputs.prefix)
  // The journal holds only phase 1 (hashed files); a deploy stopped after its first page
  // write names its pages in `pending` instead, and a new page is in neither the ledger's
  // files nor the journal.
  const rels = [...Object.keys(inputs.ledger?.files ?? {}), ...Object.keys(inputs.journal ?? {}), ...(inputs.ledger?.pending?.rels ?? [])]
  const owned = new Set(rels.map((rel) => keyFor(rel, prefix)))
  const isState = (key: string) => key.startsWith(inputs.statePrefix) && TOOL_STATE.test(key.slice(inputs.statePrefix.length))
  const state = new Set(inputs.listed.filter(isState))
  const foreign = new Set(inputs.listed.filter((key) => !owned.has(key) && !state.has(key)))
  return { owned: [...owned].sort(compare), state: [...state].sort(compare), foreign: [...foreign].sort(compare) }
}

/**
 * What must hold in the bucket after every run of the fault suite, read from
 * moto directly (never through the fault proxy). Each check returns the
 * problems it found, as lines; none means it holds.
 *
 * Definitions (L = the ledger, last = its last release):
 * - **served**: every object under the prefix outside the state prefix; a
 *   **page** is a served object that is not a content-hashed asset (`assets/`):
 *   the HTML, the web manifest, robots.txt.
 * - **ledger objects byte-exact**: every key L lists exists with the sha256 it
 *   records (bytes and `x-amz-meta-sha256`), its size, Content-Type and
 *   Cache-Control; every kept blob L lists exists with the bytes it is named
 *   after; the last release's file map exists when L says it was written.
 * - **no dangling reference**: every URL an HTML object makes a browser load
 *   (src/cli/html-refs.ts: scripts, styles, preloads, the manifest, images) is under
 *   the public base and its object exists.
 * - **no page half-new**: the files L says `last` contains are exactly one
 *   build's files, byte for byte, and every page served is one L lists, with
 *   its bytes; so the pages served are those of the release L names (plus
 *   pages of earlier releases that retention still keeps, unchanged). While
 *   L has `pending` (a deploy stopped between its first page write and its
 *   commit), a page it names may hold that deploy's bytes instead, and its
 *   previous version must be kept (a blob), so the next run can put it back;
 *   `pending` may only be left by a run that was killed or stopped, or that
 *   said it could not put the pages back.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { extractRefs } from '../../src/cli/html-refs.js'
import type { Ledger } from '../../src/plan/types.js'
import { listKeys } from '../helpers/deploy.js'
import { isAsset, sha256, type Build } from './site.js'

export const DOMAIN = 'https://cdn.example.com'

export interface StoredObject {
  sha256: string
  size: number
  text: string
  meta: string | undefined
  contentType: string | undefined
  cacheControl: string | undefined
}

export interface Snapshot {
  prefix: string
  statePrefix: string
  /** Full key → object. */
  objects: Map<string, StoredObject>
  /** The ledger as parsed, when it is there and is JSON. */
  ledger: Ledger | undefined
  /** Why the ledger could not be read, if it is there but unreadable. */
  ledgerError?: string
}

/** Every object under `prefix`, read whole. */
export async function snapshot(client: S3Client, bucket: string, prefix: string): Promise<Snapshot> {
  const keys = await listKeys(client, bucket, prefix)
  const objects = new Map<string, StoredObject>()
  for (let i = 0; i < keys.length; i += 16) {
    await Promise.all(
      keys.slice(i, i + 16).map(async (key) => {
        // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
        const bytes = Buffer.from(await out.Body!.transformToByteArray())
        objects.set(key, {
          sha256: sha256(bytes),
          size: bytes.length,
          text: bytes.toString('utf8'),
          meta: out.Metadata?.sha256,
          contentType: out.ContentType,
          cacheControl: out.CacheControl,
        })
      }),
    )
  }
  const statePrefix = `${prefix}.cdn-deploy/`
  const raw = objects.get(`${statePrefix}ledger.json`)
  let ledger: Ledger | undefined
  let ledgerError: string | undefined
  if (raw) {
    try {
      ledger = JSON.parse(raw.text) as Ledger
    } catch (err) {
      ledgerError = `ledger.json is not JSON (${(err as Error).message}): ${raw.text.slice(0, 200)}`
    }
  }
  return { prefix, statePrefix, objects, ledger, ...(ledgerError ? { ledgerError } : {}) }
}

export interface SiteContext {
  /** Every build deployed so far, by name. */
  builds: ReadonlyMap<string, Build>
  /** The build L's last release must be, when the test knows it. */
  live?: string
  /**
   * How the runs before this check ended: `settled` (every one exited by itself)
   * or `interrupted` (one was killed or is stopped): only then may L keep `pending`.
   */
  ended: 'settled' | 'interrupted'
  /** A settled run said it could not put its pages back ("the next deploy does that first"). */
  saidPending?: boolean
  /** Builds whose deploys may have been interrupted: a pending page may hold their bytes. */
  inflight?: readonly Build[]
}

export interface SiteState {
  problems: string[]
  /** The build L's last release is (undefined: none, or no build matches). */
  live: string | undefined
  pending: boolean
}

const served = (snap: Snapshot): Array<[rel: string, obj: StoredObject]> =>
  [...snap.objects].filter(([key]) => !key.startsWith(snap.statePrefix)).map(([key, obj]) => [key.slice(snap.prefix.length), obj])

/** The invariants every run must leave (see the file comment). */
export function checkSite(snap: Snapshot, ctx: SiteContext): SiteState {
  const problems: string[] = []
  const say = (line: string) => void problems.push(line)
  const pages = served(snap).filter(([rel]) => !isAsset(rel))
  if (snap.ledgerError) say(snap.ledgerError)
  const L = snap.ledger
  if (!L) {
    if (ctx.live) say(`no ledger, but ${ctx.live} was committed`)
    for (const [rel] of pages) say(`${rel}: served with no ledger (nothing was ever committed)`)
    return { problems, live: undefined, pending: false }
  }
  if (L.version !== 1 || !Array.isArray(L.releases) || typeof L.files !== 'object' || L.files === null)
    say(`ledger is not a version 1 ledger: ${JSON.stringify(L).slice(0, 200)}`)
  const pending = L.pending
  if (pending && ctx.ended === 'settled' && !ctx.saidPending)
    say(`ledger keeps pending ${JSON.stringify(pending)}, left by runs that all ended by themselves without saying so`)
  const pendingRels = new Set(pending?.rels ?? [])
  const inflightSha = (rel: string) =>
    new Set(
      (ctx.inflight ?? [])
        .map((b) => b.files[rel])
        .filter((t): t is string => t !== undefined)
        .map(sha256),
    )

  // Ledger objects byte-exact.
  for (const [rel, entry] of Object.entries(L.files ?? {})) {
    const obj = snap.objects.get(snap.prefix + rel)
    if (!obj) {
      say(`${rel}: in the ledger (release ${entry.release}) but missing from the bucket`)
      continue
    }
    if (pendingRels.has(rel)) {
      if (obj.sha256 !== entry.sha256 && !inflightSha(rel).has(obj.sha256))
        say(`${rel}: pending, but holds bytes of neither the committed release nor the interrupted deploy (${obj.sha256.slice(0, 12)})`)
      if (obj.sha256 !== entry.sha256) {
        const blob = snap.objects.get(`${snap.statePrefix}blobs/${entry.sha256}`)
        if (!L.blobs?.[entry.sha256] || !blob || blob.sha256 !== entry.sha256)
          say(`${rel}: pending and changed, but its committed version ${entry.sha256.slice(0, 12)} is not kept: it cannot be put back`)
      }
      continue
    }
    const wrong: string[] = []
    if (obj.sha256 !== entry.sha256) wrong.push(`bytes ${obj.sha256.slice(0, 12)} ≠ ${entry.sha256.slice(0, 12)}`)
    if (obj.meta !== entry.sha256) wrong.push(`x-amz-meta-sha256 ${String(obj.meta).slice(0, 12)}`)
    if (obj.size !== entry.size) wrong.push(`size ${obj.size} ≠ ${entry.size}`)
    if (obj.contentType !== entry.contentType) wrong.push(`Content-Type ${obj.contentType} ≠ ${entry.contentType}`)
    if (obj.cacheControl !== entry.cacheControl) wrong.push(`Cache-Control ${obj.cacheControl} ≠ ${entry.cacheControl}`)
    if (wrong.length) say(`${rel}: not what the ledger records (${wrong.join(', ')})`)
  }
  for (const [name] of Object.entries(L.blobs ?? {})) {
    const blob = snap.objects.get(`${snap.statePrefix}blobs/${name}`)
    if (!blob) say(`blobs/${name.slice(0, 12)}: listed in the ledger, missing`)
    else if (blob.sha256 !== name) say(`blobs/${name.slice(0, 12)}: holds other bytes (${blob.sha256.slice(0, 12)})`)
  }
  const last = L.releases?.at(-1)
  if (last?.record && !snap.objects.has(`${snap.statePrefix}releases/${last.id}.json`)) say(`releases/${last.id}.json: the last release's file map is missing`)

  // Every page served is one the ledger lists (or, while pending, one the interrupted deploy may have added).
  for (const [rel, obj] of pages) {
    if (L.files?.[rel]) continue
    if (pendingRels.has(rel) && inflightSha(rel).has(obj.sha256)) continue
    say(`${rel}: served, but no committed release has it (${obj.sha256.slice(0, 12)})`)
  }
  // Hashed files: whatever is there holds the bytes its name was made from (some build's).
  for (const [rel, obj] of served(snap).filter(([r]) => isAsset(r))) {
    const known = [...ctx.builds.values()].some((b) => b.files[rel] !== undefined && sha256(b.files[rel]!) === obj.sha256)
    if (!known) say(`${rel}: a hashed file with bytes no build has`)
  }

  // The release the ledger names is exactly one build.
  let live: string | undefined
  if (last) {
    const files = Object.entries(L.files ?? {}).filter(([, e]) => e.release === last.id)
    const map = Object.fromEntries(files.map(([rel, e]) => [rel, e.sha256]))
    const match = [...ctx.builds.values()].find(
      (b) => Object.keys(b.files).length === files.length && Object.entries(b.files).every(([rel, text]) => map[rel] === sha256(text)),
    )
    live = match?.name
    if (!match) say(`the ledger's last release ${last.id} (commit ${last.commit}) lists ${files.length} files that are no build's`)
    else if (match.name !== last.commit) say(`the ledger's last release says commit ${last.commit}, but its files are ${match.name}`)
  }
  if (ctx.live && live !== ctx.live) say(`live release is ${live ?? 'none'}, expected ${ctx.live}`)

  // No HTML references a missing object.
  const base = `${DOMAIN}/${snap.prefix}`
  for (const [rel, obj] of pages.filter(([r]) => r.endsWith('.html'))) {
    const { refs, invalid } = extractRefs(obj.text, base + rel)
    for (const bad of invalid) say(`${rel}: invalid reference ${bad.value}`)
    for (const ref of refs) {
      if (!ref.url.startsWith(base)) {
        say(`${rel}: ${ref.tag} ${ref.value} is outside ${base}`)
        continue
      }
      const target = decodeURIComponent(new URL(ref.url).pathname.slice(new URL(base).pathname.length))
      if (!snap.objects.has(snap.prefix + target)) say(`${rel}: ${ref.tag} ${ref.value} → ${target} is missing`)
    }
  }
  return { problems, live, pending: !!pending }
}

/** After a clean, successful run of `build`: the site is that build byte for byte, and nothing of an unfinished deploy is left. */
export function checkExact(snap: Snapshot, build: Build): string[] {
  const problems: string[] = []
  if (snap.ledger?.pending) problems.push(`ledger keeps pending ${JSON.stringify(snap.ledger.pending)}`)
  for (const name of ['lock', 'journal.json']) if (snap.objects.has(snap.statePrefix + name)) problems.push(`${name} left after a clean run`)
  for (const [rel, text] of Object.entries(build.files)) {
    const obj = snap.objects.get(snap.prefix + rel)
    if (!obj) problems.push(`${rel}: missing (${build.name})`)
    else if (obj.sha256 !== sha256(text) || obj.meta !== obj.sha256) problems.push(`${rel}: not the bytes of ${build.name}`)
  }
  return problems
}

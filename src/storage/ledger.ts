/**
 * The ledger object, `<prefix>.cdn-deploy/ledger.json`: read with one GET (no
 * listing), checked lightly so a hand-edited or truncated file fails clearly
 * instead of deleting the wrong keys, and written with `Cache-Control: no-store`
 * so no CDN in front of the bucket ever serves a stale copy. Its ETag names the
 * version read: the re-read under the lock sends it (`If-None-Match`, a 304 skips
 * the transfer), and the commit sends it (`If-Match`), so a deploy that lost its
 * lock without noticing cannot commit over the one that took it.
 */
import { PutObjectCommand } from './sdk.js'
import { CdnDeployError } from '../errors.js'
import type { Ledger } from '../plan/types.js'
import { internalAcl, type Fence, type StorageContext } from './client.js'
import { errorCode, httpStatus, isNotFound, isPreconditionFailed } from './errors.js'
import { jsonBody } from './json-body.js'
import { fetchText, getText } from './objects.js'

/** The ledger's key under the state prefix (`storage.statePrefix`, default `<prefix>.cdn-deploy/`). */
export function ledgerKey(statePrefix: string): string {
  return `${statePrefix}ledger.json`
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Problems with a parsed ledger's shape (empty when it looks right). Light: shapes, not semantics. */
export function ledgerProblems(value: unknown): string[] {
  if (!isObject(value)) return ['not a JSON object']
  const problems: string[] = []
  if (value.version !== 1) {
    problems.push(
      typeof value.version === 'number' && value.version > 1
        ? `version ${value.version} was written by a newer vite-plugin-cdn-deploy; upgrade it`
        : `unknown version ${JSON.stringify(value.version)}`,
    )
  }
  if (!Array.isArray(value.releases)) problems.push('"releases" is not an array')
  else {
    value.releases.forEach((r, i) => {
      if (!isObject(r) || typeof r.id !== 'string' || typeof r.time !== 'string') problems.push(`releases[${i}] lacks a string id/time`)
    })
  }
  if (!isObject(value.files)) problems.push('"files" is not an object')
  else {
    for (const [rel, e] of Object.entries(value.files)) {
      if (!isObject(e) || typeof e.sha256 !== 'string' || typeof e.size !== 'number' || typeof e.release !== 'string') {
        problems.push(`files[${JSON.stringify(rel)}] lacks sha256/size/release`)
      }
      if (problems.length >= 5) break
    }
  }
  if (value.pendingInvalidations !== undefined && !Array.isArray(value.pendingInvalidations)) {
    problems.push('"pendingInvalidations" is not an array')
  }
  if (value.blobs !== undefined && !isObject(value.blobs)) problems.push('"blobs" is not an object')
  if (value.pending !== undefined && (!isObject(value.pending) || typeof value.pending.release !== 'string' || !Array.isArray(value.pending.rels))) {
    problems.push('"pending" lacks a release and rels')
  }
  return problems
}

/** A ledger as read, with the ETag that names this version of it. */
export interface LedgerVersion {
  ledger: Ledger
  /** Absent when the store sent none: the next read is then a full one. */
  etag?: string
}

/**
 * A conditional commit: `ifMatch` the ETag of the version this deploy read (no
 * other commit since), or `ifNoneMatch: '*'` when there was no ledger.
 */
export type LedgerCondition = { ifMatch: string } | { ifNoneMatch: '*' }

/** The ledger, or undefined when the bucket has none yet (first deploy). */
export async function readLedger(ctx: StorageContext): Promise<Ledger | undefined> {
  return (await readLedgerVersion(ctx))?.ledger
}

/**
 * The ledger and its ETag. With `known` (an earlier read), the GET carries
 * `If-None-Match: <its ETag>`: a `304` (AWS, moto and s3rver all send it) means
 * nothing changed, and `known` is returned as is, without a transfer or a parse.
 * A store that ignores the header answers 200 with the body, read as usual.
 */
export async function readLedgerVersion(ctx: StorageContext, known?: LedgerVersion): Promise<LedgerVersion | undefined> {
  const key = ledgerKey(ctx.statePrefix)
  let got
  try {
    got = await fetchText(ctx, key, known?.etag)
  } catch (err) {
    throw ctx.fail(err, 'GetObject', key)
  }
  if (got === 'not-modified') return known
  if (!got) return undefined
  return { ledger: parseLedger(ctx, key, got.body), ...(got.etag ? { etag: got.etag } : {}) }
}

function parseLedger(ctx: StorageContext, key: string, body: string): Ledger {
  const fix = `fix or delete s3://${ctx.bucket}/${key} (deleting it forgets which keys the tool owns; they are then never pruned)`
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch (err) {
    throw new CdnDeployError('s3', `ledger s3://${ctx.bucket}/${key} is not valid JSON; ${fix}`, { cause: err })
  }
  const problems = ledgerProblems(value)
  if (problems.length > 0) {
    throw new CdnDeployError('s3', `ledger s3://${ctx.bucket}/${key} is corrupt: ${problems.join('; ')}; ${fix}`, { problems })
  }
  return value as Ledger
}

/**
 * Commit the ledger (one PutObject; S3 writes are atomic per object) and return
 * its new ETag. With a `condition`, a ledger changed since this deploy read it
 * (a deploy that took our lock over has committed) fails with `[lock]` instead
 * of being overwritten. A store that answers 501 to the condition gets a plain PUT:
 * the lock is then the only guard, as it is on stores that ignore conditions.
 */
export async function writeLedger(ctx: StorageContext, ledger: Ledger, condition?: LedgerCondition, fence?: Fence): Promise<string | undefined> {
  const key = ledgerKey(ctx.statePrefix)
  const header = !condition ? {} : 'ifMatch' in condition ? { IfMatch: condition.ifMatch } : { IfNoneMatch: condition.ifNoneMatch }
  try {
    return await putJson(ctx, key, ledger, header, fence)
  } catch (err) {
    if (condition && (errorCode(err) === 'NotImplemented' || httpStatus(err) === 501)) return await putJson(ctx, key, ledger, {}, fence)
    // 412, or 404 for If-Match on a key that is gone, or 409 for a write racing ours.
    if (condition && (isPreconditionFailed(err) || errorCode(err) === 'ConditionalRequestConflict' || ('ifMatch' in condition && isNotFound(err)))) {
      throw new CdnDeployError(
        'lock',
        `s3://${ctx.bucket}/${key} changed since this deploy read it: another deploy has committed (this one lost its lock); not committing over it. Deploy again.`,
        { cause: err },
      )
    }
    throw ctx.fail(err, 'PutObject', key)
  }
}

/** A JSON object of the tool's own (journal, reports) by full key; undefined when missing. */
export async function readJson(ctx: StorageContext, key: string): Promise<unknown> {
  const got = await getText(ctx, key)
  if (!got) return undefined
  try {
    return JSON.parse(got.body) as unknown
  } catch (err) {
    throw new CdnDeployError('s3', `s3://${ctx.bucket}/${key} is not valid JSON`, { cause: err })
  }
}

/** Write a JSON object of the tool's own: `no-store`, never public. */
export async function writeJson(ctx: StorageContext, key: string, value: unknown): Promise<void> {
  try {
    await putJson(ctx, key, value, {})
  } catch (err) {
    throw ctx.fail(err, 'PutObject', key)
  }
}

/** One PutObject of a JSON object of the tool's own; returns the new ETag. Errors are the SDK's. */
export async function putJson(
  ctx: StorageContext,
  key: string,
  value: unknown,
  condition: { IfMatch?: string; IfNoneMatch?: string },
  fence?: Fence,
): Promise<string | undefined> {
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html (conditional writes:
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html)
  const body = jsonBody(value)
  const input = {
    Bucket: ctx.bucket,
    Key: key,
    Body: body,
    ContentLength: body.length,
    ContentType: 'application/json; charset=utf-8',
    CacheControl: 'no-store',
    ...internalAcl(ctx),
    ...condition,
  }
  const out = await ctx.send((abortSignal) => ctx.client.send(new PutObjectCommand(input), { abortSignal }), {
    bytes: body.length,
    ...(fence ? { fence } : {}),
  })
  return out.ETag
}

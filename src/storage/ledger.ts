/**
 * The ledger object, `<prefix>.cdn-deploy/ledger.json`: read with one GET (no
 * listing), checked lightly so a hand-edited or truncated file fails clearly
 * instead of deleting the wrong keys, and written with `Cache-Control: no-store`
 * so no CDN in front of the bucket ever serves a stale copy.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { CdnDeployError } from '../errors.js'
import { LEDGER_KEY, type Ledger } from '../plan/types.js'
import type { StorageContext } from './client.js'
import { getText } from './objects.js'

export function ledgerKey(prefix: string): string {
  return `${prefix}${LEDGER_KEY}`
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
  return problems
}

/**
 * ACL for the tool's own objects (ledger, lock): never public, even when the
 * site's files are `public-read`; `bucket-owner-full-control` is kept for
 * cross-account writers.
 */
export function internalAcl(ctx: StorageContext): { ACL?: 'private' | 'bucket-owner-full-control' } {
  if (!ctx.acl) return {}
  return { ACL: ctx.acl === 'bucket-owner-full-control' ? ctx.acl : 'private' }
}

/** The ledger, or undefined when the bucket has none yet (first deploy). */
export async function readLedger(ctx: StorageContext): Promise<Ledger | undefined> {
  const key = ledgerKey(ctx.prefix)
  const got = await getText(ctx, key)
  if (!got) return undefined
  const fix = `fix or delete s3://${ctx.bucket}/${key} (deleting it forgets which keys the tool owns; they are then never pruned)`
  let value: unknown
  try {
    value = JSON.parse(got.body)
  } catch (err) {
    throw new CdnDeployError('s3', `ledger s3://${ctx.bucket}/${key} is not valid JSON; ${fix}`, { cause: err })
  }
  const problems = ledgerProblems(value)
  if (problems.length > 0) {
    throw new CdnDeployError('s3', `ledger s3://${ctx.bucket}/${key} is corrupt: ${problems.join('; ')}; ${fix}`, { problems })
  }
  return value as Ledger
}

/** Commit the ledger (one PutObject; S3 writes are atomic per object). */
export async function writeLedger(ctx: StorageContext, ledger: Ledger): Promise<void> {
  await writeJson(ctx, ledgerKey(ctx.prefix), ledger)
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
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
    await ctx.client.send(
      new PutObjectCommand({
        Bucket: ctx.bucket,
        Key: key,
        Body: `${JSON.stringify(value, null, 2)}\n`,
        ContentType: 'application/json; charset=utf-8',
        CacheControl: 'no-store',
        ...internalAcl(ctx),
      }),
    )
  } catch (err) {
    throw ctx.fail(err, 'PutObject', key)
  }
}

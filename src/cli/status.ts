/**
 * `cdn-deploy status`: is everything a deploy needs in place? Config valid,
 * credentials accepted and bucket reachable (and where), CORS for pages served
 * from another origin, the provider's target reachable, the last releases, and
 * invalidations still in progress. Exit 1 when any check fails; every failure
 * says how to fix it.
 */
import { HeadBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3'
import type { ResolvedCdnConfig } from '../config/types.js'
import type { Ledger } from '../plan/types.js'
import { describeProvider, isCustomProvider, loadProvider, NONE_SUMMARY, type CdnProvider } from '../providers/index.js'
import { errorCode, httpStatus, mapS3Error } from '../storage/errors.js'
import type { Storage } from '../storage/index.js'
import { EXIT, intFlag, output, resolveCliConfig, scrub, storageFor, type GlobalFlags } from './context.js'
import { checkCors, type Check } from './cors.js'
import { newestReleases, releaseRows } from './releases.js'

export interface StatusFlags extends GlobalFlags {
  origin?: string
  releases?: number | string
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
const message = (err: unknown) => (err as Error)?.message ?? String(err)

async function checkBucket(storage: Storage, config: ResolvedCdnConfig): Promise<Check> {
  try {
    // HeadBucket directly (not storage.checkBucket()) to read the bucket's region from the answer.
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html
    const out = await storage.client.send(new HeadBucketCommand({ Bucket: storage.bucket }))
    const region = out.BucketRegion ?? config.storage.region ?? (await storage.client.config.region())
    const endpoint = config.storage.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL
    return {
      name: 'bucket',
      status: 'ok',
      message: `credentials accepted, s3://${storage.bucket} reachable (region ${region}${endpoint ? `, endpoint ${endpoint}` : ''})`,
    }
  } catch (err) {
    const context = { bucket: storage.bucket, region: config.storage.region, endpoint: config.storage.endpoint }
    let mapped = mapS3Error(err, { action: 'HeadBucket', ...context })
    if (httpStatus(err) === 403) {
      // A HEAD answer has no body, so a 403 cannot tell rejected credentials from a
      // missing permission; a one-key listing returns the error code that does.
      try {
        // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
        await storage.client.send(new ListObjectsV2Command({ Bucket: storage.bucket, MaxKeys: 1 }))
      } catch (probe) {
        if (CREDENTIAL_ERRORS.has(errorCode(probe))) mapped = mapS3Error(probe, { action: 'HeadBucket', ...context })
      }
    }
    return { name: 'bucket', status: 'fail', message: mapped.message }
  }
}

/**
 * The ledger lists every file ever deployed and the commits; under a prefix the
 * CDN serves, anyone may read it. A plain anonymous GET of its public URL says.
 */
async function checkStatePrivacy(config: ResolvedCdnConfig): Promise<Check> {
  const name = 'state'
  const state = config.storage.statePrefix
  if (!state.startsWith(config.prefix)) return { name, status: 'ok', message: `the deploy's own objects live under ${state}, outside the served prefix` }
  const url = `${config.publicBase}${state.slice(config.prefix.length)}ledger.json`
  const fix = `set storage.statePrefix outside what the CDN serves (e.g. "_cdn-deploy/${config.prefix}"), or deny ${state}* in a CDN or bucket rule`
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'manual' })
    await res.body?.cancel()
    if (res.status === 200)
      return { name, status: 'warn', message: `the ledger is publicly readable at ${url} (every file deployed, release times, commits): ${fix}` }
    return { name, status: 'ok', message: `the ledger is not served publicly (HTTP ${res.status} at ${url})` }
  } catch (err) {
    return { name, status: 'skip', message: `could not check ${url}: ${message(err)}` }
  }
}

/** The deploy lock relies on conditional writes; say so when the store ignores them. */
async function checkConditionalWrites(storage: Storage): Promise<Check> {
  const name = 'lock'
  try {
    if (await storage.probeConditionalWrites())
      return { name, status: 'ok', message: 'the store honours conditional writes (If-None-Match): two deploys cannot both take the lock' }
    return {
      name,
      status: 'warn',
      message: 'this store ignores conditional writes (If-None-Match), so the deploy lock cannot stop two concurrent deploys; run one at a time',
    }
  } catch (err) {
    return { name, status: 'warn', message: `could not probe conditional writes: ${message(err)}` }
  }
}

const CREDENTIAL_ERRORS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired'])

async function checkLedger(storage: Storage): Promise<{ check: Check; ledger?: Ledger }> {
  try {
    const ledger = await storage.readLedger()
    const current = ledger?.releases.at(-1)
    if (!ledger || !current)
      return {
        check: { name: 'ledger', status: 'warn', message: 'no release yet: run cdn-deploy deploy (or check storage.bucket and prefix)' },
        ...(ledger ? { ledger } : {}),
      }
    const files = Object.keys(ledger.files).length
    const text = `${plural(ledger.releases.length, 'release')}, ${plural(files, 'file')} owned; current ${current.id} at ${current.time}${current.commit ? ` (commit ${current.commit.slice(0, 10)})` : ''}`
    return { check: { name: 'ledger', status: 'ok', message: text }, ledger }
  } catch (err) {
    return { check: { name: 'ledger', status: 'fail', message: message(err) } }
  }
}

async function checkProvider(config: ResolvedCdnConfig): Promise<{ check: Check; provider?: CdnProvider }> {
  const p = config.provider
  if (!isCustomProvider(p) && p.type === 'none') return { check: { name: 'provider', status: 'skip', message: NONE_SUMMARY } }
  try {
    const provider = await loadProvider(p, { publicBase: config.publicBase })
    if (!provider) return { check: { name: 'provider', status: 'skip', message: NONE_SUMMARY } }
    await provider.check()
    return { check: { name: 'provider', status: 'ok', message: `${describeProvider(config.provider)} reachable` }, provider }
  } catch (err) {
    return { check: { name: 'provider', status: 'fail', message: message(err) } }
  }
}

async function checkInvalidations(provider: CdnProvider | undefined, ledger: Ledger | undefined): Promise<Check | undefined> {
  const name = 'invalidations'
  const pending = ledger?.pendingInvalidations ?? []
  const pendingNote = pending.length ? `; ${pending.length} paths failed to purge and wait for the next deploy (or now: cdn-deploy invalidate --pending)` : ''
  const release = ledger?.releases.at(-1)
  const ids = release?.invalidations ?? []
  if (!provider?.status || ids.length === 0) {
    return pendingNote ? { name, status: 'warn', message: pendingNote.slice(2) } : undefined
  }
  try {
    const states = await Promise.all(ids.map(async (id) => [id, await provider.status!(id)] as const))
    const running = states.filter(([, s]) => s.toLowerCase() !== 'completed').map(([id, s]) => `${id} (${s})`)
    const text = running.length
      ? `still in progress for release ${release!.id}: ${running.join(', ')}`
      : `all ${ids.length} of release ${release!.id} completed`
    return { name, status: pendingNote ? 'warn' : 'ok', message: text + pendingNote }
  } catch (err) {
    return { name, status: 'warn', message: `could not read the status of ${ids.join(', ')}: ${message(err)}${pendingNote}` }
  }
}

const LABEL: Record<Check['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' }

function render(checks: readonly Check[]): string[] {
  const width = Math.max(...checks.map((c) => c.name.length))
  return checks.map((c) => `  ${LABEL[c.status]}  ${c.name.padEnd(width)}  ${c.message.split('\n').join('\n        ')}`)
}

export async function statusCommand(flags: StatusFlags): Promise<number> {
  const o = output(flags)
  const checks: Check[] = []
  let resolved: Awaited<ReturnType<typeof resolveCliConfig>>
  try {
    resolved = await resolveCliConfig(flags, { deploy: true })
  } catch (err) {
    checks.push({ name: 'config', status: 'fail', message: message(err) })
    o.json({ ok: false, checks, releases: [] })
    process.stderr.write(`${scrub(message(err))}\n`)
    return EXIT.failure
  }
  const { config, source } = resolved
  const limit = intFlag(flags.releases, 'releases', 3)
  checks.push({
    name: 'config',
    status: 'ok',
    message: `${source}${config.mode ? ` (mode ${config.mode})` : ''}: ${config.publicBase} ← s3://${config.storage.bucket}/${config.prefix}`,
  })
  const storage = storageFor(config)
  let ledger: Ledger | undefined
  try {
    const bucket = await checkBucket(storage, config)
    checks.push(bucket)
    if (bucket.status !== 'fail') {
      checks.push(await checkCors(storage, config, flags.origin === undefined ? undefined : String(flags.origin)))
      checks.push(await checkConditionalWrites(storage))
      const read = await checkLedger(storage)
      checks.push(read.check)
      ledger = read.ledger
      checks.push(await checkStatePrivacy(config))
    }
  } finally {
    storage.destroy()
  }
  const { check, provider } = await checkProvider(config)
  checks.push(check)
  const inv = await checkInvalidations(provider, ledger)
  if (inv) checks.push(inv)

  const failed = checks.filter((c) => c.status === 'fail')
  const releases = newestReleases(ledger, limit)
  o.json({
    ok: failed.length === 0,
    source,
    mode: config.mode ?? null,
    publicBase: config.publicBase,
    bucket: config.storage.bucket,
    prefix: config.prefix,
    checks,
    releases,
  })
  const lines = ['[cdn-deploy] status', ...render(checks)]
  if (releases.length)
    lines.push(`  last ${plural(releases.length, 'release')} (* current):`, ...releaseRows(releases, ledger?.releases.at(-1)?.id).map((r) => `    ${r}`))
  o.out(lines.join('\n'))
  if (failed.length) {
    // Failures reach stderr even with --quiet or --json, fix included.
    const detail = flags.quiet || flags.json ? `\n${render(failed).join('\n')}` : ''
    process.stderr.write(
      `${scrub(`[cdn-deploy] status: ${failed.length} check${failed.length > 1 ? 's' : ''} failed: ${failed.map((c) => c.name).join(', ')}${detail}`)}\n`,
    )
    return EXIT.failure
  }
  const warnings = checks.filter((c) => c.status === 'warn').length
  o.out(`[cdn-deploy] status: all checks passed${warnings ? ` (${plural(warnings, 'warning')})` : ''}`)
  return EXIT.ok
}

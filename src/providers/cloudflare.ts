/**
 * Cloudflare. Exact paths are purged by full URL (scheme and host from the
 * public base), wildcards by prefix, in calls of at most `batchSize`. Rate
 * limits (429) are honoured with the server's Retry-After, capped, else with
 * backoff. The token comes from CLOUDFLARE_API_TOKEN (via the resolved config)
 * and never appears in a message.
 */
import Cloudflare, { APIConnectionError, APIError, APIUserAbortError } from 'cloudflare'
import type { ResolvedProvider } from '../config/types.js'
import { CdnDeployError } from '../errors.js'
import { registerSecret } from '../secrets.js'
import { isWildcard } from '../plan/invalidation.js'
import { cloudflarePrefix, urlVariants } from '../plan/invalidation-encoding.js'
import { backoff, retryAfterMs, sleep, type CdnProvider, type InvalidateContext, type InvalidationResult, type InvalidationTarget, type ProviderTuning } from './types.js'

export type CloudflareConfig = Extract<ResolvedProvider, { type: 'cloudflare' }>

/** Prefixes per purge call: Cloudflare documents 30 for prefix purges. */
export const PREFIXES_PER_CALL = 30

type PurgeBody = { files: string[] } | { prefixes: string[] }

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

export function createCloudflareProvider(config: CloudflareConfig, target: InvalidationTarget, tuning: ProviderTuning = {}): CdnProvider {
  const zone = config.zoneId
  if (!zone) throw new CdnDeployError('cloudflare', 'no zone id: set provider.zoneId or CLOUDFLARE_ZONE_ID (32 hex characters, on the zone\'s Overview page)')
  if (!config.apiToken) throw new CdnDeployError('cloudflare', 'CLOUDFLARE_API_TOKEN is not set: create a token with the "Zone > Cache Purge" permission and set it in the environment')
  const batchSize = Math.max(1, config.batchSize)
  const maxAttempts = tuning.maxAttempts ?? 5
  const baseDelay = tuning.retryBaseDelayMs ?? 1000
  const maxRetryAfter = tuning.maxRetryAfterMs ?? 60_000
  // Retries are ours (capped Retry-After, abortable), so the SDK's are off.
  const client = new Cloudflare({ apiToken: config.apiToken, baseURL: config.baseURL, maxRetries: 0 })

  registerSecret(config.apiToken)

  const fail = (action: string, err: unknown): CdnDeployError => {
    if (err instanceof APIError && err.status !== undefined) {
      const details = err.errors.map((e) => `code ${e.code}: ${e.message}`).join('; ') || err.message
      const hint =
        err.status === 401 || err.status === 403
          ? ` (CLOUDFLARE_API_TOKEN must be a valid token with the "Zone > Cache Purge" permission on zone ${zone})`
          : err.status === 404 || err.errors.some((e) => e.code === 7003 || e.code === 1001)
            ? ` (zone ${zone} not found: check provider.zoneId or CLOUDFLARE_ZONE_ID)`
            : err.status === 429
              ? ' (rate limited: Cloudflare allows a few purge calls a minute on Free plans; the paths stay pending and the next deploy retries them)'
              : ''
      return new CdnDeployError('cloudflare', `${action} on zone ${zone} failed (HTTP ${err.status}, ${details})${hint}`, { cause: err })
    }
    const message = err instanceof Error ? err.message : String(err)
    return new CdnDeployError('cloudflare', `${action} on zone ${zone} failed: ${message} (is ${config.baseURL} reachable?)`, { cause: err })
  }

  const retryable = (err: unknown) =>
    !(err instanceof APIUserAbortError) &&
    (err instanceof APIConnectionError || (err instanceof APIError && err.status !== undefined && (err.status === 408 || err.status === 429 || err.status >= 500)))

  async function purge(body: PurgeBody, signal?: AbortSignal): Promise<string | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        // https://developers.cloudflare.com/api/resources/cache/methods/purge/
        const out = await client.cache.purge({ zone_id: zone, ...body }, { signal })
        return out?.id
      } catch (err) {
        if (signal?.aborted) throw signal.reason
        if (!retryable(err) || attempt >= maxAttempts) throw fail('purge_cache', err)
        const headers = err instanceof APIError ? err.headers : undefined
        await sleep(retryAfterMs(headers?.get('retry-after'), maxRetryAfter) ?? backoff(attempt, baseDelay), signal)
      }
    }
  }

  return {
    name: 'cloudflare',

    async invalidate(paths: readonly string[], ctx: InvalidateContext): Promise<InvalidationResult> {
      const base = ctx.publicBase || target.publicBase
      const files = [...new Set(paths.filter((p) => !isWildcard(p)).flatMap((p) => urlVariants(p, base)))]
      const prefixes = [...new Set(paths.filter(isWildcard).map((p) => cloudflarePrefix(p, base)))]
      const bodies: PurgeBody[] = [
        ...chunk(files, batchSize).map((batch) => ({ files: batch })),
        ...chunk(prefixes, Math.min(batchSize, PREFIXES_PER_CALL)).map((batch) => ({ prefixes: batch })),
      ]
      const ids: string[] = []
      for (const body of bodies) {
        const id = await purge(body, ctx.signal)
        if (id) ids.push(id)
      }
      return { ids, paths: [...files, ...prefixes], requests: bodies.length }
    },

    async check(): Promise<void> {
      try {
        // https://developers.cloudflare.com/api/resources/zones/methods/get/
        await client.zones.get({ zone_id: zone })
        return
      } catch (err) {
        if (!(err instanceof APIError) || (err.status !== 401 && err.status !== 403)) throw fail('GET zone', err)
      }
      // A purge-only token may not read the zone: tell a bad token from a narrow one.
      try {
        // https://developers.cloudflare.com/api/resources/user/subresources/tokens/methods/verify/
        const token = await client.user.tokens.verify()
        if (token.status !== 'active') throw new CdnDeployError('cloudflare', `CLOUDFLARE_API_TOKEN is ${token.status}: create a new token with the "Zone > Cache Purge" permission on zone ${zone}`)
      } catch (err) {
        if (err instanceof CdnDeployError) throw err
        throw fail('token verify', err)
      }
    },
  }
}

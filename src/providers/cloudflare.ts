/**
 * Cloudflare. Exact paths are purged by full URL (scheme and host from the
 * public base), wildcards by prefix, in calls of at most `batchSize`. Rate
 * limits (429) are honoured with the server's Retry-After, capped, else with
 * backoff. The token comes from CLOUDFLARE_API_TOKEN (via the resolved config)
 * and never appears in a message.
 */
import { httpUrl } from '../config/checks.js'
import { integer, matches, optional, string } from '../config/validate.js'
import { CdnDeployError } from '../errors.js'
import { registerSecret } from '../secrets.js'
import { isWildcard } from '../plan/invalidation.js'
import { cloudflarePrefix, urlVariants } from '../plan/invalidation-encoding.js'
import {
  backoff,
  defineProvider,
  retryAfterMs,
  sleep,
  type CdnProvider,
  type InvalidateContext,
  type InvalidationResult,
  type InvalidationTarget,
  type ProviderTuning,
} from './types.js'

/** Purge through the Cloudflare API. Token from `CLOUDFLARE_API_TOKEN`, never from the file. */
export interface CloudflareProviderOptions {
  type: 'cloudflare'
  /** Zone id. Env: `CLOUDFLARE_ZONE_ID`. */
  zoneId?: string
  /**
   * API base URL, for tests and special accounts.
   * @default 'https://api.cloudflare.com/client/v4'
   */
  baseURL?: string
  /**
   * URLs per purge call (Cloudflare allows 100 on most plans).
   * @default 100
   */
  batchSize?: number
}

export type CloudflareConfig = CloudflareProviderOptions & { zoneId: string; apiToken: string; baseURL: string; batchSize: number }

/** The SDK, imported when the provider is loaded (an optional peer dependency). */
type CloudflareSdk = typeof import('cloudflare')

const ZONE_ID = /^[a-f0-9]{32}$/

/** `provider.baseURL` and `provider.batchSize` when unset. */
export const CLOUDFLARE_DEFAULTS = Object.freeze({ baseURL: 'https://api.cloudflare.com/client/v4', batchSize: 100 })

/** Prefixes per purge call: Cloudflare documents 30 for prefix purges. */
export const PREFIXES_PER_CALL = 30

type PurgeBody = { files: string[] } | { prefixes: string[] }

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

export function createCloudflareProvider(config: CloudflareConfig, target: InvalidationTarget, tuning: ProviderTuning, sdk: CloudflareSdk): CdnProvider {
  const { default: Cloudflare, APIConnectionError, APIError, APIUserAbortError } = sdk
  const zone = config.zoneId
  if (!zone) throw new CdnDeployError('cloudflare', "no zone id: set provider.zoneId or CLOUDFLARE_ZONE_ID (32 hex characters, on the zone's Overview page)")
  if (!config.apiToken)
    throw new CdnDeployError(
      'cloudflare',
      'CLOUDFLARE_API_TOKEN is not set: create a token with the "Zone > Cache Purge" permission and set it in the environment',
    )
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
    (err instanceof APIConnectionError ||
      (err instanceof APIError && err.status !== undefined && (err.status === 408 || err.status === 429 || err.status >= 500)))

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
        if (token.status !== 'active')
          throw new CdnDeployError(
            'cloudflare',
            `CLOUDFLARE_API_TOKEN is ${token.status}: create a new token with the "Zone > Cache Purge" permission on zone ${zone}`,
          )
      } catch (err) {
        if (err instanceof CdnDeployError) throw err
        throw fail('token verify', err)
      }
    },
  }
}

export default defineProvider<CloudflareProviderOptions, CloudflareConfig, CloudflareSdk>({
  type: 'cloudflare',
  title: 'Cloudflare',
  options: {
    zoneId: optional(
      string(
        'must be a string of 32 hex characters (the zone id)',
        matches(ZONE_ID, (value) => `"${value}" is not a Cloudflare zone id (32 hex characters, from the zone's Overview page)`),
      ),
    ),
    baseURL: optional(httpUrl('Cloudflare API')),
    batchSize: optional(
      integer({ type: 'must be a number', whole: 'must be a whole number', min: [1, 'must be at least 1'], max: [1000, 'must be at most 1000'] }),
    ),
  },
  defaults: CLOUDFLARE_DEFAULTS,
  credentials: '`CLOUDFLARE_API_TOKEN` (Zone → Cache Purge)',
  env: [{ name: 'CLOUDFLARE_ZONE_ID', option: 'zoneId' }],
  // Purges are free but rate limited (5 calls a minute on Free): five calls of 100.
  invalidation: { maxPaths: 500 },
  peer: { name: 'cloudflare', range: '^7.3.0', import: () => import('cloudflare') },
  secretHint: 'the Cloudflare token does not belong in the config file: set the CLOUDFLARE_API_TOKEN env var',
  resolve(p, { env, need }) {
    const apiToken = env.CLOUDFLARE_API_TOKEN ?? ''
    need(p.zoneId, 'provider.zoneId: required for Cloudflare (set it, or CLOUDFLARE_ZONE_ID)')
    need(apiToken, 'CLOUDFLARE_API_TOKEN: required for Cloudflare: set the env var to a token with the "Zone.Cache Purge" permission')
    return {
      ...p,
      zoneId: p.zoneId ?? '',
      apiToken,
      baseURL: p.baseURL ?? CLOUDFLARE_DEFAULTS.baseURL,
      batchSize: p.batchSize ?? CLOUDFLARE_DEFAULTS.batchSize,
    }
  },
  describe: (config) => `Cloudflare zone ${config.zoneId}`,
  load: createCloudflareProvider,
})

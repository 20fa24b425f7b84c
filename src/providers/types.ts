/**
 * The one interface every CDN adapter implements (built-in or passed in the
 * config), the invalidation options, and two small helpers the adapters share.
 * An adapter receives paths already derived and collapsed by
 * `src/plan/invalidation.ts` and only encodes, batches and submits them.
 */
import type { ResolvedProvider } from '../config/types.js'

export { backoff, sleep } from '../backoff.js'

/** Where the deploy is served: what adapters need to turn paths into their own form. */
export interface InvalidationTarget {
  /** Absolute public base URL, ending in `/` (ResolvedCdnConfig.publicBase). */
  publicBase: string
}

export interface InvalidateContext {
  /**
   * Release id the paths belong to. CloudFront derives its CallerReference from
   * it, so submitting the same paths for the same release twice (a retried
   * deploy) creates no second invalidation: pass the id of the release whose
   * ledger commit recorded the paths.
   */
  release: string
  /** Same as the target's; lets custom adapters build full URLs. */
  publicBase: string
  signal?: AbortSignal
}

export interface InvalidationResult {
  /** Ids the CDN returned (CloudFront invalidation ids, Cloudflare purge ids); may be empty. */
  ids: string[]
  /** What was submitted, in the provider's own form (encoded paths, full URLs, prefixes). */
  paths: string[]
  /** API calls that submitted something (retries not counted). */
  requests: number
}

export type InvalidationStatus = 'InProgress' | 'Completed' | (string & {})

/**
 * A CDN adapter. `paths` are decoded URL paths (`/app/docs/é t.html`) from
 * `planInvalidation`; a trailing `*` is a wildcard. Errors are CdnDeployError
 * scoped to the provider and say how to fix the cause; no secret is ever part
 * of a message.
 */
export interface CdnProvider {
  readonly name: string
  invalidate(paths: readonly string[], ctx: InvalidateContext): Promise<InvalidationResult>
  /** Status of one invalidation id, as the CDN reports it. */
  status?(id: string): Promise<InvalidationStatus>
  /** Resolves once every id is complete; throws after `timeoutMs`. */
  wait?(ids: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<void>
  /** Credentials valid and target reachable (for `cdn-deploy status`); throws with the fix. */
  check(): Promise<void>
}

/** A provider the package does not ship (Fastly, Bunny, Akamai…), passed as `provider` in the config. */
export type CustomProvider = CdnProvider

export function isCustomProvider(value: unknown): value is CustomProvider {
  return typeof value === 'object' && value !== null && typeof (value as CdnProvider).invalidate === 'function' && typeof (value as CdnProvider).check === 'function'
}

/** What `loadProvider` accepts: a resolved built-in config or a custom adapter. */
export type ProviderInput = ResolvedProvider | CustomProvider

/** `invalidate` in the config (proposed; the schema is wired by config owners). */
export interface InvalidateOptions {
  /**
   * Above this many paths, collapse into the fewest wildcards that cover the
   * change without covering much else.
   * @default per provider: cloudfront 50, cloudflare 500, generic 1000 (DEFAULT_MAX_PATHS)
   */
  maxPaths?: number
  /**
   * Purge everything under the public base (`<base>*`; Cloudflare: a prefix purge
   * of the base) whenever something changed, instead of the changed paths.
   * @default false
   */
  purgeEverything?: boolean
}

/** Knobs for tests and special accounts; every adapter takes the ones it uses. */
export interface ProviderTuning {
  /** First backoff delay. @default 1000 (CloudFront busy: 10_000) */
  retryBaseDelayMs?: number
  /** Attempts per request on retryable errors. @default 5 */
  maxAttempts?: number
  /** Longest wait honoured from a `Retry-After` header. @default 60_000 */
  maxRetryAfterMs?: number
  /** CloudFront: how long to keep retrying while TooManyInvalidationsInProgress. @default 900_000 */
  busyTimeoutMs?: number
  /** CloudFront: status poll interval for `wait`. @default 5000 */
  pollIntervalMs?: number
}

/**
 * Milliseconds a `Retry-After` value asks for (delta-seconds or an HTTP date),
 * capped; undefined when absent or unparseable.
 * https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
 */
export function retryAfterMs(value: string | null | undefined, capMs: number, now = Date.now()): number | undefined {
  if (!value) return undefined
  const trimmed = value.trim()
  const ms = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now
  return Number.isFinite(ms) ? Math.min(capMs, Math.max(0, ms)) : undefined
}

/** Seconds waited by CloudFront's `wait: true` (and `cdn-deploy invalidate --wait`). */
export const DEFAULT_WAIT_SECONDS = 600

/** CloudFront's `provider.wait` in milliseconds, or undefined when off. */
export function waitTimeoutMs(wait: boolean | number | undefined): number | undefined {
  if (wait === true) return DEFAULT_WAIT_SECONDS * 1000
  return typeof wait === 'number' && wait > 0 ? wait * 1000 : undefined
}

/**
 * The one interface every CDN adapter implements (built-in or passed in the
 * config), what a built-in provider's file exports (`ProviderDefinition`), the
 * invalidation options, and small helpers the adapters share. An adapter
 * receives paths already derived and collapsed by `src/plan/invalidation.ts` and
 * only encodes, batches and submits them.
 */
import type { Schema } from '../config/validate.js'
import type { Peer } from '../peer.js'

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
  return (
    typeof value === 'object' && value !== null && typeof (value as CdnProvider).invalidate === 'function' && typeof (value as CdnProvider).check === 'function'
  )
}

/** `invalidate` in the config (proposed; the schema is wired by config owners). */
export interface InvalidateOptions {
  /**
   * Above this many paths, collapse into the fewest wildcards that cover the
   * change without covering much else.
   * @default per provider (its definition's `invalidation.maxPaths`): cloudfront 50, cloudflare 500, generic 1000
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

/** What a provider's `resolve` gets besides its options. */
export interface ResolveContext {
  /** The environment variables (tokens are read here, never from the file). */
  env: Record<string, string | undefined>
  /** Report `message` (a whole line: `provider.zoneId: required for …`) if `value` is missing and the config deploys. */
  need(value: unknown, message: string): void
}

/** An env var that fills one option, over the file's value, checked with that option's own schema. */
export interface EnvBinding<O> {
  /** e.g. `CLOUDFLARE_ZONE_ID` */
  name: string
  option: Exclude<keyof O, 'type'> & string
  /** Set, it also picks this provider when `provider` is unset or `none` (`CDN_DISTRIBUTION_ID`). @default false */
  selects?: boolean
}

/** The check of each option besides `type`, made with src/config/validate.ts (`optional(string(…))`…). */
export type OptionSchemas<O> = { readonly [K in Exclude<keyof O, 'type'>]-?: Schema<O[K]> }

/**
 * A built-in provider: everything the rest of the package knows about it comes
 * from here (config schema, env vars, defaults, docs table, `cdn-deploy status`,
 * the loader). `O`: its options as users write them; `R`: after `resolve`, what
 * the adapter gets; `S`: its SDK module, if it needs one (`peer`). Add one by
 * writing `src/providers/<type>.ts` whose default export is
 * `defineProvider<O, R, S>({...})`, and adding it to the list in
 * src/providers/registry.ts (docs/providers.md, "Adding a built-in provider").
 */
export interface ProviderDefinition<O extends { type: string } = { type: string }, R extends O = O, S = undefined> {
  /** `provider.type` in the config, and the scope of the adapter's errors (`[cdn-deploy] [<type>]`). */
  readonly type: O['type']
  /** The CDN, for the docs table (`Amazon CloudFront`). */
  readonly title: string
  readonly options: OptionSchemas<O>
  /** Defaults `resolve` fills in, listed in the docs table. @default {} */
  readonly defaults?: Readonly<Partial<Omit<R, 'type'>>>
  readonly env?: ReadonlyArray<EnvBinding<O>>
  /**
   * Invalidation planning: above `maxPaths` changed paths, they collapse into a few
   * wildcards (`invalidate.maxPaths` overrides it); `maxWildcards`: wildcards the
   * CDN accepts in flight. @default { maxPaths: 1000 }
   */
  readonly invalidation?: { readonly maxPaths: number; readonly maxWildcards?: number }
  /** The SDK the adapter needs: an optional peer dependency, imported only when this provider is loaded. */
  readonly peer?: Peer<S>
  /** Where its credentials come from, for the docs table (`CLOUDFLARE_API_TOKEN`). */
  readonly credentials?: string
  /** The hint for a secret-looking key written under `provider` (`apiToken`). @default: keep secrets in env vars */
  readonly secretHint?: string
  /** Problems the schema cannot see (a secret written in the file), each `<option>: <what is wrong>`. */
  lint?(options: O): string[]
  /** Options (validated, environment and env vars applied) → the adapter's config, defaults filled in. */
  resolve(options: O, ctx: ResolveContext): R
  /** The target, nothing secret in it (`CloudFront distribution E2EXAMPLE`), for `cdn-deploy status`. */
  describe(config: R): string
  /** How long a purge is waited for, if the options ask for it (CloudFront's `wait`). */
  waitMs?(config: R): number | undefined
  /** The adapter, given the imported `peer` (absent for `none`: nothing to purge). */
  load?(config: R, target: InvalidationTarget, tuning: ProviderTuning, sdk: S): CdnProvider
}

/** Types a provider's definition (identity at run time). */
export function defineProvider<O extends { type: string }, R extends O, S = undefined>(definition: ProviderDefinition<O, R, S>): ProviderDefinition<O, R, S> {
  return definition
}

/** Any provider's definition, as the registry handles them (options by name). */
export type AnyProviderDefinition = Omit<ProviderDefinition, 'options' | 'env' | 'defaults'> & {
  readonly options: Readonly<Record<string, Schema<unknown>>>
  readonly env?: ReadonlyArray<EnvBinding<Record<string, unknown>>>
  readonly defaults?: Readonly<Record<string, unknown>>
}

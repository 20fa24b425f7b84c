/**
 * The provider registry. Each built-in adapter lives in its own file and is
 * imported only when configured, so a Cloudflare user never loads the
 * CloudFront SDK (and the reverse). A new provider is one file plus one line here.
 */
import type { ResolvedProvider } from '../config/types.js'
import { CdnDeployError } from '../errors.js'
import { CLOUDFRONT_LIMITS, DEFAULT_MAX_PATHS, planInvalidation, type InvalidationPlan } from '../plan/invalidation.js'
import { isCustomProvider, type CdnProvider, type InvalidateOptions, type InvalidationTarget, type ProviderInput, type ProviderTuning } from './types.js'

type Factory<T extends ResolvedProvider> = (config: T, target: InvalidationTarget, tuning?: ProviderTuning) => CdnProvider
type BuiltIn = Exclude<ResolvedProvider, { type: 'none' }>
type Loaders = { [K in BuiltIn['type']]: () => Promise<Factory<Extract<BuiltIn, { type: K }>>> }

const LOADERS: Loaders = {
  cloudfront: async () => (await import('./cloudfront.js')).createCloudFrontProvider,
  cloudflare: async () => (await import('./cloudflare.js')).createCloudflareProvider,
  generic: async () => (await import('./generic.js')).createGenericProvider,
}

/** Names of the built-in providers, `none` included. */
export const PROVIDER_TYPES = ['cloudfront', 'cloudflare', 'generic', 'none'] as const

/**
 * The adapter for a resolved provider config, or the custom adapter passed in
 * the config as is. `none` gives `undefined`: nothing is ever purged.
 */
export async function loadProvider(provider: ProviderInput, target: InvalidationTarget, tuning?: ProviderTuning): Promise<CdnProvider | undefined> {
  if (isCustomProvider(provider)) return provider
  if (provider.type === 'none') return undefined
  if (!target.publicBase.endsWith('/') || !URL.canParse(target.publicBase)) {
    throw new CdnDeployError('config', `the public base "${target.publicBase}" must be an absolute URL ending in "/"`)
  }
  switch (provider.type) {
    case 'cloudfront':
      return (await LOADERS.cloudfront())(provider, target, tuning)
    case 'cloudflare':
      return (await LOADERS.cloudflare())(provider, target, tuning)
    case 'generic':
      return (await LOADERS.generic())(provider, target, tuning)
    default:
      throw new CdnDeployError('config', `unknown provider type "${String((provider as { type?: unknown }).type)}" (use ${PROVIDER_TYPES.map((t) => `"${t}"`).join(', ')}, or pass an object with invalidate() and check())`)
  }
}

export interface InvalidatorOptions extends InvalidateOptions {
  publicBase: string
  /** Wait for completion (ms) after submitting, when the adapter can (CloudFront `provider.wait`). */
  waitMs?: number
  signal?: AbortSignal
}

export interface InvalidatorResult {
  ids: string[]
  /** Paths submitted (decoded; a trailing `*` is a wildcard). */
  paths: string[]
  plan: InvalidationPlan
  /** Set when `waitMs` passed before completion (the invalidation itself was accepted). */
  waitError?: string
}

/**
 * The deploy engine's purge step for an adapter: changed rels → paths (aliases,
 * collapsing per provider limits) → submit → optionally wait. `universe` (every
 * rel the ledger knows) lets collapsing spare directories of unchanged files.
 */
/** What a provider named `name` would be asked to purge (pure: the dry run uses it without loading the adapter). */
export function planInvalidationFor(name: string, rels: readonly string[], options: InvalidateOptions & { publicBase: string }, universe?: readonly string[]): InvalidationPlan {
  const defaults = DEFAULT_MAX_PATHS as Record<string, number>
  const maxPaths = options.maxPaths ?? defaults[name] ?? DEFAULT_MAX_PATHS.generic
  const maxWildcards = name === 'cloudfront' ? CLOUDFRONT_LIMITS.wildcardsInFlight : undefined
  return planInvalidation(rels, options.publicBase, { maxPaths, maxWildcards, purgeEverything: options.purgeEverything, universe })
}

export function createInvalidator(provider: CdnProvider, options: InvalidatorOptions) {
  return {
    name: provider.name,
    check: () => provider.check(),
    plan(rels: readonly string[], universe?: readonly string[]): InvalidationPlan {
      return planInvalidationFor(provider.name, rels, options, universe)
    },
    async invalidate(rels: string[], release: string, universe?: readonly string[]): Promise<InvalidatorResult> {
      const plan = this.plan(rels, universe)
      if (plan.paths.length === 0) return { ids: [], paths: [], plan }
      const result = await provider.invalidate(plan.paths, { release, publicBase: options.publicBase, signal: options.signal })
      if (options.waitMs && provider.wait && result.ids.length > 0) {
        // The purge is submitted either way: a slow completion must not mark the
        // paths pending (the next deploy would pay for them again).
        try {
          await provider.wait(result.ids, options.waitMs, options.signal)
        } catch (err) {
          if (options.signal?.aborted) throw err
          return { ids: result.ids, paths: plan.paths, plan, waitError: (err as Error).message }
        }
      }
      return { ids: result.ids, paths: plan.paths, plan }
    },
  }
}

export { NONE_SUMMARY } from './none.js'
export type { CdnProvider, CustomProvider, InvalidateContext, InvalidateOptions, InvalidationResult, InvalidationStatus, InvalidationTarget, ProviderInput, ProviderTuning } from './types.js'
export { isCustomProvider } from './types.js'

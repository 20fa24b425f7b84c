/**
 * Loading a provider: a custom adapter is used as is; a built-in one is looked up
 * in the registry (./registry.ts, ./lookup.ts), its SDK imported (an optional peer dependency:
 * a one-line "npm i" error when missing) and its adapter built. Only the
 * configured provider's SDK is ever loaded. Also the purge step the deploy and
 * the CLI share (`createInvalidator`).
 */
import { CdnDeployError } from '../errors.js'
import { importPeer } from '../peer.js'
import { planInvalidation, type InvalidationPlan } from '../plan/invalidation.js'
import { PROVIDER_TYPES, providerDefinition } from './lookup.js'
import type { ProviderInput } from './registry.js'
import { isCustomProvider, type CdnProvider, type InvalidateOptions, type InvalidationTarget, type ProviderTuning } from './types.js'

/** `invalidate.maxPaths` for a provider whose definition sets none (and for custom adapters). */
const FALLBACK_MAX_PATHS = 1000

/**
 * The adapter for a resolved provider config, or the custom adapter passed in
 * the config as is. `none` gives `undefined`: nothing is ever purged.
 */
export async function loadProvider(provider: ProviderInput, target: InvalidationTarget, tuning?: ProviderTuning): Promise<CdnProvider | undefined> {
  if (isCustomProvider(provider)) return provider
  const definition = providerDefinition(provider.type)
  if (definition && !definition.load) return undefined
  if (!target.publicBase.endsWith('/') || !URL.canParse(target.publicBase)) {
    throw new CdnDeployError('config', `the public base "${target.publicBase}" must be an absolute URL ending in "/"`)
  }
  if (!definition?.load) {
    throw new CdnDeployError(
      'config',
      `unknown provider type "${String((provider as { type?: unknown }).type)}" (use ${PROVIDER_TYPES.map((t) => `"${t}"`).join(', ')}, or pass an object with invalidate() and check())`,
    )
  }
  const sdk = definition.peer ? await importPeer(definition.type, `provider "${definition.type}"`, definition.peer, true) : undefined
  return definition.load(provider, target, tuning ?? {}, sdk)
}

/** How long a deploy waits for its purge to complete, when the provider's options ask for it (CloudFront `wait`). */
export function waitMsFor(provider: ProviderInput): number | undefined {
  return isCustomProvider(provider) ? undefined : providerDefinition(provider.type)?.waitMs?.(provider)
}

/** The target in words, nothing secret in it (`cdn-deploy status`). */
export function describeProvider(provider: ProviderInput): string {
  if (isCustomProvider(provider)) return `custom adapter "${provider.name}"`
  return providerDefinition(provider.type)?.describe(provider) ?? 'none'
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
 * What a provider named `name` would be asked to purge (pure: the dry run uses it
 * without loading the adapter). The limits are the built-in provider's of that
 * name (a custom adapter named "cloudfront" gets CloudFront's).
 */
export function planInvalidationFor(
  name: string,
  rels: readonly string[],
  options: InvalidateOptions & { publicBase: string },
  universe?: readonly string[],
): InvalidationPlan {
  const limits = providerDefinition(name)?.invalidation
  const maxPaths = options.maxPaths ?? limits?.maxPaths ?? FALLBACK_MAX_PATHS
  return planInvalidation(rels, options.publicBase, { maxPaths, maxWildcards: limits?.maxWildcards, purgeEverything: options.purgeEverything, universe })
}

/**
 * The deploy engine's purge step for an adapter: changed rels → paths (aliases,
 * collapsing per provider limits) → submit → optionally wait. `universe` (every
 * rel the ledger knows) lets collapsing spare directories of unchanged files.
 */
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
export type { ProviderInput } from './registry.js'
export type { CdnProvider, InvalidateOptions, InvalidationTarget, ProviderTuning } from './types.js'
export { isCustomProvider } from './types.js'

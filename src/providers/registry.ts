/**
 * The built-in providers: the one list to add a provider to. Each is one file
 * whose default export is its definition (`defineProvider`, ./types.ts); the
 * config schema, env vars, option types, invalidation defaults, `cdn-deploy
 * status` and the docs table derive from this list (./lookup.ts). Importing it
 * loads no SDK: a provider's SDK is imported when that provider is loaded.
 */
import cloudflare from './cloudflare.js'
import cloudfront from './cloudfront.js'
import generic from './generic.js'
import none from './none.js'
import type { CustomProvider } from './types.js'

export const PROVIDERS = [cloudfront, cloudflare, generic, none] as const

type OptionsOf<D> = D extends { resolve(options: infer O, ...rest: never[]): unknown } ? O : never
type ResolvedOf<D> = D extends { resolve(...args: never[]): infer R } ? R : never

/** `provider` as users write it for a built-in provider (a union on `type`). */
export type ProviderOptions = OptionsOf<(typeof PROVIDERS)[number]>
/** A built-in provider's config after resolution: what its adapter gets. */
export type ResolvedProvider = ResolvedOf<(typeof PROVIDERS)[number]>
/** What `loadProvider` accepts: a resolved built-in config or a custom adapter. */
export type ProviderInput = ResolvedProvider | CustomProvider

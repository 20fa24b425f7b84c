/**
 * SvelteKit 3 under `cdn()`: the deploy runs at the end of Vite's
 * buildApp, after SvelteKit's adapter step (the adapter's own `buildApp` hook,
 * order 'post', sorts before ours, which is `enforce: 'post'`), on the directory
 * the adapter wrote the client files to. A failed prerender or adapter rejects
 * buildApp before our step, so nothing is deployed.
 *
 * URLs go through SvelteKit's own options, never Vite's `base` (SvelteKit sets
 * it itself): `paths.base` for a whole site on the CDN, `paths.assets` for HTML
 * from an origin. SvelteKit keeps its validated options on its setup plugin's
 * `api.options` (Vite's channel between plugins, which SvelteKit reads them back
 * from too); an unset path is filled in there from cdn.config before SvelteKit's
 * config hook reads it (cdn:config's hook is ordered before it), a set one must
 * agree with it. SvelteKit re-resolves the Vite config in two worker threads
 * (route analysis, prerender), so this runs there too: it must stay silent and
 * idempotent (the prerender worker needs the same paths).
 */
import { resolve } from 'node:path'
import type { Plugin } from 'vite'
import { CdnDeployError } from '../errors.js'
import type { ResolvedCdnConfig } from '../config/types.js'
import type { ViteFramework } from './types.js'

interface KitBuilder {
  writeClient(dest: string, ...rest: unknown[]): unknown
  writePrerendered(dest: string, ...rest: unknown[]): unknown
}
interface KitOptions {
  paths: { base: string; assets: string }
  adapter?: { name?: string; adapt(builder: KitBuilder): unknown }
}
/** Where the adapter wrote the client files and the prerendered pages. */
type Written = { client: Set<string>; prerendered: Set<string> }

const SETUP = 'vite-plugin-sveltekit-setup'
/**
 * Per adapter object: the record of the build running now. The adapter is
 * wrapped once; a second build in the same process with the same adapter (a
 * script calling Vite's builder twice) records into its own sets.
 */
const recorders = new WeakMap<object, Written>()

/** What the CDN config asks of SvelteKit's paths, or a scoped error when the user set them otherwise. */
export function kitPaths(cdn: ResolvedCdnConfig, current: { base: string; assets: string }): { base: string; assets: string } {
  const url = new URL(cdn.publicBase)
  const wanted = cdn.htmlAtOrigin ? { base: current.base, assets: cdn.publicBase.replace(/\/$/, '') } : { base: url.pathname.replace(/\/$/, ''), assets: '' }
  const clash = (field: 'base' | 'assets') => current[field] !== '' && current[field] !== wanted[field]
  for (const field of ['base', 'assets'] as const) {
    if (!clash(field)) continue
    const topology = cdn.htmlAtOrigin ? 'HTML at your origin, assets on the CDN (htmlAtOrigin: true)' : 'the whole site on the CDN'
    throw new CdnDeployError(
      'config',
      `sveltekit({ paths: { ${field}: ${JSON.stringify(current[field])} } }) does not match the CDN (${topology}: ${field} ${JSON.stringify(wanted[field])}); remove it and cdn() sets it from cdn.config`,
    )
  }
  return wanted
}

export function svelteKit(setup: Plugin): ViteFramework {
  const options = (setup.api as { options?: KitOptions } | undefined)?.options
  const written: Written = { client: new Set(), prerendered: new Set() }
  return {
    name: 'SvelteKit',
    deploys: 'buildApp',
    config(_user, cdn) {
      // SvelteKit 2 (2.62+) has the setup plugin too, its options nested under `kit`.
      if (!options?.paths) {
        throw new CdnDeployError(
          'config',
          `cdn() supports SvelteKit 3 (its ${SETUP} plugin carries no paths options here: an older SvelteKit): upgrade, or build without cdn() and deploy the adapter's output with npx cdn-deploy deploy build`,
        )
      }
      Object.assign(options.paths, kitPaths(cdn, options.paths))
      const adapter = options.adapter
      if (!adapter) return undefined
      const first = !recorders.has(adapter)
      recorders.set(adapter, written)
      if (!first) return undefined
      // Learn the directories from the adapter's own calls: adapters choose them
      // (adapter-static `pages`/`assets`, adapter-node `build/client`).
      const adapt = adapter.adapt.bind(adapter)
      adapter.adapt = (builder: KitBuilder) => {
        const record =
          (kind: keyof Written, write: KitBuilder['writeClient']) =>
          (dest: string, ...rest: unknown[]) => {
            recorders.get(adapter)?.[kind].add(resolve(dest))
            return write.call(builder, dest, ...rest)
          }
        builder.writeClient = record('client', builder.writeClient)
        builder.writePrerendered = record('prerendered', builder.writePrerendered)
        return adapt(builder)
      }
      return undefined
    },
    finalDir(state) {
      const [client, ...more] = written.client
      if (!client)
        return {
          why: `SvelteKit's adapter${options?.adapter?.name ? ` (${options.adapter.name})` : ''} wrote no client files (no adapter, or one that does not use writeClient): deploy its output with npx cdn-deploy deploy <dir>`,
        }
      if (more.length > 0)
        return { why: `SvelteKit's adapter wrote the client files to ${written.client.size} directories: deploy each with npx cdn-deploy deploy <dir>` }
      const pages = [...written.prerendered].filter((dir) => dir !== client)
      // HTML from an origin: its server serves the pages, the CDN only the assets.
      if (pages.length > 0 && !state.config?.htmlAtOrigin)
        return {
          why: `SvelteKit's adapter wrote pages to ${pages.join(', ')} and assets to ${client}: a whole site on the CDN needs one directory (adapter-static: the same pages and assets), or set htmlAtOrigin: true`,
        }
      return { dir: client }
    },
  }
}

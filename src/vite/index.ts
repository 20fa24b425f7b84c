/**
 * The plugin factory: several small named plugins sharing one state, in the
 * manner of Vite's plugin-legacy. `cdn:config` resolves and points the build at
 * the CDN; `cdn:build` hashes, minifies and writes the manifest; `cdn:deploy`
 * uploads and invalidates once the build has succeeded.
 */
import type { Plugin } from 'vite'
import type { CdnPluginOptions } from '../config/types.js'
import { buildPlugin } from './build-plugin.js'
import { configPlugin } from './config-plugin.js'
import { deployPlugin } from './deploy-plugin.js'
import { createState } from './state.js'

/**
 * What `cdn()` returns: Vite's `Plugin[]` — typed with the hooks, for a
 * `vite.config.ts` and for code that looks at them — that is also a list of
 * plain named plugins, which Rollup's `plugins` option accepts. Vite 8 types its
 * `Plugin` from Rolldown, and Rollup's `plugins` rejects that type alone
 * (TS2322 in a typed `rollup.config.ts` whenever Vite 8 is installed); the
 * second half matches Rollup's (and Rolldown's) `Plugin`, whose only required
 * field is `name`. Plain Rollup runs these plugins as they are. (Spread into
 * a Rollup list, `...cdn()`, yields Vite's element type: write `cdn()` as one item.)
 */
export type CdnPlugins = Plugin[] & Array<{ name: string }>

export function cdn(options: CdnPluginOptions = {}): CdnPlugins {
  const state = createState(options)
  return [configPlugin(state), buildPlugin(state), deployPlugin(state)]
}

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

export function cdn(options: CdnPluginOptions = {}): Plugin[] {
  const state = createState(options)
  return [configPlugin(state), buildPlugin(state), deployPlugin(state)]
}

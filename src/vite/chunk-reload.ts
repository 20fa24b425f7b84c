/**
 * `reloadOnChunkError`: the inline script of src/runtime/chunk-reload.ts, put
 * first in the `<head>` of the HTML pages a client build emits (Vite's
 * `transformIndexHtml`, after Vite's own tags: its `head-prepend` then lands
 * before everything), and its CSP hash for the manifest. Plain Rollup has no
 * HTML, and frameworks render their own: there the build says so once and
 * points at the runtime's `chunkReloadScript()`.
 */
import type { IndexHtmlTransformHook, Plugin } from 'vite'
import type { ManifestCsp } from '../build/manifest.js'
import { isHtml } from '../plan/content-type.js'
import { CHUNK_RELOAD_CSP_HASH, CHUNK_RELOAD_SCRIPT } from '../runtime/chunk-reload.js'
import { isAsset, type Bundle } from './bundle.js'
import { envFor, sayOnce, type PluginState } from './state.js'

/** The `transformIndexHtml` hook of `cdn:build`: the script tag, for client builds with the option on. */
export function chunkReloadHtml(state: PluginState): Plugin['transformIndexHtml'] {
  const handler: IndexHtmlTransformHook = function (this: unknown) {
    // `this` is the context of Vite's HTML plugin: its environment tells client from server.
    if (!state.config?.reloadOnChunkError || !envFor(state, this)) return undefined
    return [{ tag: 'script', children: CHUNK_RELOAD_SCRIPT, injectTo: 'head-prepend' }]
  }
  return { order: 'post', handler }
}

/**
 * The manifest's `csp` for this bundle: the script's hash when a page of it carries
 * the script. With the option on and no such page, one line says where the script goes.
 */
export function chunkReloadCsp(state: PluginState, bundle: Bundle): ManifestCsp | undefined {
  if (!state.config?.reloadOnChunkError) return undefined
  const carried = Object.values(bundle).filter(isAsset)
    .some((asset) => isHtml(asset.fileName) && Buffer.from(asset.source).toString('utf8').includes(CHUNK_RELOAD_SCRIPT))
  if (carried) return { scriptSrc: [CHUNK_RELOAD_CSP_HASH] }
  const who = !state.isVite ? 'plain Rollup builds no HTML' : state.framework ? `${state.framework.name} renders its own HTML` : 'this build emitted no HTML page'
  sayOnce(state, `[cdn-deploy] reloadOnChunkError: ${who}, so no page got the reload script; put chunkReloadScript() from vite-plugin-cdn-deploy/runtime in the <head> of your pages`, 'warn')
  return undefined
}

/**
 * `reloadOnChunkError`: the inline script of src/runtime/chunk-reload.ts, put
 * first in the `<head>` of the HTML pages a client build emits, and its CSP hash
 * for the manifest. It is written into the HTML assets in `generateBundle`, not
 * through Vite's `transformIndexHtml`: a plugin with that hook makes SvelteKit
 * warn (`transform_index_html_unsupported`). Plain Rollup has no HTML, and
 * frameworks render their own: there the build says so once and points at the
 * runtime's `chunkReloadScript()`.
 */
import type { ManifestCsp } from '../emit/manifest.js'
import { isHtml } from '../plan/content-type.js'
import { CHUNK_RELOAD_CSP_HASH, CHUNK_RELOAD_SCRIPT } from '../runtime/chunk-reload.js'
import { isAsset, type Bundle } from './bundle.js'
import { sayOnce, type PluginState } from './state.js'

const HEAD = /<head(?:\s[^>]*)?>/i

/** The page with the script first in its `<head>` (unchanged when it has no `<head>` or has the script). */
export function withChunkReload(html: string): string {
  if (html.includes(CHUNK_RELOAD_SCRIPT)) return html
  return html.replace(HEAD, (head) => `${head}<script>${CHUNK_RELOAD_SCRIPT}</script>`)
}

/**
 * The manifest's `csp` for this bundle: the script's hash when a page of it carries
 * the script. With the option on and no such page, one line says where the script goes.
 */
export function chunkReloadCsp(state: PluginState, bundle: Bundle): ManifestCsp | undefined {
  if (!state.config?.reloadOnChunkError) return undefined
  const carried = Object.values(bundle)
    .filter(isAsset)
    .some((asset) => isHtml(asset.fileName) && Buffer.from(asset.source).toString('utf8').includes(CHUNK_RELOAD_SCRIPT))
  if (carried) return { scriptSrc: [CHUNK_RELOAD_CSP_HASH] }
  const who = !state.isVite
    ? 'plain Rollup builds no HTML'
    : state.framework
      ? `${state.framework.name} renders its own HTML`
      : 'this build emitted no HTML page'
  sayOnce(
    state,
    `[cdn-deploy] reloadOnChunkError: ${who}, so no page got the reload script; put chunkReloadScript() from vite-plugin-cdn-deploy/runtime in the <head> of your pages`,
    'warn',
  )
  return undefined
}

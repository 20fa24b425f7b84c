/**
 * Chunk-error recovery: a tiny inline script that reloads the page once when a
 * lazily loaded chunk cannot be fetched (a tab left open past retention, whose
 * chunk is gone from the CDN). The one source of the snippet: the plugin injects
 * exactly this text into the HTML it builds (`reloadOnChunkError: true`), and
 * server-rendered pages put `chunkReloadScript()` in their `<head>`. Pure strings,
 * no Node.
 *
 * What it does: Vite dispatches `vite:preloadError` on `window` when a dynamic
 * import (or one of its preloads) fails. The script then reloads the page, once per
 * tab session: it first writes a marker (the reload's time, `Date.now()`) to
 * `sessionStorage` under {@link CHUNK_RELOAD_STORAGE_KEY}, and a later failure in
 * the same session finds the marker and does nothing, so the error surfaces as
 * usual — never a reload loop. Where `sessionStorage` is unavailable (blocked,
 * full, or not keeping what is written) it does not reload at all. It never calls
 * `preventDefault()`: Vite then throws the usual "Failed to fetch dynamically
 * imported module" as the page unloads, which is what error trackers know (with
 * it, the import would resolve to `undefined` and code after it would throw a
 * stranger TypeError instead), as Vite's docs do it. An app may remove
 * the marker (`sessionStorage.removeItem(CHUNK_RELOAD_STORAGE_KEY)`) to allow
 * another reload later in the same tab.
 */
import { escapeAttr } from './html.js'

/** The `sessionStorage` key of the marker: the time (ms since the epoch) of the reload. */
export const CHUNK_RELOAD_STORAGE_KEY = 'cdn-deploy:chunk-reload'

/**
 * The script's text, to put between `<script>` and `</script>` (a classic script,
 * so it runs at once, before the app's module scripts). Hand-minified ES5; keep
 * {@link CHUNK_RELOAD_CSP_HASH} in step when changing it (a unit test checks).
 */
export const CHUNK_RELOAD_SCRIPT =
  '!function(w){w.addEventListener("vite:preloadError",function(e){var k=' +
  JSON.stringify(CHUNK_RELOAD_STORAGE_KEY) +
  ',t=""+Date.now(),s;' +
  'try{s=w.sessionStorage;if(s.getItem(k))return;s.setItem(k,t);if(s.getItem(k)!==t)return}catch(x){return}' +
  'w.location.reload()})}(window)'

/**
 * The CSP source expression that allows the script under a strict
 * Content-Security-Policy: `'sha256-…'` of its exact text, quotes included, ready
 * for `script-src`. (SRI does not apply to inline scripts; this hash is their
 * counterpart.) The build also records it in `cdn-manifest.json` as `csp.scriptSrc`.
 */
export const CHUNK_RELOAD_CSP_HASH = "'sha256-8shNLne0TAa+t4yCHoSzgMUGKlCPdCcqnC/jnyVYLxs='"

export interface ChunkReloadScriptOptions {
  /** A CSP nonce for the tag (`<script nonce="…">`), when your policy uses nonces rather than hashes. */
  nonce?: string
}

/**
 * The `<script>` tag to put first in the `<head>` of a server-rendered (or
 * framework-rendered) page, before the app's own scripts.
 *
 * ```ts
 * html = html.replace('<head>', `<head>${chunkReloadScript({ nonce })}`)
 * ```
 */
export function chunkReloadScript(options: ChunkReloadScriptOptions = {}): string {
  const nonce = options.nonce ? ` nonce="${escapeAttr(options.nonce)}"` : ''
  return `<script${nonce}>${CHUNK_RELOAD_SCRIPT}</script>`
}

/**
 * `vite-plugin-cdn-deploy/runtime`: helpers for server-side renderers, with no
 * Node-only imports, so they run in Node, Deno, Bun and edge workers alike.
 *
 * ```ts
 * import { loadManifest, createAssets } from 'vite-plugin-cdn-deploy/runtime'
 * const assets = createAssets(await loadManifest('dist'))
 * html = html.replace('<!--head-->', assets.preconnect() + assets.tags('index.html'))
 * ```
 */
export { createAssets, type Assets } from './assets.js'
export { loadManifest, MANIFEST_FILE, type LoadManifestOptions } from './load.js'
export type { ReadFile } from './node-fs.js'
export { assertManifest, SUPPORTED_VERSION } from './validate.js'
export { escapeAttr } from './html.js'
export { chunkReloadScript, CHUNK_RELOAD_CSP_HASH, CHUNK_RELOAD_SCRIPT, CHUNK_RELOAD_STORAGE_KEY, type ChunkReloadScriptOptions } from './chunk-reload.js'
export type {
  AssetsOptions,
  CrossOrigin,
  EntryTags,
  LinkTag,
  PreloadAs,
  RuntimeManifest,
  RuntimeManifestEntry,
  RuntimeManifestFile,
  ScriptTag,
} from './types.js'
export { CdnDeployError } from '../errors.js'

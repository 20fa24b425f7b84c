/**
 * Cache-Control rules, pure. User globs first (first match wins), then the
 * defaults from the header contract in ARCHITECTURE.md: a content-hashed file never
 * changes under its URL, so it is cached for a year; every other URL keeps its
 * name when its bytes change, so it must revalidate or expire soon.
 */
import picomatch from 'picomatch'
import { isHtml } from './content-type.js'

export const CACHE = Object.freeze({
  immutable: 'public, max-age=31536000, immutable',
  html: 'public, max-age=0, must-revalidate',
  serviceWorker: 'no-cache',
  mutable: 'public, max-age=300',
})

const SERVICE_WORKER = /(^|\/)(sw|service-worker|serviceworker|firebase-messaging-sw)\.m?js$/i

export type CacheRule = [glob: string, value: string]

/** Compile the rules once; the returned function is called per file. */
export function compileCacheRules(rules: readonly CacheRule[]): (rel: string, immutable: boolean) => string {
  const compiled = rules.map(([glob, value]) => ({ test: picomatch(glob, { dot: true }), value }))
  return (rel, immutable) => {
    for (const rule of compiled) if (rule.test(rel)) return rule.value
    return defaultCacheControl(rel, immutable)
  }
}

export function defaultCacheControl(rel: string, immutable: boolean): string {
  // A service worker must never be stuck behind a long cache, hashed name or not.
  if (SERVICE_WORKER.test(rel)) return CACHE.serviceWorker
  if (immutable) return CACHE.immutable
  if (isHtml(rel)) return CACHE.html
  return CACHE.mutable
}

/**
 * Output folders whose every file is content-hashed by the framework's own
 * contract (its docs promise a year of immutable caching there), relative to
 * the output root: SvelteKit `_app/immutable/`, Astro `_astro/`, Nuxt `_nuxt/`
 * except `builds/latest.json`, which names the newest build under a fixed URL.
 */
const HASHED_FOLDERS: ReadonlyArray<{ folder: string; except?: RegExp }> = [
  { folder: '_app/immutable/' },
  { folder: '_astro/' },
  { folder: '_nuxt/', except: /^_nuxt\/builds\/latest\.json$/ },
]

/** `true`/`false` when `rel` sits in a framework's hashed folder, else `undefined`. */
export function hashedByFolder(rel: string): boolean | undefined {
  const rule = HASHED_FOLDERS.find((r) => rel.startsWith(r.folder))
  return rule ? !rule.except?.test(rel) : undefined
}

/**
 * Conservative content-hash detector for directories built elsewhere (the build
 * knows for sure and says so in the manifest). A false positive marks a mutable
 * file immutable for a year, a false negative only costs a short cache, so only
 * the frameworks' hashed folders and three name shapes count:
 * - right before the extension, after a `-` or `.`: exactly 8 base64url chars
 *   (Rollup/Vite `[hash]`, esbuild) holding a letter and either a digit or a
 *   random-looking mix of 2+ upper and 2+ lower case letters;
 * - there too, 8 to 64 hex chars with a digit and a letter (webpack/Parcel `[contenthash]`);
 * - a name that is nothing but a Rollup hash (`[hash].js`, as Nuxt and React
 *   Router name chunks: `Cr6vbMQs.js`): 8 base64url chars with upper case, lower
 *   case and a digit, not shaped like words followed by a number (`iPhone12`).
 * Kebab-case words (`apple-touch-icon-180x180`, `roboto-v30-latin-regular`) are none of these.
 */
const HASH8 = /[-.]([A-Za-z0-9_-]{8})\.[A-Za-z0-9]+(\.map)?$/
const HEX = /[-.]([0-9a-fA-F]{8,64})\.[A-Za-z0-9]+(\.map)?$/
const HASH_ONLY = /(?:^|\/)([A-Za-z0-9_-]{8})\.[A-Za-z0-9]+(\.map)?$/
const CAMEL = /^[A-Z]?[a-z]+(?:[A-Z][a-z]+)+$/
const WORDS_THEN_NUMBER = /^[A-Za-z][a-z]*(?:[A-Z][a-z]*)*\d*$/
export function looksHashed(rel: string): boolean {
  if (isHtml(rel)) return false
  const byFolder = hashedByFolder(rel)
  if (byFolder !== undefined) return byFolder
  const hex = HEX.exec(rel)?.[1]
  if (hex && /\d/.test(hex) && /[a-f]/i.test(hex)) return true
  const only = HASH_ONLY.exec(rel)?.[1]
  if (only && /[A-Z]/.test(only) && /[a-z]/.test(only) && /\d/.test(only) && !WORDS_THEN_NUMBER.test(only)) return true
  const hash = HASH8.exec(rel)?.[1]
  if (!hash || !/[A-Za-z]/.test(hash)) return false
  if (/\d/.test(hash)) return true
  // Letters only: random case, not a camelCase word such as `MyWidget` or `toDoList`.
  return (hash.match(/[A-Z]/g)?.length ?? 0) >= 2 && (hash.match(/[a-z]/g)?.length ?? 0) >= 2 && !CAMEL.test(hash)
}

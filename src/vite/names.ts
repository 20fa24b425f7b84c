/**
 * Content-hashed output names: every entry, chunk and asset name pattern gets a
 * `[hash]` (a name whose bytes can change must not be cached for a year), and
 * the manifest learns which patterns hash (`HashedPatterns`).
 */
import type { HashedPatterns, NamePattern } from './bundle.js'

export const ROLLUP_DEFAULTS = { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', assetFileNames: 'assets/[name]-[hash][extname]' }
const FIELDS = ['entryFileNames', 'chunkFileNames', 'assetFileNames'] as const
type Field = (typeof FIELDS)[number]
const KIND = { entryFileNames: 'entry', chunkFileNames: 'chunk', assetFileNames: 'asset' } as const

/** `[name].js` → `[name]-[hash].js`, `x/[name][extname]` → `x/[name]-[hash][extname]`. */
export function withHash(pattern: string): string {
  if (pattern.includes('[hash')) return pattern
  if (pattern.endsWith('[extname]')) return `${pattern.slice(0, -'[extname]'.length)}-[hash][extname]`
  const ext = /(\.[A-Za-z0-9]+)$/.exec(pattern)
  return ext ? `${pattern.slice(0, -ext[1]!.length)}-[hash]${ext[1]}` : `${pattern}-[hash]`
}

export interface HashedNames {
  /** The fields to change (empty: the output options are fine as they are). */
  changed: Partial<Record<Field, string>>
  patterns: HashedPatterns
  /** One line per user pattern that had no `[hash]`. */
  warnings: string[]
}

/**
 * The output name patterns with a `[hash]` each. Unset fields are Vite's
 * (hashed already) or, under plain Rollup, Rollup's defaults; a function
 * pattern is left alone and asked again for each file it named (see bundle.ts).
 */
export function hashedNames(output: Partial<Record<Field, unknown>>, isVite: boolean): HashedNames {
  const result: HashedNames = { changed: {}, patterns: { entry: true, chunk: true, asset: true }, warnings: [] }
  for (const field of FIELDS) {
    const pattern = output[field] ?? (isVite ? undefined : ROLLUP_DEFAULTS[field])
    const kind = KIND[field]
    if (typeof pattern === 'function') result.patterns[kind] = pattern as NamePattern
    if (typeof pattern !== 'string') continue
    const hashed = withHash(pattern)
    if (hashed === pattern) continue
    result.changed[field] = hashed
    if (output[field] !== undefined)
      result.warnings.push(`[cdn-deploy] output.${field} "${pattern}" has no [hash]: using "${hashed}" so the file can be cached as immutable`)
  }
  return result
}

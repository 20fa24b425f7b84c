/**
 * Reads a Rollup/Rolldown/Vite output bundle into the plain inputs of
 * createManifest(): final bytes per file, and chunk relations keyed the way
 * Vite's own `build.manifest` keys them.
 */
import { relative } from 'node:path'
import { looksHashed } from '../plan/rules.js'
import { isHtml } from '../plan/content-type.js'
import type { ChunkInput, OutputFileInput } from '../emit/manifest.js'

/** The parts of an output chunk we read (the same in Rollup 4 and Rolldown). */
export interface BundleChunk {
  type: 'chunk'
  fileName: string
  code: string
  name: string
  isEntry: boolean
  isDynamicEntry: boolean
  facadeModuleId: string | null
  imports: string[]
  dynamicImports: string[]
  viteMetadata?: { importedCss: Set<string>; importedAssets: Set<string> }
}

export interface BundleAsset {
  type: 'asset'
  fileName: string
  source: string | Uint8Array
  name?: string
  names?: string[]
}

export type Bundle = Record<string, BundleChunk | BundleAsset | { type: string; fileName: string }>

/** A function output name pattern (`chunkFileNames(chunk) { … }`), as the user or framework gave it. */
export type NamePattern = (info: never) => unknown

/**
 * Whether each output name pattern puts a `[hash]` in the name (decided in
 * outputOptions), or the function pattern to ask per file (VitePress names
 * its chunks with one).
 */
export interface HashedPatterns {
  entry: boolean | NamePattern
  chunk: boolean | NamePattern
  asset: boolean | NamePattern
}

/**
 * A function pattern's own answer for one output: called again with it (an
 * output chunk or asset carries every field of the pre-rendered info Rollup
 * passed the first time), a pattern holding `[hash` means hashed. `undefined`
 * when it throws or returns no string: the name is judged instead.
 */
function hashes(pattern: boolean | NamePattern, output: Bundle[string]): boolean | undefined {
  if (typeof pattern === 'boolean') return pattern
  try {
    const name = (pattern as (info: unknown) => unknown)(output)
    return typeof name === 'string' ? name.includes('[hash') : undefined
  } catch {
    return undefined
  }
}

export const isChunk = (o: Bundle[string]): o is BundleChunk => o.type === 'chunk'
export const isAsset = (o: Bundle[string]): o is BundleAsset => o.type === 'asset'

/** Vite's manifest key: the facade module relative to the root, else `_<file name>`. */
export function chunkKey(chunk: BundleChunk, root: string): string {
  if (chunk.facadeModuleId && !chunk.facadeModuleId.startsWith('\0')) {
    return relative(root, chunk.facadeModuleId).split('\\').join('/').replace(/\0/g, '').replace(/\?.*$/, '')
  }
  return `_${chunk.fileName.slice(chunk.fileName.lastIndexOf('/') + 1)}`
}

export function isImmutableOutput(output: Bundle[string], bundle: Bundle, patterns: HashedPatterns): boolean {
  const name = output.fileName
  if (isHtml(name)) return false
  if (isChunk(output)) return hashes(output.isEntry ? patterns.entry : patterns.chunk, output) ?? looksHashed(name)
  if (name.endsWith('.map')) {
    // A source map is exactly as immutable as the file it maps.
    const mapped = bundle[name.slice(0, -4)]
    return mapped ? isImmutableOutput(mapped, bundle, patterns) : looksHashed(name)
  }
  const asset = output as BundleAsset
  const viaPattern = (asset.names?.length ?? 0) > 0 || !!asset.name
  return (viaPattern ? hashes(patterns.asset, output) : undefined) ?? looksHashed(name)
}

export function describeBundle(bundle: Bundle, root: string, patterns: HashedPatterns): { files: OutputFileInput[]; chunks: ChunkInput[] } {
  const files: OutputFileInput[] = []
  const chunks: ChunkInput[] = []
  const keyOf = new Map<string, string>()
  for (const output of Object.values(bundle)) {
    if (output.fileName.startsWith('.vite/')) continue
    if (isChunk(output)) {
      files.push({ rel: output.fileName, bytes: output.code, immutable: isImmutableOutput(output, bundle, patterns), source: 'bundle' })
      keyOf.set(output.fileName, chunkKey(output, root))
    } else if (isAsset(output)) {
      files.push({ rel: output.fileName, bytes: output.source, immutable: isImmutableOutput(output, bundle, patterns), source: 'bundle' })
    }
  }
  for (const output of Object.values(bundle)) {
    if (!isChunk(output)) continue
    const key = keyOf.get(output.fileName)!
    const chunk: ChunkInput = {
      key,
      file: output.fileName,
      name: output.name,
      css: [...(output.viteMetadata?.importedCss ?? [])],
      assets: [...(output.viteMetadata?.importedAssets ?? [])],
      imports: output.imports.map((f) => keyOf.get(f) ?? f),
      dynamicImports: output.dynamicImports.map((f) => keyOf.get(f) ?? f),
    }
    if (output.facadeModuleId && !key.startsWith('_')) chunk.src = key
    if (output.isEntry) chunk.isEntry = true
    if (output.isDynamicEntry) chunk.isDynamicEntry = true
    chunks.push(chunk)
  }
  return { files, chunks }
}

/**
 * The CDN manifest (`<outDir>/.vite/cdn-manifest.json`): a public contract read by
 * server-side renderers in any language. It extends the shape of Vite's
 * `build.manifest` (entries keyed by source path, `css`/`imports` lists) with
 * CDN URLs, SRI, sizes and headers. Building it is pure: bytes in, JSON out.
 */
import { compileCacheRules, type CacheRule } from '../plan/rules.js'
import { contentTypeFor } from '../plan/content-type.js'
import { urlFor } from '../plan/paths.js'
import { brotliSiblingFor, encodingFor, NO_PRECOMPRESS, type PrecompressOptions } from '../plan/compress.js'
import { releaseId, sha256Hex, sri } from './hash.js'

export const MANIFEST_PATH = '.vite/cdn-manifest.json'
export const MANIFEST_VERSION = 1

export interface ManifestFile {
  /** Absolute public URL. */
  url: string
  size: number
  contentType: string
  /** The Cache-Control header the file is uploaded with. */
  cacheControl: string
  /** Content-hashed name: its bytes never change under this URL. */
  immutable: boolean
  /** Hex sha256 of the bytes. */
  sha256: string
  /** `sha384-…` SRI value, for scripts and stylesheets. */
  integrity?: string
  /** Emitted by the bundler, or copied from `public/`. */
  source: 'bundle' | 'public'
  /** For a hashed copy of a public file (`hashPublic`): its original path. */
  original?: string
  /** `precompress.gzip`: stored gzip-encoded (served with `Content-Encoding: gzip`). */
  contentEncoding?: 'gzip'
  /** `precompress.brotli`: the sibling object holding the brotli-encoded bytes. */
  variants?: { br: string }
}

export interface ManifestEntry {
  /** Output file (relative to outDir), as in Vite's manifest. */
  file: string
  url: string
  integrity: string
  /** Source path relative to the root, when the chunk has one. */
  src?: string
  name?: string
  isEntry?: boolean
  isDynamicEntry?: boolean
  /** Output files of the CSS this chunk imports. */
  css: string[]
  /** Output files of the assets this chunk imports. */
  assets: string[]
  /** Keys of the chunks statically imported. */
  imports: string[]
  /** Keys of the chunks dynamically imported. */
  dynamicImports: string[]
}

export interface CdnManifest {
  version: typeof MANIFEST_VERSION
  /** Release id: UTC build time + digest of every file. */
  release: string
  /** Base URL every `url` starts with. */
  base: string
  generatedAt: string
  /** Chunks, keyed like Vite's `build.manifest` (`index.html`, `src/main.ts`, `_shared-abc.js`). */
  entries: Record<string, ManifestEntry>
  /** Every output file, keyed by its path relative to outDir. */
  files: Record<string, ManifestFile>
  /** `hashPublic`: original public path → hashed output file. */
  public: Record<string, string>
}

export interface OutputFileInput {
  rel: string
  bytes: Uint8Array | string
  immutable: boolean
  source: 'bundle' | 'public'
  original?: string
}

export type ChunkInput = Omit<ManifestEntry, 'url' | 'integrity'> & { key: string }

export interface CreateManifestInput {
  files: OutputFileInput[]
  chunks: ChunkInput[]
  publicBase: string
  cacheControl: readonly CacheRule[]
  precompress?: PrecompressOptions
  now?: Date
}

const SRI_TYPES = /\.([mc]?js|css)$/i

export function createManifest(input: CreateManifestInput): CdnManifest {
  const cacheControlFor = compileCacheRules(input.cacheControl)
  const files: Record<string, ManifestFile> = {}
  const publicMap: Record<string, string> = {}
  const precompress = input.precompress ?? NO_PRECOMPRESS
  const rels = new Set(input.files.map((f) => f.rel))
  for (const file of [...input.files].sort((a, b) => (a.rel < b.rel ? -1 : 1))) {
    const entry: ManifestFile = {
      url: urlFor(file.rel, input.publicBase),
      size: typeof file.bytes === 'string' ? Buffer.byteLength(file.bytes) : file.bytes.byteLength,
      contentType: contentTypeFor(file.rel),
      cacheControl: cacheControlFor(file.rel, file.immutable),
      immutable: file.immutable,
      sha256: sha256Hex(file.bytes),
      source: file.source,
    }
    if (SRI_TYPES.test(file.rel)) entry.integrity = sri(file.bytes)
    const encoding = encodingFor(entry.contentType, entry.size, precompress)
    if (encoding) entry.contentEncoding = encoding
    const sibling = brotliSiblingFor(file.rel, entry.contentType, entry.size, precompress, rels)
    if (sibling) entry.variants = { br: sibling }
    if (file.original) {
      entry.original = file.original
      publicMap[file.original] = file.rel
    }
    files[file.rel] = entry
  }
  const entries: Record<string, ManifestEntry> = {}
  for (const { key, file: rel, ...chunk } of input.chunks) {
    const file = files[rel]
    if (!file) continue
    entries[key] = { file: rel, url: file.url, integrity: file.integrity ?? '', ...chunk }
  }
  const now = input.now ?? new Date()
  return {
    version: MANIFEST_VERSION,
    release: releaseId(now, Object.entries(files).map(([rel, f]) => [rel, f.sha256])),
    base: input.publicBase,
    generatedAt: now.toISOString(),
    entries,
    files,
    public: publicMap,
  }
}

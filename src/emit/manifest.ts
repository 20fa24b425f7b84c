/**
 * The CDN manifest (`<outDir>/.vite/cdn-manifest.json`): a public contract read by
 * server-side renderers in any language. It extends the shape of Vite's
 * `build.manifest` (entries keyed by source path, `css`/`imports` lists) with
 * CDN URLs, SRI, sizes and headers. Building it is pure: bytes in, JSON out;
 * `readBuildManifest` at the end is the one reader, for the deploy and the CLI.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CdnDeployError } from '../errors.js'
import { compileCacheRules, type CacheRule } from '../plan/rules.js'
import { contentTypeFor } from '../plan/content-type.js'
import { urlFor } from '../plan/paths.js'
import { brotliSiblingFor, encodingFor, NO_PRECOMPRESS, type PrecompressOptions } from '../plan/compress.js'
import { releaseId, sha256Hex, sri } from './hash.js'
import { MANIFEST_VERSION, type CdnManifest, type ManifestCsp, type ManifestEntry, type ManifestFile } from './manifest-types.js'

export const MANIFEST_PATH = '.vite/cdn-manifest.json'
export { MANIFEST_VERSION }

export type { CdnManifest, ManifestCsp, ManifestEntry, ManifestFile } from './manifest-types.js'

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
  /** Hashes of inline scripts the build added to its HTML; left out of the manifest when absent. */
  csp?: ManifestCsp
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
    release: releaseId(
      now,
      Object.entries(files).map(([rel, f]) => [rel, f.sha256]),
    ),
    base: input.publicBase,
    generatedAt: now.toISOString(),
    entries,
    files,
    public: publicMap,
    ...(input.csp ? { csp: input.csp } : {}),
  }
}

/**
 * The one reader of `<dir>/.vite/cdn-manifest.json` (the scan, the deploy, the
 * CLI): undefined when the directory was built without the plugin. A broken
 * manifest is an error, not a fallback: guessing immutability wrong would cache
 * a file for a year, or an asset for five minutes.
 */
export async function readBuildManifest(dir: string): Promise<CdnManifest | undefined> {
  const file = join(dir, MANIFEST_PATH)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined // built elsewhere: fall back to names
    throw new CdnDeployError('manifest', `cannot read ${file}`, { cause })
  }
  let parsed: Partial<CdnManifest> | undefined
  try {
    parsed = JSON.parse(text) as Partial<CdnManifest>
  } catch (cause) {
    throw new CdnDeployError('manifest', `${file} is not valid JSON (rebuild, or delete it to fall back to name-based detection)`, { cause })
  }
  if (parsed?.version !== MANIFEST_VERSION || typeof parsed.files !== 'object' || parsed.files === null) {
    throw new CdnDeployError(
      'manifest',
      `${file} is not a version ${MANIFEST_VERSION} cdn-deploy manifest (rebuild, or delete it to fall back to name-based detection)`,
    )
  }
  return parsed as CdnManifest
}

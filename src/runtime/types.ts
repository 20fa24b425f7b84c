/**
 * The manifest as the runtime reads it. The same shape as `CdnManifest` in
 * src/build/manifest.ts (a unit test keeps the two identical), declared again here
 * because that module hashes with Node's crypto and the runtime must stay Node-free.
 */

export interface RuntimeManifestFile {
  url: string
  size: number
  contentType: string
  cacheControl: string
  immutable: boolean
  sha256: string
  integrity?: string
  source: 'bundle' | 'public'
  original?: string
  /** Stored gzip-encoded (served with `Content-Encoding: gzip`). */
  contentEncoding?: 'gzip'
  /** A sibling object with brotli-encoded bytes. */
  variants?: { br: string }
}

export interface RuntimeManifestEntry {
  file: string
  url: string
  integrity: string
  src?: string
  name?: string
  isEntry?: boolean
  isDynamicEntry?: boolean
  css: string[]
  assets: string[]
  imports: string[]
  dynamicImports: string[]
}

export interface RuntimeManifest {
  version: 1
  release: string
  base: string
  generatedAt: string
  entries: Record<string, RuntimeManifestEntry>
  files: Record<string, RuntimeManifestFile>
  public: Record<string, string>
}

/** The value of a `crossorigin` attribute, or `false` to leave it out. */
export type CrossOrigin = 'anonymous' | 'use-credentials' | false

export interface AssetsOptions {
  /**
   * Serve the same build from another place: an absolute URL that replaces
   * `manifest.base` in every URL. With only an origin (`https://cdn2.example.com`)
   * the manifest base's path is kept, as `domain` + `prefix` do in the config; with a
   * path (`https://cdn2.example.com/v2/`) or a root-relative path (`/static/`) it is
   * used as is.
   * @default manifest.base
   */
  base?: string
  /**
   * `crossorigin` on scripts, stylesheets, modulepreloads and preconnects. Module
   * scripts are always fetched with CORS; SRI on a cross-origin file needs it.
   * @default 'anonymous'
   */
  crossorigin?: CrossOrigin
  /**
   * Put the manifest's SRI (`sha384-…`) on scripts, stylesheets and modulepreloads.
   * @default true
   */
  integrity?: boolean
}

export interface ScriptTag {
  src: string
  type: 'module'
  integrity?: string
  crossorigin?: Exclude<CrossOrigin, false>
}

export interface LinkTag {
  href: string
  integrity?: string
  crossorigin?: Exclude<CrossOrigin, false>
}

export interface EntryTags {
  /** The entry chunk itself (`<script type="module">`). */
  scripts: ScriptTag[]
  /** CSS of the entry and of every chunk it imports, dependencies first. */
  styles: LinkTag[]
  /** Chunks the entry imports statically, recursively (`<link rel="modulepreload">`). */
  modulepreloads: LinkTag[]
}

/** The `as` values of `<link rel="preload">`. */
export type PreloadAs = 'script' | 'style' | 'font' | 'image' | 'fetch' | 'audio' | 'video' | 'track' | 'document' | 'embed' | 'object' | 'worker'

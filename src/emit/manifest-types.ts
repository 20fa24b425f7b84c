/**
 * The CDN manifest's shape (`<outDir>/.vite/cdn-manifest.json`), a public
 * contract. Types only and Node-free, so the server runtime (which must run on
 * edge workers) reads the very same declarations the build writes.
 */
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

/** What a strict Content-Security-Policy must allow for the inline scripts the build added. */
export interface ManifestCsp {
  /**
   * CSP source expressions (`'sha256-…'`, quotes included) to add to `script-src`:
   * the hashes of the exact inline scripts the plugin put in the HTML
   * (`reloadOnChunkError`). SRI does not apply to inline scripts; these do.
   */
  scriptSrc: string[]
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
  /** Present when the build added inline scripts to its HTML (`reloadOnChunkError`). */
  csp?: ManifestCsp
}

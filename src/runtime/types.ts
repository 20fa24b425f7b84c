/**
 * The manifest as the runtime reads it: the build's own declarations (types
 * only, Node-free), under the names the runtime has always exported.
 */
export type { CdnManifest as RuntimeManifest, ManifestEntry as RuntimeManifestEntry, ManifestFile as RuntimeManifestFile } from '../emit/manifest-types.js'

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

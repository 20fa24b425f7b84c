import type { ProviderOptions, ResolvedProvider } from '../providers/registry.js'
import type { CustomProvider, InvalidateOptions } from '../providers/types.js'
import { CLOUDFLARE_DEFAULTS } from '../providers/cloudflare.js'
import type { DeployFileOptions, HeaderRule } from './deploy-options.js'

export type { DeployFileOptions, HeaderRule, ServableStorageClass } from './deploy-options.js'

/**
 * The public configuration of vite-plugin-cdn-deploy: what users write in
 * `cdn.config.ts` (or pass inline to the plugin), and what the rest of the code
 * reads after resolution. Defaults live next to the types, frozen.
 */

/** Where the files go: an S3 bucket or any S3-compatible store. */
export interface StorageOptions {
  /** Bucket name. Required when `deploy` is on. Env: `CDN_BUCKET`. */
  bucket?: string
  /**
   * Bucket region.
   * @default the AWS SDK's own chain (`AWS_REGION`, profile), else `us-east-1`
   */
  region?: string
  /**
   * Endpoint of an S3-compatible store (R2, MinIO, Spaces, a local test server).
   * The SDK's `AWS_ENDPOINT_URL_S3` keeps working when this is unset.
   * @default AWS S3
   */
  endpoint?: string
  /**
   * Address buckets as `endpoint/bucket/key` instead of `bucket.endpoint/key`;
   * most S3-compatible stores and local servers need it.
   * @default false
   */
  forcePathStyle?: boolean
  /**
   * Use S3 Transfer Acceleration. Env: `AWS_S3_USE_ACCELERATE=1`.
   * @default false
   */
  accelerate?: boolean
  /**
   * Canned ACL set on every object. Modern buckets disable ACLs (Object Ownership
   * "bucket owner enforced"), so none is sent unless asked for.
   * @default undefined (no ACL header)
   */
  acl?: 'private' | 'public-read' | 'bucket-owner-full-control'
  /**
   * Full key prefix of the deploy's own objects: the ledger, the lock, the
   * journal, the kept bytes of replaced pages (`blobs/`) and the release records
   * (`releases/`). Put it outside what the CDN serves (e.g. `_cdn-deploy/app/`)
   * so nobody can read the deploy history through the public URL.
   * @default `<prefix>.cdn-deploy/`
   */
  statePrefix?: string
}

/**
 * `provider`: a built-in provider's options (each defined in its file under
 * src/providers/, listed in src/providers/registry.ts), or your own adapter object.
 */
export type { ProviderOptions, ResolvedProvider } from '../providers/registry.js'

/** What the plugin minifies itself (what the bundler left raw). */
export interface MinifyOptions {
  /** JS chunks of a plain Rollup build (terser). Vite's own minifier stays in charge under Vite. @default true */
  js?: boolean
  /** CSS assets of a plain Rollup build (lightningcss). @default true */
  css?: boolean
  /** `.js`/`.css` files copied from Vite's `public/` dir. @default false */
  public?: boolean
}

/** How long files dropped from the build stay in the bucket (both must pass). */
export interface RetainOptions {
  /**
   * Later releases a dropped file is kept for: tabs opened before a deploy keep
   * lazy-loading their chunks, and a rollback to any of these releases works.
   * `0` deletes it with the very next deploy (a warning says so).
   * @default 3
   */
  releases?: number
  /** Days a dropped file is kept for at least. @default 7 */
  days?: number
}

/** Options that an environment (`environments.<mode>`) may override. */
export interface CdnOptions extends DeployFileOptions {
  /**
   * Turn the plugin on. Off, the build is exactly a normal local build.
   * Env: `CDN_ENABLED=0|1`.
   * @default true
   */
  enabled?: boolean
  /**
   * Public base URL of the CDN. With no path (`https://cdn.example.com`) the
   * prefix is appended; with a path (`https://cdn.example.com/v2/`) it is used
   * as is, for CDNs whose origin path strips the prefix. Env: `CDN_DOMAIN`.
   */
  domain?: string
  /**
   * Key prefix in the bucket, e.g. `app/`. Env: `CDN_PREFIX`.
   * @default ''
   */
  prefix?: string
  /** The bucket. */
  storage?: StorageOptions
  /**
   * The CDN to invalidate after a deploy: a built-in provider's options, or
   * your own adapter object (`{ name, invalidate(paths, ctx), check() }`).
   * @default { type: 'none' }
   */
  provider?: ProviderOptions | CustomProvider
  /**
   * What to purge: `maxPaths` (above it, changed paths collapse into a few
   * wildcards; default per provider: CloudFront 50, Cloudflare 500, generic 1000)
   * and `purgeEverything` (purge the whole base instead of the changed paths).
   * @default { purgeEverything: false }
   */
  invalidate?: InvalidateOptions
  /**
   * Cache-Control by glob (matched against the key relative to the prefix),
   * first match wins, over the defaults (hashed files immutable for a year,
   * HTML revalidated, service workers `no-cache`, other files short).
   * @default {}
   */
  cacheControl?: Record<string, string>
  /**
   * Minify what the bundler left raw; `false` turns all of it off.
   * @default { js: true, css: true, public: false }
   */
  minify?: boolean | MinifyOptions
  /**
   * Add `integrity` (sha384) and `crossorigin` to script and stylesheet tags in HTML.
   * @default true
   */
  sri?: boolean
  /**
   * Also emit the files of `public/` under content-hashed names (the originals
   * stay too); the manifest maps each original path to its hashed URL.
   * @default false
   */
  hashPublic?: boolean
  /**
   * Serve HTML from your own origin while every asset URL points at the CDN
   * (uses Vite's `renderBuiltUrl`; `base` stays as you set it).
   * @default false
   */
  htmlAtOrigin?: boolean
  /**
   * Recover from chunk errors after a deploy: add a tiny inline script, first in
   * the `<head>` of every HTML page the client build emits, that reloads the page
   * once per tab session when Vite reports a dynamic import it could not load
   * (`vite:preloadError`: a tab left open past retention). A second failure in the
   * same session surfaces as usual, never a reload loop; without `sessionStorage`
   * it never reloads. Its CSP hash is recorded in the manifest (`csp.scriptSrc`).
   * Pages a framework or server renders: put `chunkReloadScript()` from
   * `vite-plugin-cdn-deploy/runtime` in their `<head>`.
   * @default false
   */
  reloadOnChunkError?: boolean
  /**
   * Store text files precompressed, for setups where nothing between the bucket
   * and the browser compresses. `gzip`: compressible files (≥ 1 KiB) are stored
   * gzip-encoded under their own key with `Content-Encoding: gzip`. `brotli`: a
   * sibling `<key>.br` for an edge that picks it by Accept-Encoding (the
   * original stays). `true` means `{ gzip: true }`. Leave it off behind a CDN
   * that compresses (CloudFront, Cloudflare): it would only cost upload time.
   * @default false
   */
  precompress?: boolean | { gzip?: boolean; brotli?: boolean }
  /** Retention of files dropped from the build. @default { releases: 3, days: 7 } */
  retain?: RetainOptions
  /**
   * Most requests in flight (1–256). A deploy starts at 16 and doubles every
   * round trip while the store answers, up to this; a throttling answer (503
   * SlowDown, 429) or none at all halves it (src/flow.ts).
   * @default 128
   */
  concurrency?: number
  /**
   * Upload and invalidate after `vite build`. Off, the build is still CDN-ready.
   * Env: `CDN_DEPLOY=0|1`.
   * @default true
   */
  deploy?: boolean
}

/** The whole `cdn.config.ts`. */
export interface CdnUserConfig extends CdnOptions {
  /**
   * Named overrides, picked by Vite's `--mode` (or `CDN_ENV` in the CLI) and
   * merged over the top level.
   * @default {}
   */
  environments?: Record<string, CdnOptions>
}

/** Options of the plugin factory `cdn(options)`: inline config plus where to find the file. */
export interface CdnPluginOptions extends CdnUserConfig {
  /**
   * Path of the config file (relative to the Vite root). Without it the plugin
   * looks for `cdn.config.{ts,mts,js,mjs}` in the root; inline options override
   * the file.
   * @default 'cdn.config.ts' (if present)
   */
  configFile?: string | false
}

/** Config after defaults, environment and env vars: every field present. */
export interface ResolvedCdnConfig {
  enabled: boolean
  /** The environment picked, if any. */
  mode: string | undefined
  domain: string
  prefix: string
  /** Absolute URL (ending in `/`) at which key `<prefix>x` is served as `<publicBase>x`. */
  publicBase: string
  storage: Required<Pick<StorageOptions, 'forcePathStyle' | 'accelerate' | 'statePrefix'>> &
    Omit<StorageOptions, 'forcePathStyle' | 'accelerate' | 'statePrefix'>
  provider: ResolvedProvider | CustomProvider
  invalidate: { maxPaths?: number; purgeEverything: boolean }
  cacheControl: Array<[glob: string, value: string]>
  minify: Required<MinifyOptions>
  sri: boolean
  hashPublic: boolean
  htmlAtOrigin: boolean
  reloadOnChunkError: boolean
  retain: Required<RetainOptions>
  precompress: { gzip: boolean; brotli: boolean }
  concurrency: number
  deploy: boolean
  /** `undefined`: every file. */
  include: string[] | undefined
  /** With `sourcemaps: 'skip'`, ends with `**\/*.map`. */
  exclude: string[]
  sourcemaps: 'publish' | 'skip'
  headers: Array<[glob: string, rule: HeaderRule]>
  /** Key relative to the prefix (`old`, `docs/index.html`) → target. */
  redirects: Record<string, string>
  maxDeletes: number
}

export const DEFAULTS = Object.freeze({
  enabled: true,
  prefix: '',
  provider: Object.freeze({ type: 'none' }),
  minify: Object.freeze({ js: true, css: true, public: false }),
  sri: true,
  hashPublic: false,
  htmlAtOrigin: false,
  reloadOnChunkError: false,
  retain: Object.freeze({ releases: 3, days: 7 }),
  concurrency: 128,
  deploy: true,
  sourcemaps: 'publish' as const,
  maxDeletes: 256,
  /** Kept for compatibility: each provider's defaults are on its definition (src/providers/<type>.ts). */
  cloudflare: CLOUDFLARE_DEFAULTS,
} satisfies Partial<Record<string, unknown>>)

/** Identity helper that types `cdn.config.ts`. */
export function defineCdnConfig(config: CdnUserConfig): CdnUserConfig {
  return config
}

/**
 * Which files are stored precompressed, pure. For setups where nothing between
 * the bucket and the browser compresses (S3 website endpoints, a CDN with
 * compression off), text can be stored gzip-encoded under its own key
 * (`Content-Encoding: gzip`: every browser and CDN accepts gzip), and brotli only
 * as a sibling `<key>.br` for an edge that negotiates (a CloudFront Function or
 * nginx `brotli_static` choosing by Accept-Encoding): serving br to a client that
 * did not ask for it breaks it, so brotli never replaces the original.
 */
export interface PrecompressOptions {
  /** Store compressible files gzip-encoded under their own key. */
  gzip: boolean
  /** Also store a brotli sibling `<key>.br`. */
  brotli: boolean
}

export const NO_PRECOMPRESS: PrecompressOptions = Object.freeze({ gzip: false, brotli: false })

/** Below this, compression saves less than the encoding costs a client. */
export const MIN_COMPRESS_SIZE = 1024

const COMPRESSIBLE = /^(text\/|image\/svg\+xml|application\/(json|manifest\+json|xml|rss\+xml|atom\+xml|wasm|javascript))/

export function isCompressible(contentType: string, size: number): boolean {
  return size >= MIN_COMPRESS_SIZE && COMPRESSIBLE.test(contentType)
}

/** The Content-Encoding of the object stored under the file's own key, if any. */
export function encodingFor(contentType: string, size: number, options: PrecompressOptions): 'gzip' | undefined {
  return options.gzip && isCompressible(contentType, size) ? 'gzip' : undefined
}

/**
 * Brotli sibling of a file, if it gets one. Not when the build already emits
 * `<rel>.br` itself (a compression plugin): that file is uploaded as it is.
 */
export function brotliSiblingFor(
  rel: string,
  contentType: string,
  size: number,
  options: PrecompressOptions,
  existing: ReadonlySet<string>,
): string | undefined {
  const sibling = `${rel}.br`
  return options.brotli && isCompressible(contentType, size) && !existing.has(sibling) ? sibling : undefined
}

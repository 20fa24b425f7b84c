/**
 * Content-Type by extension, pure. A hand-kept table rather than a MIME database:
 * the set a web build emits is small, and each entry here is a decision (charset
 * on text, `text/javascript` per RFC 9239, wasm for streaming compilation).
 */
const TEXT = '; charset=utf-8'

const TYPES: Record<string, string> = {
  html: 'text/html' + TEXT,
  htm: 'text/html' + TEXT,
  js: 'text/javascript' + TEXT,
  mjs: 'text/javascript' + TEXT,
  cjs: 'text/javascript' + TEXT,
  css: 'text/css' + TEXT,
  json: 'application/json' + TEXT,
  map: 'application/json' + TEXT,
  webmanifest: 'application/manifest+json' + TEXT,
  txt: 'text/plain' + TEXT,
  md: 'text/markdown' + TEXT,
  csv: 'text/csv' + TEXT,
  xml: 'application/xml' + TEXT,
  rss: 'application/rss+xml' + TEXT,
  atom: 'application/atom+xml' + TEXT,
  svg: 'image/svg+xml' + TEXT,
  wasm: 'application/wasm',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  ico: 'image/x-icon',
  bmp: 'image/bmp',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  otf: 'font/otf',
  eot: 'application/vnd.ms-fontobject',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  wav: 'audio/wav',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  br: 'application/x-brotli',
}

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream'

/** The Content-Type for a file name; text types carry `charset=utf-8`. */
export function contentTypeFor(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1)
  const dot = base.lastIndexOf('.')
  if (dot <= 0) return DEFAULT_CONTENT_TYPE
  return TYPES[base.slice(dot + 1).toLowerCase()] ?? DEFAULT_CONTENT_TYPE
}

export function isHtml(path: string): boolean {
  return /\.html?$/i.test(path)
}

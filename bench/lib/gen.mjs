/**
 * Reproducible inputs: every name, size and byte comes from a seeded PRNG
 * (mulberry32), so the same seed gives the same tree on every machine. File
 * times are pinned to a fixed past date, so the mtime-based tools (aws s3 sync,
 * s3-sync-client) see objects uploaded later as up to date, as they would after
 * a real earlier deploy of unchanged files.
 */
import { createWriteStream } from 'node:fs'
import { mkdir, utimes, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'

export const FIXED_MTIME = new Date('2024-01-01T00:00:00Z')

export function mulberry32(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Fast seeded bytes (xorshift32 words); `text` maps them to printable ASCII. */
export function fillBytes(buf, seed, text = false) {
  let x = seed >>> 0 || 0x9e3779b9
  if (buf.byteOffset % 4 !== 0) {
    const copy = fillBytes(Buffer.alloc(buf.byteLength), seed, text)
    copy.copy(buf)
    return buf
  }
  const words = new Uint32Array(buf.buffer, buf.byteOffset, Math.floor(buf.byteLength / 4))
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    words[i] = x >>> 0
  }
  for (let i = words.length * 4; i < buf.byteLength; i++) buf[i] = (i * 131 + seed) & 0xff
  if (text) {
    const alphabet = Buffer.from('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ;(){}=.,\n')
    for (let i = 0; i < buf.byteLength; i++) buf[i] = alphabet[buf[i] % alphabet.length]
  }
  return buf
}

const HASH_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
/** An 8-character Vite-like hash with a digit and letters of both cases (looksHashed). */
export function fakeHash(rand) {
  let s = ''
  for (let i = 0; i < 8; i++) s += HASH_CHARS[Math.floor(rand() * HASH_CHARS.length)]
  return s.slice(0, 5) + String(Math.floor(rand() * 10)) + 'Q' + 'x'
}

/** Log-normal sample with a given median (sigma in natural-log units). */
function logNormal(rand, median, sigma) {
  const u = Math.max(rand(), 1e-12),
    v = rand()
  return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v))
}

const KINDS = [
  // share, dir, ext, median bytes, sigma, text
  { share: 0.55, dir: 'assets', ext: 'js', median: 9_000, sigma: 1.0, text: true },
  { share: 0.15, dir: 'assets', ext: 'css', median: 4_000, sigma: 0.9, text: true },
  { share: 0.22, dir: 'assets/img', ext: 'png', median: 20_000, sigma: 1.2, text: false },
  { share: 0.05, dir: 'assets/fonts', ext: 'woff2', median: 30_000, sigma: 0.5, text: false },
  { share: 0.03, dir: 'assets/media', ext: 'webp', median: 80_000, sigma: 1.0, text: false },
]

/**
 * A build-like tree: `count` files totalling about `totalBytes` (sizes scaled
 * to the total, each capped at `maxFile` so no tool switches to multipart), a
 * few HTML pages (mutable) and many content-hashed assets (immutable).
 * Returns the file list; index.html references the first JS asset.
 */
export function planTree({ seed, count, totalBytes, maxFile = 4 * 1024 * 1024, htmlPages = 10 }) {
  const rand = mulberry32(seed)
  const files = []
  for (let i = 0; i < htmlPages; i++) {
    files.push({ rel: i === 0 ? 'index.html' : `pages/page-${i}/index.html`, size: Math.round(logNormal(rand, 6_000, 0.5)), text: true })
  }
  files.push({ rel: 'robots.txt', size: 60, text: true }, { rel: 'favicon.ico', size: 4_286, text: false })
  while (files.length < count) {
    let r = rand()
    const kind = KINDS.find((k) => (r -= k.share) <= 0) ?? KINDS[0]
    const sub = Math.floor(rand() * 8) // spread over a few directories
    files.push({
      rel: `${kind.dir}/${sub}/chunk${files.length}-${fakeHash(rand)}.${kind.ext}`,
      size: logNormal(rand, kind.median, kind.sigma),
      text: kind.text,
    })
  }
  const scale = totalBytes / files.reduce((s, f) => s + f.size, 0)
  for (const f of files) f.size = Math.max(16, Math.min(maxFile, Math.round(f.size * scale)))
  files.forEach((f, i) => (f.seed = (seed * 7919 + i * 104729) >>> 0))
  return files
}

/** The HTML body that references `asset` (the one-file-changed scenario swaps it). */
export function htmlFor(asset, size, seed) {
  const head = `<!doctype html><html><head><script type="module" src="/${asset}"></script></head><body>`
  const filler = fillBytes(Buffer.alloc(Math.max(0, size - head.length - 15)), seed, true).toString('latin1')
  return `${head}${filler}</body></html>\n`
}

export async function writeTree(root, files) {
  const firstJs = files.find((f) => f.rel.endsWith('.js'))
  const dirs = new Set(files.map((f) => dirname(join(root, f.rel))))
  for (const d of dirs) await mkdir(d, { recursive: true })
  let bytes = 0
  // Bounded parallel writes: quick, and deterministic content per file.
  const queue = [...files]
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let f = queue.shift(); f; f = queue.shift()) {
        const path = join(root, f.rel)
        const body = f.rel === 'index.html' ? Buffer.from(htmlFor(firstJs.rel, f.size, f.seed)) : fillBytes(Buffer.allocUnsafe(f.size), f.seed, f.text)
        await writeFile(path, body)
        await utimes(path, FIXED_MTIME, FIXED_MTIME)
        bytes += body.length
      }
    }),
  )
  return { files: files.length, bytes, firstJs: firstJs.rel }
}

/** One big file of seeded bytes, written in 8 MiB slices (never whole in memory). */
export async function writeBigFile(path, size, seed) {
  await mkdir(dirname(path), { recursive: true })
  const out = createWriteStream(path)
  const slice = 8 * 1024 * 1024
  const buf = Buffer.allocUnsafe(slice)
  for (let at = 0, i = 0; at < size; at += slice, i++) {
    const n = Math.min(slice, size - at)
    fillBytes(buf.subarray(0, n), seed + i)
    if (!out.write(Buffer.from(buf.subarray(0, n)))) await new Promise((r) => out.once('drain', r))
  }
  await new Promise((resolve, reject) => out.end((e) => (e ? reject(e) : resolve())))
  await utimes(path, FIXED_MTIME, FIXED_MTIME)
}

/**
 * The latency scenarios' site: `count` files of about `size` bytes each (±`spread`,
 * uniform), laid out like a build (10 HTML pages, hashed JS/CSS/images/fonts in
 * a few hundred directories for 100,000 files), so no size effect blurs the
 * per-request cost the scenario measures.
 */
export function planSmallFiles({ seed, count, size = 10 * 1024, spread = 0.2, htmlPages = 10 }) {
  const rand = mulberry32(seed)
  const files = []
  const around = () => Math.max(16, Math.round(size * (1 - spread + 2 * spread * rand())))
  for (let i = 0; i < Math.min(htmlPages, count); i++) files.push({ rel: i === 0 ? 'index.html' : `pages/page-${i}/index.html`, size: around(), text: true })
  const dirs = Math.max(8, Math.ceil(count / 400))
  while (files.length < count) {
    let r = rand()
    const kind = KINDS.find((k) => (r -= k.share) <= 0) ?? KINDS[0]
    const sub = Math.floor(rand() * dirs)
    files.push({ rel: `${kind.dir}/${sub}/chunk${files.length}-${fakeHash(rand)}.${kind.ext}`, size: around(), text: kind.text })
  }
  files.forEach((f, i) => (f.seed = (seed * 7919 + i * 104729) >>> 0))
  return files
}

/**
 * The scan: the one place the deploy reads the output directory. It lists every
 * file (dot files too), hashes each, and says which files are content-hashed,
 * from the build's manifest when there is one. Everything after this works on
 * the returned values, not on the disk.
 *
 * Speed matters here: on a no-op redeploy of a big site the scan is most of the
 * wall time (the bench's no-op scenario). So small files, nearly all of a web
 * build, are read with synchronous calls into one reused buffer (no promise, no
 * allocation per file); only big ones stream in chunks, so a multi-GB video
 * never sits in memory and only `concurrency` of them are open at once.
 */
import { createHash } from 'node:crypto'
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { lstat, open, readdir, readlink, realpath, stat } from 'node:fs/promises'
import { join, sep } from 'node:path'
import { readBuildManifest, type CdnManifest, type ManifestFile } from '../emit/manifest.js'
import { CdnDeployError } from '../errors.js'
import { contentTypeFor } from '../plan/content-type.js'
import { compileFilter, type FileFilter } from '../plan/filter.js'
import { isSafeRelPath } from '../plan/paths.js'
import { looksHashed } from '../plan/rules.js'
import type { LocalFile } from '../plan/types.js'
import { runPool } from '../pool.js'

export interface ScanOptions {
  /**
   * Also deploy `<dir>/.vite/` (Vite's manifest and ours), for servers that read
   * them from the CDN. Only the top-level `.vite/` is Vite's; nested ones are kept.
   * @default false
   */
  includeVite?: boolean
  /** The build's manifest; read from `<dir>/.vite/cdn-manifest.json` when not given. */
  manifest?: CdnManifest
  /** Big files (over 256 KiB) read and hashed at once. @default 8 */
  concurrency?: number
  /** Only files matching one of these globs (relative to `dir`; dot files explicit) are deployed. @default every file */
  include?: readonly string[] | undefined
  /** Files matching one of these globs are left out (neither read nor uploaded). @default [] */
  exclude?: readonly string[] | undefined
}

/** What the scan found: the files to deploy, and those `include`/`exclude` left out (rel, sorted). */
export interface ScanResult {
  files: LocalFile[]
  excluded: string[]
}

/** Bytes read per call for big files: big enough for few syscalls, small enough to hold `concurrency` of. */
const CHUNK = 1024 * 1024
/**
 * Files up to this size are hashed synchronously from one shared buffer. The
 * buffer has one spare byte, so a file that grew since its fstat is caught.
 */
const SMALL = 256 * 1024
const smallBuffer = Buffer.allocUnsafe(SMALL + 1)
const DEFAULT_CONCURRENCY = 8

interface Found {
  rel: string
  path: string
}

export async function scanDir(dir: string, options: ScanOptions = {}): Promise<LocalFile[]> {
  return (await scanBuild(dir, options)).files
}

/** The scan, with the files `include`/`exclude` left out (listed, never read). */
export async function scanBuild(dir: string, options: ScanOptions = {}): Promise<ScanResult> {
  const root = await realRoot(dir)
  const excluded: string[] = []
  const found = await listFiles(root, options.includeVite ?? false, compileFilter(options), excluded)
  const manifest = options.manifest ?? (await readBuildManifest(root))
  const immutableFor = immutability(manifest, manifest ? new Set(found.map((f) => f.rel)) : new Set())
  const limit = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY) || DEFAULT_CONCURRENCY)
  // Each listed entry becomes its LocalFile (no second object per file: a 100,000-file
  // site is ~33 MB of them). Small files are hashed here, big ones `limit` at a time;
  // every few thousand files the event loop runs (the ledger's answer comes in meanwhile).
  const files = found as LocalFile[]
  const complete = (i: number, hashed: { size: number; sha256: string }) => {
    const file = files[i]!
    file.size = hashed.size
    file.sha256 = hashed.sha256
    file.contentType = contentTypeFor(file.rel)
    file.immutable = immutableFor(file.rel)
  }
  const big: number[] = []
  for (let i = 0; i < found.length; i++) {
    const hashed = hashSmallFile(found[i]!.path, found[i]!.rel)
    if (hashed) complete(i, hashed)
    else big.push(i)
    if (i % 2048 === 2047) await new Promise((resume) => setImmediate(resume))
  }
  await runPool(big, limit, async (i) => complete(i, await hashBigFile(found[i]!.path, found[i]!.rel)))
  // Code-unit order, not localeCompare: the same list on every machine.
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
  return { files: files.sort((a, b) => order(a.rel, b.rel)), excluded: excluded.sort(order) }
}

async function realRoot(dir: string): Promise<string> {
  try {
    const root = await realpath(dir)
    if ((await stat(root)).isDirectory()) return root
  } catch (cause) {
    throw new CdnDeployError('scan', `output directory ${dir} cannot be read (did the build run?)`, { cause })
  }
  throw new CdnDeployError('scan', `output directory ${dir} is not a directory`)
}

/**
 * A plain recursive readdir, following no links by itself: each link is checked
 * here, so one leading out of the directory is an error (naming it) rather than a
 * silent upload of, say, `~/.aws`, and a link cycle ends with an error instead of
 * looping. `chain` holds the real directories of the links on the way down, to
 * spot the cycles. (fast-glob did this before; it cost 40–70 ms just to import.)
 */
async function listFiles(root: string, includeVite: boolean, ships: FileFilter, excluded: string[]): Promise<Found[]> {
  const out: Found[] = []
  const walk = async (dir: string, base: string, chain: readonly string[]): Promise<void> => {
    let entries
    try {
      entries = await readdir(dir, { withFileTypes: true })
    } catch (cause) {
      throw new CdnDeployError('scan', `cannot list ${base ? base.slice(0, -1) : root}`, { cause })
    }
    for (const entry of entries) {
      const rel = base + entry.name
      // Only the top-level `.vite` is Vite's (a link named so too: it is never followed).
      if (!includeVite && rel === '.vite') continue
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        await walk(path, `${rel}/`, chain)
        continue
      }
      await checkName(rel, path)
      if (entry.isFile()) {
        if (ships(rel)) out.push({ rel, path })
        else excluded.push(rel)
      } else if (entry.isSymbolicLink()) {
        const target = await followLink(root, rel, path)
        // The real path is recorded (and walked): the upload opens it without following
        // links, so a link retargeted after the scan cannot publish another file.
        if (target.directory) {
          if (chain.includes(target.real))
            throw new CdnDeployError('scan', `symlink ${rel} → ${target.raw} makes a cycle (it leads back to a directory that contains it)`)
          await walk(target.real, `${rel}/`, [...chain, target.real])
        } else if (ships(rel)) {
          out.push({ rel, path: target.real })
        } else {
          excluded.push(rel)
        }
      } else {
        throw new CdnDeployError('scan', `${rel} is not a regular file (a socket, FIFO or device cannot be uploaded)`)
      }
    }
  }
  await walk(root, '', [root])
  return out
}

/** Keys are made from these names, so refuse any that would not map to exactly one key under the prefix. */
async function checkName(rel: string, path: string): Promise<void> {
  if (!isSafeRelPath(rel)) {
    throw new CdnDeployError(
      'scan',
      `refusing ${JSON.stringify(rel)}: a backslash, NUL, "..", "." or empty segment would not make a safe key (rename the file)`,
    )
  }
  // A name that is not valid UTF-8 comes back with U+FFFD, which names another
  // (missing) file; S3 keys are UTF-8. Normalization (NFC vs NFD) is left as on disk:
  // the two are distinct files there and become distinct keys.
  if (rel.includes('\uFFFD')) {
    await lstat(path).catch((cause: unknown) => {
      throw new CdnDeployError('scan', `refusing ${JSON.stringify(rel)}: its name on disk is not valid UTF-8`, { cause })
    })
  }
}

async function followLink(root: string, rel: string, path: string): Promise<{ raw: string; real: string; directory: boolean }> {
  const raw = await readlink(path)
  let real: string
  try {
    real = await realpath(path)
  } catch (cause) {
    throw new CdnDeployError('scan', `symlink ${rel} → ${raw} is broken (nothing at its target)`, { cause })
  }
  if (real !== root && !real.startsWith(root.endsWith(sep) ? root : root + sep)) {
    throw new CdnDeployError(
      'scan',
      `symlink ${rel} → ${raw} leads outside the output directory ${root} (to ${real}); only links that stay inside are followed, so copy the target into the build instead`,
    )
  }
  const info = await stat(real)
  if (!info.isDirectory() && !info.isFile())
    throw new CdnDeployError('scan', `symlink ${rel} → ${raw} points at something that is neither a file nor a directory`)
  return { raw, real, directory: info.isDirectory() }
}

/** sha256 and size from one open handle, so both describe the same bytes. Synchronous, for files up to SMALL bytes; undefined for bigger ones (they stream). */
function hashSmallFile(path: string, rel: string): { size: number; sha256: string } | undefined {
  let fd: number | undefined
  try {
    fd = openSync(path, 'r')
    const expected = fstatSync(fd).size
    if (expected > SMALL) return undefined
    let size = 0
    for (let n; size <= SMALL && (n = readSync(fd, smallBuffer, size, SMALL + 1 - size, null)) > 0;) size += n
    if (size !== expected) throw changedWhileRead(rel, expected, size)
    return { size, sha256: createHash('sha256').update(smallBuffer.subarray(0, size)).digest('hex') }
  } catch (cause) {
    if (cause instanceof CdnDeployError) throw cause
    throw new CdnDeployError('scan', `cannot read ${rel}`, { cause })
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

async function hashBigFile(path: string, rel: string): Promise<{ size: number; sha256: string }> {
  let handle
  try {
    handle = await open(path, 'r')
    const expected = (await handle.stat()).size
    const hash = createHash('sha256')
    const buffer = Buffer.allocUnsafe(CHUNK)
    let size = 0
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null)
      if (bytesRead === 0) break
      hash.update(buffer.subarray(0, bytesRead))
      size += bytesRead
    }
    if (size !== expected) throw changedWhileRead(rel, expected, size)
    return { size, sha256: hash.digest('hex') }
  } catch (cause) {
    if (cause instanceof CdnDeployError) throw cause
    throw new CdnDeployError('scan', `cannot read ${rel}`, { cause })
  } finally {
    await handle?.close()
  }
}

const changedWhileRead = (rel: string, expected: number, size: number) =>
  new CdnDeployError(
    'scan',
    `${rel} changed while it was read (${expected} → ${size}${size > SMALL ? '+' : ''} bytes); is something still writing the output directory?`,
  )

/**
 * The manifest knows which names the build hashed; files it does not list
 * (added after the build) fall back to the conservative name pattern. On a
 * filesystem that rewrites name normalization (HFS+ stores NFD) the exact lookup
 * misses, so a file matches a manifest key by NFC form too, unless that exact
 * key is on disk as well (then the two are different files).
 */
function immutability(manifest: CdnManifest | undefined, onDisk: ReadonlySet<string>): (rel: string) => boolean {
  if (!manifest) return looksHashed
  const files = new Map<string, ManifestFile>(Object.entries(manifest.files))
  const byNfc = new Map<string, string | null>() // null: two keys share the form, ambiguous
  for (const key of files.keys()) {
    const nfc = key.normalize('NFC')
    byNfc.set(nfc, byNfc.has(nfc) ? null : key)
  }
  return (rel) => {
    let entry = files.get(rel)
    if (!entry) {
      const key = byNfc.get(rel.normalize('NFC'))
      if (key && !onDisk.has(key)) entry = files.get(key)
    }
    return entry ? entry.immutable === true : looksHashed(rel)
  }
}

/**
 * scanDir on real temp directories: hashes, types, `.vite/`, immutability from
 * the manifest or the name, symlinks in and out, and awkward file names.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { CdnManifest } from '../../src/emit/manifest.js'
import { scanDir } from '../../src/deploy/scan.js'
import { CdnDeployError } from '../../src/errors.js'

async function tree(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cdn-deploy-scan-'))
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true })
    await writeFile(join(dir, rel), content)
  }
  return dir
}

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex')
/** Just enough of a manifest for the scan: which files are immutable. */
const manifest = (immutable: Record<string, boolean | undefined>) =>
  ({ version: 1, files: Object.fromEntries(Object.entries(immutable).map(([rel, value]) => [rel, { immutable: value }])) }) as unknown as CdnManifest

const BUILD = {
  'index.html': '<!doctype html><title>x</title>',
  'assets/index-Bx12abcd.js': 'console.log(1)',
  'assets/app.js': 'export {}',
  'assets/style-Qw12erty.css': 'body{}',
  'fonts/mono.woff2': Buffer.from([0x77, 0x4f, 0x46, 0x32]),
  '.well-known/security.txt': 'Contact: x',
  '.htaccess': 'deny',
  'empty.txt': '',
  'big.bin': randomBytes(3 * 1024 * 1024 + 17), // several read chunks
  '.vite/manifest.json': '{}',
}

describe('scanDir', () => {
  it('lists every file (dot files too, .vite/ skipped) with sha256, size, path and content type, sorted', async () => {
    const dir = await tree(BUILD)
    const files = await scanDir(dir, { concurrency: 3 })
    const expected = Object.keys(BUILD)
      .filter((rel) => !rel.startsWith('.vite/'))
      .sort()
    expect(files.map((f) => f.rel)).toEqual(expected)
    for (const f of files) {
      const bytes = await readFile(f.path)
      expect(f.path).toBe(join(dir, f.rel))
      expect(f.sha256).toBe(sha256(bytes))
      expect(f.size).toBe(bytes.length)
    }
    const type = Object.fromEntries(files.map((f) => [f.rel, f.contentType]))
    expect(type).toMatchObject({
      'index.html': 'text/html; charset=utf-8',
      'assets/app.js': 'text/javascript; charset=utf-8',
      'assets/style-Qw12erty.css': 'text/css; charset=utf-8',
      'fonts/mono.woff2': 'font/woff2',
      'big.bin': 'application/octet-stream',
      '.htaccess': 'application/octet-stream',
    })
    expect(await scanDir(dir, { concurrency: 1 })).toEqual(files)
  })

  it('includes .vite/ when asked', async () => {
    const dir = await tree(BUILD)
    const rels = (await scanDir(dir, { includeVite: true })).map((f) => f.rel)
    expect(rels).toContain('.vite/manifest.json')
  })

  it.each([
    {
      name: 'no manifest: the name pattern decides',
      onDisk: undefined,
      given: undefined,
      immutable: ['assets/index-Bx12abcd.js', 'assets/style-Qw12erty.css'],
    },
    {
      name: 'the manifest on disk decides; unlisted files fall back to the pattern',
      onDisk: { 'assets/app.js': true, 'assets/index-Bx12abcd.js': false },
      given: undefined,
      immutable: ['assets/app.js', 'assets/style-Qw12erty.css'],
    },
    {
      name: 'a given manifest wins over the one on disk',
      onDisk: { 'assets/app.js': true },
      given: { 'fonts/mono.woff2': true, 'assets/style-Qw12erty.css': false },
      immutable: ['assets/index-Bx12abcd.js', 'fonts/mono.woff2'],
    },
  ])('immutability: $name', async ({ onDisk, given, immutable }) => {
    const dir = await tree(onDisk ? { ...BUILD, '.vite/cdn-manifest.json': JSON.stringify(manifest(onDisk)) } : BUILD)
    const files = await scanDir(dir, given ? { manifest: manifest(given) } : {})
    expect(files.filter((f) => f.immutable).map((f) => f.rel)).toEqual(immutable)
  })

  it('refuses a manifest it cannot read rather than guessing', async () => {
    const dir = await tree({ ...BUILD, '.vite/cdn-manifest.json': '{"version":1,' })
    await expect(scanDir(dir)).rejects.toThrow(/cdn-manifest\.json is not valid JSON/)
  })

  it('follows symlinks that stay inside the directory', async () => {
    const dir = await tree({ 'real/a.txt': 'A', 'real/deep/b.txt': 'B' })
    await symlink('real/a.txt', join(dir, 'link.txt'))
    await symlink('real', join(dir, 'alias'))
    const files = await scanDir(dir)
    expect(files.map((f) => f.rel)).toEqual(['alias/a.txt', 'alias/deep/b.txt', 'link.txt', 'real/a.txt', 'real/deep/b.txt'])
    expect(files.find((f) => f.rel === 'link.txt')!.sha256).toBe(sha256('A'))
    expect(files.find((f) => f.rel === 'alias/deep/b.txt')!.sha256).toBe(sha256('B'))
    // The real paths are recorded: the upload opens them without following links.
    expect(files.find((f) => f.rel === 'link.txt')!.path).toBe(join(dir, 'real/a.txt'))
    expect(files.find((f) => f.rel === 'alias/deep/b.txt')!.path).toBe(join(dir, 'real/deep/b.txt'))
  })

  it.each([
    {
      name: 'a file outside',
      link: 'secret.txt',
      target: (outside: string) => join(outside, 'secret.txt'),
      message: /symlink secret\.txt → .*secret\.txt leads outside the output directory/,
    },
    {
      name: 'a directory outside',
      link: 'assets/home',
      target: (outside: string) => outside,
      message: /symlink assets\/home → .*cdn-deploy-scan-.* leads outside/,
    },
    { name: 'a relative path outside', link: 'up', target: () => '..', message: /symlink up → \.\. leads outside/ },
    { name: 'nothing (broken)', link: 'gone.txt', target: () => 'missing.txt', message: /symlink gone\.txt → missing\.txt is broken/ },
    { name: 'its own directory (cycle)', link: 'assets/loop', target: () => '..', message: /symlink assets\/loop → \.\. makes a cycle/ },
  ])('refuses a symlink to $name, naming link and target', async ({ link, target, message }) => {
    const outside = await tree({ 'secret.txt': 'do not upload' })
    const dir = await tree({ 'index.html': 'x', 'assets/a.js': 'a' })
    await symlink(target(outside), join(dir, link))
    const error = await scanDir(dir).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CdnDeployError)
    expect((error as CdnDeployError).scope).toBe('scan')
    expect((error as Error).message).toMatch(message)
  })

  it('keeps unicode names as on disk: NFC and NFD are two files, two keys', async () => {
    const nfc = 'caf\u00e9.txt'
    const nfd = 'cafe\u0301.txt'
    const dir = await tree({ [nfc]: 'composed', [nfd]: 'decomposed', '日本/ファイル.json': '{}' })
    const files = await scanDir(dir)
    expect(files.map((f) => f.rel)).toEqual([nfd, nfc, '日本/ファイル.json'])
    expect(files.map((f) => f.sha256)).toEqual([sha256('decomposed'), sha256('composed'), sha256('{}')])
    expect(files[2]!.contentType).toBe('application/json; charset=utf-8')
  })

  it('scans names with spaces, +, #, %, ?, glob characters and quotes', async () => {
    const names = ['a b.txt', 'a+b.txt', 'a#b.txt', '100%.txt', 'what?.txt', '[x].txt', '{a,b}.txt', '*.txt', "it's.txt", 'dir with space/(1).txt']
    const dir = await tree(Object.fromEntries(names.map((name) => [name, name])))
    const files = await scanDir(dir)
    expect(files.map((f) => f.rel)).toEqual([...names].sort())
    for (const f of files) expect(f.sha256).toBe(sha256(f.rel))
  })

  it.each([
    { name: 'a backslash', make: (dir: string) => writeFile(join(dir, 'a\\b.txt'), 'x'), message: /refusing "a\\\\b\.txt"/ },
    {
      name: 'bytes that are not UTF-8',
      make: (dir: string) => writeFile(Buffer.concat([Buffer.from(`${dir}/bad-`), Buffer.from([0xff]), Buffer.from('.txt')]), 'x'),
      message: /not valid UTF-8/,
    },
  ])('refuses a name with $name', async ({ make, message }) => {
    const dir = await tree({ 'ok.txt': 'ok' })
    await make(dir)
    await expect(scanDir(dir)).rejects.toThrow(message)
  })

  it('hashes files on both sides of the small-file threshold (256 KiB, read synchronously) alike', async () => {
    const K = 256 * 1024
    const sizes = [0, 1, K - 1, K, K + 1, 2 * K + 3]
    const dir = await tree(Object.fromEntries(sizes.map((n) => [`f${n}.bin`, randomBytes(n)])))
    const files = await scanDir(dir)
    expect(files.map((f) => f.size).sort((a, b) => a - b)).toEqual(sizes)
    for (const f of files) expect(f.sha256).toBe(sha256(await readFile(f.path)))
  })

  it('fails clearly on a missing directory', async () => {
    await expect(scanDir(join(tmpdir(), 'cdn-deploy-scan-does-not-exist'))).rejects.toThrow(/\[scan\] output directory .* cannot be read/)
  })
})

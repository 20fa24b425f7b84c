import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { releaseId, sha256Hex, sri } from '../../src/emit/hash.js'
import { MANIFEST_PATH, MANIFEST_VERSION, createManifest, type CreateManifestInput, type OutputFileInput } from '../../src/emit/manifest.js'
import { CACHE } from '../../src/plan/rules.js'

const BASE = 'https://cdn.example.com/app/'
const NOW = new Date('2026-11-23T23:55:00.123Z')
const RELEASE = /^\d{8}T\d{6}Z-[0-9a-f]{8}$/

const JS = 'import"./shared-Ab12Cd34.js";console.log("héllo")'
const SHARED = 'export const x=1'
const CSS = 'body{color:red}'
const HTML = '<!doctype html><script type="module" src="/app/assets/index-DnNdBZve.js"></script>'
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 255])
const ROBOTS = 'User-agent: *\n'

const hex256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex')
const sri384 = (bytes: Uint8Array | string) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`

const files: OutputFileInput[] = [
  { rel: 'index.html', bytes: HTML, immutable: false, source: 'bundle' },
  { rel: 'assets/index-DnNdBZve.js', bytes: JS, immutable: true, source: 'bundle' },
  { rel: 'assets/shared-Ab12Cd34.js', bytes: SHARED, immutable: true, source: 'bundle' },
  { rel: 'assets/index-B3x9kQ2a.css', bytes: CSS, immutable: true, source: 'bundle' },
  { rel: 'assets/my logo-Bq3xZ8mn.png', bytes: PNG, immutable: true, source: 'bundle' },
  { rel: 'robots.txt', bytes: ROBOTS, immutable: false, source: 'public' },
  { rel: 'robots-1a2b3c4d.txt', bytes: ROBOTS, immutable: true, source: 'public', original: 'robots.txt' },
]

const input = (over: Partial<CreateManifestInput> = {}): CreateManifestInput => ({
  files,
  chunks: [
    {
      key: 'index.html',
      file: 'assets/index-DnNdBZve.js',
      src: 'index.html',
      name: 'index',
      isEntry: true,
      css: ['assets/index-B3x9kQ2a.css'],
      assets: ['assets/my logo-Bq3xZ8mn.png'],
      imports: ['_shared-Ab12Cd34.js'],
      dynamicImports: [],
    },
    { key: '_shared-Ab12Cd34.js', file: 'assets/shared-Ab12Cd34.js', name: 'shared', css: [], assets: [], imports: [], dynamicImports: [] },
  ],
  publicBase: BASE,
  cacheControl: [['robots*.txt', 'public, max-age=60']],
  now: NOW,
  ...over,
})

describe('createManifest', () => {
  const manifest = createManifest(input())

  it('has the header fields of the contract', () => {
    expect(MANIFEST_PATH).toBe('.vite/cdn-manifest.json')
    expect(manifest.version).toBe(MANIFEST_VERSION)
    expect(manifest.base).toBe(BASE)
    expect(manifest.generatedAt).toBe('2026-11-23T23:55:00.123Z')
    expect(manifest.release).toMatch(RELEASE)
    expect(manifest.release.startsWith('20261123T235500Z-')).toBe(true)
  })

  it('lists every file once', () => {
    expect(Object.keys(manifest.files).sort()).toEqual(files.map((f) => f.rel).sort())
  })

  it.each(files.map((f) => [f.rel, f] as const))('hashes %s: sha256 and size as node:crypto computes them', (rel, file) => {
    const entry = manifest.files[rel]!
    expect(entry.sha256).toBe(hex256(file.bytes))
    expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(entry.size).toBe(Buffer.from(file.bytes).byteLength)
    expect(entry.immutable).toBe(file.immutable)
    expect(entry.source).toBe(file.source)
  })

  it('counts bytes, not characters, for string sources', () => {
    expect(manifest.files['assets/index-DnNdBZve.js']!.size).toBe(JS.length + 1) // "é" is two bytes
  })

  it.each(['assets/index-DnNdBZve.js', 'assets/shared-Ab12Cd34.js', 'assets/index-B3x9kQ2a.css'])('gives %s an SRI sha384 integrity', (rel) => {
    const file = files.find((f) => f.rel === rel)!
    expect(manifest.files[rel]!.integrity).toBe(sri384(file.bytes))
  })

  it('gives each file its URL, content type and cache-control', () => {
    expect(manifest.files['assets/index-DnNdBZve.js']).toMatchObject({
      url: `${BASE}assets/index-DnNdBZve.js`,
      contentType: 'text/javascript; charset=utf-8',
      cacheControl: CACHE.immutable,
    })
    expect(manifest.files['assets/my logo-Bq3xZ8mn.png']).toMatchObject({
      url: `${BASE}assets/my%20logo-Bq3xZ8mn.png`,
      contentType: 'image/png',
      cacheControl: CACHE.immutable,
    })
    expect(manifest.files['index.html']).toMatchObject({
      url: `${BASE}index.html`,
      contentType: 'text/html; charset=utf-8',
      cacheControl: CACHE.html,
      immutable: false,
    })
    // A user rule wins over the defaults, hashed or not.
    expect(manifest.files['robots.txt']!.cacheControl).toBe('public, max-age=60')
    expect(manifest.files['robots-1a2b3c4d.txt']!.cacheControl).toBe('public, max-age=60')
  })

  it('gives entries the url and integrity of their file, and keeps their relations', () => {
    const entry = manifest.entries['index.html']!
    const file = manifest.files['assets/index-DnNdBZve.js']!
    expect(entry).toMatchObject({
      file: 'assets/index-DnNdBZve.js',
      url: file.url,
      integrity: file.integrity,
      src: 'index.html',
      isEntry: true,
      css: ['assets/index-B3x9kQ2a.css'],
      assets: ['assets/my logo-Bq3xZ8mn.png'],
      imports: ['_shared-Ab12Cd34.js'],
      dynamicImports: [],
    })
    expect(entry.integrity).toBe(sri384(JS))
    expect(manifest.entries['_shared-Ab12Cd34.js']).toMatchObject({
      file: 'assets/shared-Ab12Cd34.js',
      url: `${BASE}assets/shared-Ab12Cd34.js`,
      integrity: sri384(SHARED),
    })
    expect(entry).not.toHaveProperty('key')
    // Every import names an entry of the manifest.
    for (const key of entry.imports) expect(manifest.entries[key]).toBeDefined()
  })

  it('maps public originals to their hashed copies', () => {
    expect(manifest.public).toEqual({ 'robots.txt': 'robots-1a2b3c4d.txt' })
    expect(manifest.files['robots-1a2b3c4d.txt']!.original).toBe('robots.txt')
    expect(manifest.files['robots.txt']!.original).toBeUndefined()
  })

  it('survives a JSON round trip unchanged (it is read by other languages)', () => {
    expect(JSON.parse(JSON.stringify(manifest))).toEqual(manifest)
  })

  describe('release id', () => {
    const digest = (release: string) => release.slice(release.indexOf('-') + 1)

    it('is the same for the same content, whatever the file order or the time', () => {
      const again = createManifest(input({ files: [...files].reverse(), now: new Date('2027-01-02T03:04:05.000Z') }))
      expect(again.release).toBe('20270102T030405Z-' + digest(manifest.release))
    })

    it('changes with any byte, any name', () => {
      const changed = files.map((f) => (f.rel === 'assets/index-B3x9kQ2a.css' ? { ...f, bytes: 'body{color:blue}' } : f))
      expect(digest(createManifest(input({ files: changed })).release)).not.toBe(digest(manifest.release))
      const renamed = files.map((f) => (f.rel === 'robots.txt' ? { ...f, rel: 'robots2.txt' } : f))
      expect(digest(createManifest(input({ files: renamed })).release)).not.toBe(digest(manifest.release))
    })
  })
})

describe('hash helpers', () => {
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ])('sha256Hex(%j)', (text, expected) => {
    expect(sha256Hex(text)).toBe(expected)
    expect(sha256Hex(new TextEncoder().encode(text))).toBe(expected)
  })

  it('sri() is sha384 in base64 with its prefix', () => {
    expect(sri('abc')).toBe('sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn')
    expect(sri(PNG)).toBe(sri384(PNG))
  })

  it('releaseId sorts by time and ignores milliseconds', () => {
    const a = releaseId(new Date('2026-01-31T23:59:59.999Z'), [['a.js', 'x']])
    const b = releaseId(new Date('2026-02-01T00:00:00.000Z'), [['a.js', 'x']])
    expect(a).toMatch(/^20260131T235959Z-[0-9a-f]{8}$/)
    expect(b).toMatch(/^20260201T000000Z-[0-9a-f]{8}$/)
    expect([b, a].sort()).toEqual([a, b])
  })

  it('releaseId keeps file names and digests apart', () => {
    const date = new Date(0)
    expect(releaseId(date, [['ab', 'c']])).not.toBe(releaseId(date, [['a', 'bc']]))
    expect(
      releaseId(date, [
        ['a', '1'],
        ['b', '2'],
      ]),
    ).toBe(
      releaseId(date, [
        ['b', '2'],
        ['a', '1'],
      ]),
    )
  })
})

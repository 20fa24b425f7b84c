/**
 * loadManifest(): from a URL through an injected or global fetch, from disk through
 * an injected readFile or Node's fs (loaded on demand), with clear errors.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it, vi } from 'vitest'
import { loadManifest } from '../../src/runtime/index.js'

const MANIFEST = { version: 1, release: 'r1', base: 'https://cdn.example.com/', generatedAt: '2026-01-01T00:00:00.000Z', entries: {}, files: {}, public: {} }
const json = (body: unknown, status = 200) =>
  new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

async function outDirWith(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cdn-runtime-'))
  await mkdir(join(dir, '.vite'))
  await writeFile(join(dir, '.vite/cdn-manifest.json'), text)
  return dir
}

describe('from a URL', () => {
  it('fetches with the injected fetch', async () => {
    const fetch = vi.fn(async () => json(MANIFEST))
    await expect(loadManifest('https://cdn.example.com/.vite/cdn-manifest.json', { fetch })).resolves.toEqual(MANIFEST)
    expect(fetch).toHaveBeenCalledWith('https://cdn.example.com/.vite/cdn-manifest.json', { headers: { accept: 'application/json' } })
  })

  it.each([
    ['an HTTP error', async () => json('nope', 404), /\[cdn-deploy\] \[runtime\] cannot load https:\/\/cdn\.example\.com\/m\.json: HTTP 404/],
    ['a network error', async () => Promise.reject(new TypeError('fetch failed')), /cannot load https:\/\/cdn\.example\.com\/m\.json: fetch failed/],
    ['bad JSON', async () => json('{"version":'), /https:\/\/cdn\.example\.com\/m\.json is not valid JSON/],
    ['another version', async () => json({ ...MANIFEST, version: 2 }), /m\.json: unsupported manifest \(version 2; this runtime reads version 1\)/],
  ])('reports %s', async (_, fetch, error) => {
    await expect(loadManifest('https://cdn.example.com/m.json', { fetch })).rejects.toThrow(error)
  })
})

describe('from disk', () => {
  it('uses an injected readFile (no fs needed)', async () => {
    const readFile = vi.fn(async () => JSON.stringify(MANIFEST))
    await expect(loadManifest('/srv/app/manifest.json', { readFile })).resolves.toEqual(MANIFEST)
    expect(readFile).toHaveBeenCalledWith('/srv/app/manifest.json')
  })

  it('reads <outDir>/.vite/cdn-manifest.json when given an outDir', async () => {
    const readFile = vi.fn(async () => JSON.stringify(MANIFEST))
    await loadManifest('/srv/app/dist/', { readFile })
    expect(readFile).toHaveBeenCalledWith('/srv/app/dist/.vite/cdn-manifest.json')
  })

  it.each([
    ['an outDir', (dir: string) => dir],
    ['the JSON path', (dir: string) => join(dir, '.vite/cdn-manifest.json')],
    ['a file: URL', (dir: string) => pathToFileURL(join(dir, '.vite/cdn-manifest.json'))],
    ['a file: URL string', (dir: string) => pathToFileURL(join(dir, '.vite/cdn-manifest.json')).href],
  ])("falls back to Node's fs for %s", async (_, target) => {
    const dir = await outDirWith(JSON.stringify(MANIFEST))
    await expect(loadManifest(target(dir))).resolves.toEqual(MANIFEST)
  })

  it('says to build first when the file is missing', async () => {
    await expect(loadManifest(join(tmpdir(), 'no-such-build'))).rejects.toThrow(
      /cannot read .*no-such-build\/\.vite\/cdn-manifest\.json: .*ENOENT.*\(build first/,
    )
  })

  it("refuses Vite's own manifest with a pointer to the right one", async () => {
    const dir = await outDirWith(JSON.stringify({ 'index.html': { file: 'assets/index.js', isEntry: true } }))
    await expect(loadManifest(dir)).rejects.toThrow(/no "version" field.*pass \.vite\/cdn-manifest\.json, not Vite's \.vite\/manifest\.json/)
  })

  it('refuses other URL schemes', async () => {
    await expect(loadManifest(new URL('ftp://example.com/m.json'))).rejects.toThrow(/only http\(s\) and file URLs/)
  })
})

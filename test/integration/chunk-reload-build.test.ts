/**
 * `reloadOnChunkError` in real builds of examples/basic under Vite 8, 7, 6 and 5:
 * the runtime's exact snippet is the first script in the `<head>` of index.html,
 * the manifest carries its CSP hash; without the option the build is byte for
 * byte what the plugin built before the option existed. Plain Rollup has no HTML:
 * no hash, one line pointing at the runtime.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { rollup, type Plugin as RollupPlugin } from 'rollup'
import { describe, expect, it } from 'vitest'
import cdn, { type CdnManifest } from '../../src/index.js'
import { CHUNK_RELOAD_CSP_HASH, CHUNK_RELOAD_SCRIPT, chunkReloadScript } from '../../src/runtime/index.js'
import { EXAMPLES, readJson, readTree, tempDir, VITE_VERSIONS, viteBuild } from '../helpers/build.js'

const options = { domain: 'https://cdn.example.com', prefix: 'basic', deploy: false, configFile: false } as const
const MANIFEST = '.vite/cdn-manifest.json'
const manifestOf = (dir: string) => readJson<CdnManifest>(join(dir, MANIFEST))
const cspHash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`

/** The manifest without what differs between any two builds (build time). */
function timeless(bytes: Buffer): unknown {
  const { generatedAt: _at, release, ...rest } = JSON.parse(bytes.toString()) as CdnManifest
  return { ...rest, release: release.replace(/^\d{8}T\d{6}Z-/, '') }
}

/** The plugin as it was before `reloadOnChunkError`: cdn() without the HTML hook. */
it('uses no transformIndexHtml hook (SvelteKit warns about any plugin that has one)', () => {
  for (const plugin of cdn({ ...options, reloadOnChunkError: true })) expect(plugin).not.toHaveProperty('transformIndexHtml')
})

describe.each(VITE_VERSIONS)('%s build with reloadOnChunkError', (vite) => {
  it('puts the snippet first in <head> and its CSP hash in the manifest', async () => {
    const dir = await viteBuild(vite, { plugins: [cdn({ ...options, reloadOnChunkError: true })] })
    const html = await readFile(join(dir, 'index.html'), 'utf8')
    const head = /<head>([\s\S]*?)<\/head>/.exec(html)![1]!
    // First element of the head, before the charset meta and Vite's own tags.
    expect(head.trimStart().startsWith(chunkReloadScript())).toBe(true)
    const scripts = [...head.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)]
    expect(scripts.map((m) => (m[1]!.includes('src=') ? 'src' : m[2]))).toEqual([CHUNK_RELOAD_SCRIPT, 'src'])
    expect(html.split(CHUNK_RELOAD_SCRIPT)).toHaveLength(2) // once
    const manifest = await manifestOf(dir)
    expect(manifest.csp).toEqual({ scriptSrc: [CHUNK_RELOAD_CSP_HASH] })
    expect(manifest.csp!.scriptSrc[0]).toBe(cspHash(scripts[0]![2]!)) // the hash of the text the page carries
    expect(manifest.version).toBe(1)
    // SRI still on the entry script, none on the inline one.
    expect(scripts[0]![1]).toBe('')
    expect(scripts[1]![1]).toMatch(/integrity="sha384-/)
  })

  it('without it: no script, no csp field, and the build is byte for byte the one without the option', async () => {
    const before = await readTree(await viteBuild(vite, { plugins: [cdn(options)] }))
    const off = await readTree(await viteBuild(vite, { plugins: [cdn({ ...options, reloadOnChunkError: false })] }))
    const on = await readTree(await viteBuild(vite, { plugins: [cdn({ ...options, reloadOnChunkError: true })] }))
    for (const tree of [before, off]) {
      expect([...tree.keys()]).toEqual([...before.keys()])
      for (const [rel, bytes] of before) {
        if (rel === MANIFEST) expect(timeless(tree.get(rel)!)).toEqual(timeless(bytes))
        else expect(tree.get(rel)!.equals(bytes), rel).toBe(true)
      }
      expect(tree.get('index.html')!.toString()).not.toContain('vite:preloadError')
      expect(JSON.parse(tree.get(MANIFEST)!.toString())).not.toHaveProperty('csp')
    }
    // With it, the only change to the page is the script's line; every other output is the same.
    const page = on.get('index.html')!.toString()
    expect(page.replace(chunkReloadScript(), '')).toBe(before.get('index.html')!.toString())
    for (const [rel, bytes] of before) if (rel !== MANIFEST && rel !== 'index.html') expect(on.get(rel)!.equals(bytes), rel).toBe(true)
  })

  it('leaves SSR builds untouched', async () => {
    const ssr = { build: { ssr: 'src/lazy.js' } }
    const plain = await readTree(await viteBuild(vite, { config: ssr }))
    const withPlugin = await readTree(await viteBuild(vite, { config: ssr, plugins: [cdn({ ...options, reloadOnChunkError: true })] }))
    expect([...withPlugin.keys()]).toEqual([...plain.keys()])
    for (const [rel, bytes] of plain) expect(withPlugin.get(rel)!.equals(bytes), rel).toBe(true)
  })
})

it('under plain Rollup (no HTML): no hash in the manifest, one line pointing at the runtime', async () => {
  const dir = await tempDir('rollup')
  const warnings: string[] = []
  const bundle = await rollup({
    input: join(EXAMPLES, 'rollup/src/report.js'),
    plugins: cdn({ domain: 'https://cdn.example.com', deploy: false, configFile: false, reloadOnChunkError: true }) as RollupPlugin[],
    onLog: (level, log) => void (level === 'warn' && warnings.push(log.message)),
  })
  await bundle.write({ dir, format: 'es' })
  await bundle.close()
  expect((await manifestOf(dir)).csp).toBeUndefined()
  const ours = warnings.filter((w) => w.includes('reloadOnChunkError'))
  expect(ours).toHaveLength(1)
  expect(ours[0]).toContain('plain Rollup builds no HTML')
  expect(ours[0]).toContain('chunkReloadScript() from vite-plugin-cdn-deploy/runtime')
})

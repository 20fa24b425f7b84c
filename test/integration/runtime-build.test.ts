/**
 * The runtime against real `vite build`s of examples/basic (Vite 8 and 7): every URL
 * and integrity it renders names a file of the build, and the SRI matches a sha384
 * recomputed from the bytes on disk. Its tags for `index.html` are the ones Vite
 * itself wrote into the built index.html.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import cdn from '../../src/index.js'
import { createAssets, loadManifest } from '../../src/runtime/index.js'
import { VITE_VERSIONS, viteBuild } from '../helpers/build.js'

const BASE = 'https://cdn.example.com/basic/'
const options = { domain: 'https://cdn.example.com', prefix: 'basic', deploy: false, configFile: false } as const
const sri = (b: Buffer) => `sha384-${createHash('sha384').update(b).digest('base64')}`

const ENTITIES: Record<string, string> = { '&amp;': '&', '&quot;': '"', '&#39;': "'", '&lt;': '<', '&gt;': '>' }
/** `<script>`/`<link>` tags of an HTML string as attribute maps (bare attributes → ''). */
function parseTags(html: string): Array<Record<string, string>> {
  return [...html.matchAll(/<(script|link)\b([^>]*)>/g)].map(([, tag, attrs]) => ({
    tag: tag!,
    ...Object.fromEntries(
      [...attrs!.matchAll(/([\w-]+)(?:="([^"]*)")?/g)].map(([, k, v]) => [k!, (v ?? '').replace(/&(amp|quot|#39|lt|gt);/g, (e) => ENTITIES[e]!)]),
    ),
  }))
}

describe.each(VITE_VERSIONS)('runtime on a %s build of examples/basic', (vite) => {
  let dir = ''
  beforeAll(async () => {
    dir = await viteBuild(vite, { plugins: [cdn(options)] })
  })

  it('renders only URLs of built files, with SRI that matches their bytes', async () => {
    const manifest = await loadManifest(dir)
    const assets = createAssets(manifest)
    const tags = assets.entry('index.html')
    const all = [...tags.scripts.map((s) => ({ url: s.src, integrity: s.integrity })), ...tags.styles, ...tags.modulepreloads].map((t) =>
      'href' in t ? { url: t.href, integrity: t.integrity } : t,
    )
    expect(tags.scripts).toHaveLength(1)
    expect(tags.styles).toHaveLength(1)
    for (const { url, integrity } of all) {
      expect(url.startsWith(BASE), url).toBe(true)
      const rel = decodeURIComponent(url.slice(BASE.length))
      expect(manifest.files[rel]?.url, rel).toBe(url)
      const bytes = await readFile(join(dir, rel))
      expect(integrity, rel).toBe(sri(bytes))
      expect(manifest.files[rel]!.integrity, rel).toBe(integrity)
    }
    // The lazy chunk is a dynamic import: neither loaded nor preloaded up front.
    expect(all.map((t) => t.url)).not.toContain(assets.url('src/lazy.js'))
    expect(await readFile(join(dir, decodeURIComponent(assets.url('src/lazy.js').slice(BASE.length))))).toBeTruthy()
  })

  it('matches the tags Vite wrote into the built index.html, and every other URL resolves to a file', async () => {
    const assets = createAssets(await loadManifest(join(dir, '.vite/cdn-manifest.json')))
    const built = parseTags(await readFile(join(dir, 'index.html'), 'utf8')).filter((t) => t.rel !== 'icon')
    const rendered = parseTags(assets.tags('index.html'))
    const key = (t: Record<string, string>) => `${t.tag} ${t.rel ?? t.type} ${t.src ?? t.href} ${t.integrity}`
    expect(rendered.map(key).sort()).toEqual(built.map(key).sort())
    for (const t of rendered) expect(t.crossorigin).toBe('anonymous')

    const font = Object.keys(assets.manifest.files).find((f) => f.endsWith('.woff2'))!
    const preload = parseTags(assets.preload(font))[0]!
    expect(preload).toMatchObject({ rel: 'preload', as: 'font', type: 'font/woff2', crossorigin: 'anonymous', href: BASE + font })
    for (const src of ['favicon.svg', '/robots.txt', 'vendor/legacy.js', 'index.html', 'src/lazy.js']) {
      const rel = decodeURIComponent(assets.url(src).slice(BASE.length))
      expect(await readFile(join(dir, rel)), src).toBeInstanceOf(Buffer)
    }
    expect(assets.preconnect()).toBe('<link rel="preconnect" href="https://cdn.example.com" crossorigin="anonymous">')
  })

  it('serves the same build from another domain with a base override', async () => {
    const assets = createAssets(await loadManifest(dir), { base: 'https://assets.example.org' })
    const urls = parseTags(assets.tags('index.html')).map((t) => t.src ?? t.href ?? '')
    expect(urls.length).toBeGreaterThanOrEqual(2)
    for (const url of urls) {
      expect(url.startsWith('https://assets.example.org/basic/assets/'), url).toBe(true)
      await expect(readFile(join(dir, url.slice('https://assets.example.org/basic/'.length)))).resolves.toBeInstanceOf(Buffer)
    }
  })
})

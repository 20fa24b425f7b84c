/**
 * Real `vite build`s of examples/basic under Vite 8 and Vite 7: every reference
 * to a built file points at the CDN, the manifest matches the bytes, SRI is on
 * the tags, and with the plugin off the build is exactly a plain build.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import cdn, { type CdnManifest } from '../../src/index.js'
import { EXAMPLES, listTree, readJson, readTree, VITE_VERSIONS, viteBuild } from '../helpers/build.js'

const BASE = 'https://cdn.example.com/basic/'
const options = { domain: 'https://cdn.example.com', prefix: 'basic', deploy: false, configFile: false } as const
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')
const sri = (b: Buffer) => `sha384-${createHash('sha384').update(b).digest('base64')}`
const manifestOf = (dir: string) => readJson<CdnManifest>(join(dir, '.vite/cdn-manifest.json'))

/**
 * Every place a text output names a built file, with the URL-ish token around it.
 * A token is what sits between quotes, parentheses or `=`.
 */
function references(text: string, builtFiles: string[]): Array<{ file: string; token: string }> {
  const found: Array<{ file: string; token: string }> = []
  for (const file of builtFiles) {
    const name = file.slice(file.lastIndexOf('/') + 1)
    let at = text.indexOf(name)
    while (at !== -1) {
      let start = at
      while (start > 0 && !`"'\`(= \n`.includes(text[start - 1]!)) start--
      found.push({ file, token: text.slice(start, at + name.length) })
      at = text.indexOf(name, at + 1)
    }
  }
  return found
}

describe.each(VITE_VERSIONS)('%s build of examples/basic', (vite) => {
  it('points every reference to a built file at the CDN base', async () => {
    const dir = await viteBuild(vite, { plugins: [cdn(options)] })
    const files = (await listTree(dir)).filter((f) => !f.startsWith('.vite/'))
    const hashed = files.filter((f) => f.startsWith('assets/'))
    expect(hashed.length).toBeGreaterThanOrEqual(7) // js, lazy js, css, 2 png, svg, woff2
    let checked = 0
    for (const file of files.filter((f) => /\.(html|css|js)$/.test(f))) {
      const text = await readFile(join(dir, file), 'utf8')
      for (const ref of references(text, hashed)) {
        checked++
        if (ref.token.startsWith('https://')) {
          expect(ref.token, `${file} → ${ref.file}`).toBe(BASE + ref.file)
        } else if (file.endsWith('.js') && ref.token.startsWith('./')) {
          // A chunk-relative import resolves against the importing chunk, itself on the CDN.
          expect(new URL(ref.token, BASE + file).href).toBe(BASE + ref.file)
        } else if (file.endsWith('.js') && ref.token === ref.file) {
          // Base-relative preload dep: Vite's preload helper prefixes it with the base.
          expect(text).toMatch(/["'`]https:\/\/cdn\.example\.com\/basic\/["'`]\s*\+/)
        } else {
          throw new Error(`${file} refers to ${ref.file} as "${ref.token}", not through the CDN base`)
        }
      }
      expect(text).not.toMatch(/["'(`=]\/assets\//) // no origin-relative asset URL anywhere
    }
    expect(checked).toBeGreaterThanOrEqual(7)
  })

  it('writes a manifest whose hashes and SRI match the bytes, and SRI on the HTML tags', async () => {
    const dir = await viteBuild(vite, { plugins: [cdn(options)] })
    const manifest = await manifestOf(dir)
    const tree = await readTree(dir)
    const outputs = [...tree.keys()].filter((f) => !f.startsWith('.vite/'))
    expect(Object.keys(manifest.files).sort()).toEqual(outputs)
    expect(manifest.base).toBe(BASE)
    expect(manifest.release).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/)
    for (const [rel, file] of Object.entries(manifest.files)) {
      const bytes = tree.get(rel)!
      expect(file.sha256, rel).toBe(sha256(bytes))
      expect(file.size, rel).toBe(bytes.length)
      expect(file.url, rel).toBe(BASE + rel)
      if (/\.(js|css)$/.test(rel)) expect(file.integrity, rel).toBe(sri(bytes))
      expect(file.immutable, rel).toBe(rel.startsWith('assets/'))
      expect(file.cacheControl, rel).toBe(
        rel.startsWith('assets/')
          ? 'public, max-age=31536000, immutable'
          : rel.endsWith('.html')
            ? 'public, max-age=0, must-revalidate'
            : 'public, max-age=300',
      )
      expect(file.source, rel).toBe(rel.startsWith('assets/') || rel === 'index.html' ? 'bundle' : 'public')
    }
    expect(manifest.files['index.html']!.contentType).toBe('text/html; charset=utf-8')
    expect(manifest.files['robots.txt']!.contentType).toBe('text/plain; charset=utf-8')

    const entry = manifest.entries['index.html']!
    expect(entry).toMatchObject({ isEntry: true, src: 'index.html', url: BASE + entry.file })
    expect(entry.integrity).toBe(sri(tree.get(entry.file)!))
    expect(entry.css).toHaveLength(1)
    expect(entry.dynamicImports).toEqual(['src/lazy.js'])
    const lazy = manifest.entries['src/lazy.js']!
    expect(lazy).toMatchObject({ isDynamicEntry: true, url: BASE + lazy.file })
    expect(lazy.file).toMatch(/^assets\/lazy-[\w-]{8}\.js$/)

    const html = tree.get('index.html')!.toString()
    const tags = [...html.matchAll(/<(?:script|link)[^>]*>/g)].map((m) => m[0]).filter((t) => !t.includes('rel="icon"'))
    expect(tags).toHaveLength(2)
    for (const tag of tags) {
      const url = /(?:src|href)="([^"]+)"/.exec(tag)![1]!
      expect(tag).toContain(`integrity="${manifest.files[url.slice(BASE.length)]!.integrity}"`)
      expect(tag.match(/crossorigin/g)).toHaveLength(1)
    }
  })

  it('with enabled: false, builds exactly what a build without the plugin builds', async () => {
    const plain = await readTree(await viteBuild(vite))
    const disabled = await readTree(await viteBuild(vite, { plugins: [cdn({ ...options, enabled: false })] }))
    expect([...disabled.keys()]).toEqual([...plain.keys()])
    for (const [rel, bytes] of plain) expect(disabled.get(rel)!.equals(bytes), rel).toBe(true)
    expect(plain.has('.vite/cdn-manifest.json')).toBe(false)
  })

  it('leaves SSR builds untouched', async () => {
    const ssr = { build: { ssr: 'src/lazy.js' } }
    const plain = await readTree(await viteBuild(vite, { config: ssr }))
    const withPlugin = await readTree(await viteBuild(vite, { config: ssr, plugins: [cdn(options)] }))
    expect([...withPlugin.keys()]).toEqual([...plain.keys()])
    for (const [rel, bytes] of plain) expect(withPlugin.get(rel)!.equals(bytes), rel).toBe(true)
  })

  it('keeps HTML at the origin with htmlAtOrigin while assets go to the CDN', async () => {
    const dir = await viteBuild(vite, { plugins: [cdn({ ...options, htmlAtOrigin: true })] })
    const html = await readFile(join(dir, 'index.html'), 'utf8')
    expect(html).toMatch(/<script[^>]+src="https:\/\/cdn\.example\.com\/basic\/assets\/index-[\w-]+\.js"/)
    expect(html).toMatch(/<script[^>]+integrity="sha384-/)
    const css = (await listTree(dir)).find((f) => f.endsWith('.css'))!
    expect(await readFile(join(dir, css), 'utf8')).toContain(`url(${BASE}assets/pattern-`)
    const main = (await listTree(dir)).find((f) => /assets\/index-.*\.js$/.test(f))!
    expect(await readFile(join(dir, main), 'utf8')).toContain(`${BASE}assets/logo-`)
  })

  it('emits hashed copies of public files with hashPublic and minifies them with minify.public', async () => {
    const dir = await viteBuild(vite, { plugins: [cdn({ ...options, hashPublic: true, minify: { public: true } })] })
    const manifest = await manifestOf(dir)
    expect(Object.keys(manifest.public).sort()).toEqual(['favicon.svg', 'robots.txt', 'vendor/legacy.js'])
    for (const [original, hashed] of Object.entries(manifest.public)) {
      expect(hashed).toMatch(/^assets\/.+-[\w-]{8}\.\w+$/)
      expect(manifest.files[hashed]).toMatchObject({ immutable: true, original })
      expect(manifest.files[original]).toMatchObject({ immutable: false, source: 'public' })
      expect(manifest.files[hashed]!.sha256).toBe(manifest.files[original]!.sha256)
    }
    const legacy = await readFile(join(dir, 'vendor/legacy.js'), 'utf8')
    expect(legacy).not.toContain('// A script')
    expect(legacy.length).toBeLessThan(120)
    expect(legacy).toContain('legacyGreeting')
  })

  it('reads cdn.config.ts from the root and picks the environment for --mode', async () => {
    const prod = await manifestOf(await viteBuild(vite, { plugins: [cdn()] }))
    expect(prod.base).toBe(BASE)
    const staging = await manifestOf(await viteBuild(vite, { plugins: [cdn()], mode: 'staging' }))
    expect(staging.base).toBe('https://cdn-staging.example.com/basic/')
  })
})

it('fails before any build work on a bad config, naming the field', async () => {
  await expect(viteBuild('vite', { plugins: [cdn({ ...options, domain: 'cdn.example.com' })] })).rejects.toThrow(
    /\[cdn-deploy\] \[config\] .*domain: "cdn\.example\.com" is not an absolute URL \(write it as "https:\/\/cdn\.example\.com"\)/,
  )
  expect(EXAMPLES).toBeTruthy()
})

/**
 * createAssets() on a hand-made manifest with shared chunks, CSS at every level, a
 * CSS-only entry, public files and awkward names: URLs, the entry walk (order,
 * dedup, dynamic imports left out), HTML escaping, base override, hints, errors.
 */
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { CdnManifest } from '../../src/index.js'
import { createAssets, escapeAttr, type RuntimeManifest } from '../../src/runtime/index.js'

const BASE = 'https://cdn.example.com/app/'

function file(rel: string, contentType: string, extra: Partial<RuntimeManifest['files'][string]> = {}): RuntimeManifest['files'][string] {
  const integrity = /\.(js|css)$/.test(rel) ? { integrity: `sha384-${rel.replace(/\W/g, '')}` } : {}
  return {
    url: BASE + rel.split('/').map(encodeURIComponent).join('/'),
    size: 10,
    contentType,
    cacheControl: 'public, max-age=31536000, immutable',
    immutable: true,
    sha256: '0'.repeat(64),
    source: 'bundle',
    ...integrity,
    ...extra,
  }
}

function chunk(key: string, rel: string, extra: Partial<RuntimeManifest['entries'][string]> = {}): [string, RuntimeManifest['entries'][string]] {
  return [key, { file: rel, url: BASE + rel, integrity: `sha384-${rel.replace(/\W/g, '')}`, css: [], assets: [], imports: [], dynamicImports: [], ...extra }]
}

const JS = 'text/javascript; charset=utf-8'
const CSS = 'text/css; charset=utf-8'

function fixture(): RuntimeManifest {
  const files = [
    file('assets/index-A.js', JS),
    file('assets/index-A.css', CSS),
    file('assets/admin-C.js', JS),
    file('assets/shared-B.js', JS),
    file('assets/shared-B.css', CSS),
    file('assets/vendor-D.js', JS),
    file('assets/vendor-D.css', CSS),
    file('assets/lazy-E.js', JS),
    file('assets/lazy-E.css', CSS),
    file('assets/theme-F.css', CSS),
    file('assets/mono-H.woff2', 'font/woff2'),
    file('assets/logo-I.png', 'image/png'),
    file('assets/og-G.png', 'image/png', { source: 'public', original: 'og.png' }),
    file("assets/it's-J.js", JS),
    file('favicon.svg', 'image/svg+xml; charset=utf-8', { source: 'public', immutable: false }),
    file('data/config.json', 'application/json; charset=utf-8', { immutable: false }),
  ]
  return {
    version: 1,
    release: '20261124T000000Z-abcdef12',
    base: BASE,
    generatedAt: '2026-11-24T00:00:00.000Z',
    entries: Object.fromEntries([
      chunk('index.html', 'assets/index-A.js', {
        isEntry: true,
        src: 'index.html',
        css: ['assets/index-A.css'],
        imports: ['_shared-B.js'],
        dynamicImports: ['src/lazy.js'],
      }),
      chunk('src/admin.ts', 'assets/admin-C.js', { isEntry: true, src: 'src/admin.ts', imports: ['_shared-B.js', '_vendor-D.js'] }),
      chunk('_shared-B.js', 'assets/shared-B.js', { css: ['assets/shared-B.css'], imports: ['_vendor-D.js'] }),
      chunk('_vendor-D.js', 'assets/vendor-D.js', { css: ['assets/vendor-D.css'] }),
      chunk('src/lazy.js', 'assets/lazy-E.js', { isDynamicEntry: true, css: ['assets/lazy-E.css'] }),
      chunk('src/theme.css', 'assets/theme-F.css', { isEntry: true }),
      chunk('src/quote.js', "assets/it's-J.js", { isEntry: true }),
    ]),
    files: Object.fromEntries(files.map((f) => [decodeURIComponent(f.url.slice(BASE.length)), f])),
    public: { 'og.png': 'assets/og-G.png' },
  }
}

const u = (rel: string) => BASE + rel
const sriOf = (rel: string) => `sha384-${rel.replace(/\W/g, '')}`
const link = (rel: string) => ({ href: u(rel), integrity: sriOf(rel), crossorigin: 'anonymous' })

it('keeps the same manifest shape as the build writes (src/emit/manifest.ts)', () => {
  expectTypeOf<RuntimeManifest>().toEqualTypeOf<CdnManifest>()
})

describe('url()', () => {
  const assets = createAssets(fixture())
  it.each([
    ['an entry key', 'index.html', u('assets/index-A.js')],
    ['an entry key with ./', './src/admin.ts', u('assets/admin-C.js')],
    ['an output file', 'assets/logo-I.png', u('assets/logo-I.png')],
    ['a public file', 'favicon.svg', u('favicon.svg')],
    ['a public file with /', '/favicon.svg', u('favicon.svg')],
    ['a hashed public file by its original name', 'og.png', u('assets/og-G.png')],
    ['a name that needs encoding', "assets/it's-J.js", u("assets/it's-J.js")],
  ])('%s', (_, src, expected) => {
    expect(assets.url(src)).toBe(expected)
  })

  it('names the release, known keys and a near match for an unknown file', () => {
    expect(() => assets.url('assets/logo.png')).toThrow(
      /\[cdn-deploy\] \[runtime\] unknown asset "assets\/logo.png" in release 20261124T000000Z-abcdef12 \(did you mean "assets\/logo-I.png"\?\)\. Known entries: "index.html", /,
    )
  })
})

describe('entry()', () => {
  it('walks static imports depth-first: dependencies (and their CSS) first, dynamic imports left out', () => {
    expect(createAssets(fixture()).entry('index.html')).toEqual({
      scripts: [{ src: u('assets/index-A.js'), type: 'module', integrity: sriOf('assets/index-A.js'), crossorigin: 'anonymous' }],
      styles: [link('assets/vendor-D.css'), link('assets/shared-B.css'), link('assets/index-A.css')],
      modulepreloads: [link('assets/vendor-D.js'), link('assets/shared-B.js')],
    })
  })

  it('deduplicates across several entries', () => {
    const tags = createAssets(fixture()).entry(['index.html', 'src/admin.ts'])
    expect(tags.scripts.map((s) => s.src)).toEqual([u('assets/index-A.js'), u('assets/admin-C.js')])
    expect(tags.styles.map((s) => s.href)).toEqual([u('assets/vendor-D.css'), u('assets/shared-B.css'), u('assets/index-A.css')])
    expect(tags.modulepreloads.map((s) => s.href)).toEqual([u('assets/vendor-D.js'), u('assets/shared-B.js')])
  })

  it('gives a CSS-only entry as a stylesheet, not a script', () => {
    expect(createAssets(fixture()).entry('src/theme.css')).toEqual({ scripts: [], styles: [link('assets/theme-F.css')], modulepreloads: [] })
  })

  it.each([
    ['integrity: false', { integrity: false }, { src: u('assets/admin-C.js'), type: 'module', crossorigin: 'anonymous' }],
    ['crossorigin: false', { crossorigin: false as const }, { src: u('assets/admin-C.js'), type: 'module', integrity: sriOf('assets/admin-C.js') }],
    [
      'use-credentials',
      { crossorigin: 'use-credentials' as const },
      { src: u('assets/admin-C.js'), type: 'module', integrity: sriOf('assets/admin-C.js'), crossorigin: 'use-credentials' },
    ],
  ])('%s', (_, options, script) => {
    expect(createAssets(fixture(), options).entry('src/admin.ts').scripts).toEqual([script])
  })

  it('lists known entries for an unknown one', () => {
    expect(() => createAssets(fixture()).entry('src/main.ts')).toThrow(
      /unknown entry "src\/main.ts".*Known entries: "index.html", "src\/admin.ts", "_shared-B.js"/,
    )
  })
})

describe('tags()', () => {
  it('renders stylesheets, then modulepreloads, then the module script', () => {
    expect(createAssets(fixture()).tags('src/admin.ts').split('\n')).toEqual([
      `<link rel="stylesheet" href="${u('assets/vendor-D.css')}" integrity="${sriOf('assets/vendor-D.css')}" crossorigin="anonymous">`,
      `<link rel="stylesheet" href="${u('assets/shared-B.css')}" integrity="${sriOf('assets/shared-B.css')}" crossorigin="anonymous">`,
      `<link rel="modulepreload" href="${u('assets/vendor-D.js')}" integrity="${sriOf('assets/vendor-D.js')}" crossorigin="anonymous">`,
      `<link rel="modulepreload" href="${u('assets/shared-B.js')}" integrity="${sriOf('assets/shared-B.js')}" crossorigin="anonymous">`,
      `<script type="module" src="${u('assets/admin-C.js')}" integrity="${sriOf('assets/admin-C.js')}" crossorigin="anonymous"></script>`,
    ])
  })

  it('escapes attribute values', () => {
    const html = createAssets(fixture(), { base: 'https://cdn2.example.com/a&b/' }).tags('src/quote.js')
    expect(html).toBe(
      `<script type="module" src="https://cdn2.example.com/a&amp;b/assets/it&#39;s-J.js" integrity="${sriOf("assets/it's-J.js")}" crossorigin="anonymous"></script>`,
    )
    expect(escapeAttr(`"><script>alert('x')</script>&`)).toBe('&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;')
  })
})

describe('base override', () => {
  it.each([
    ['an origin keeps the manifest path', 'https://cdn2.example.com', 'https://cdn2.example.com/app/'],
    ['an origin with / keeps it too', 'https://cdn2.example.com/', 'https://cdn2.example.com/app/'],
    ['a path is used as is', 'https://cdn2.example.com/v2', 'https://cdn2.example.com/v2/'],
    ['a root-relative path (served by the app)', '/static/', '/static/'],
  ])('%s', (_, base, expected) => {
    const assets = createAssets(fixture(), { base })
    expect(assets.base).toBe(expected)
    expect(assets.url('index.html')).toBe(`${expected}assets/index-A.js`)
    expect(assets.entry('index.html').styles.map((s) => s.href)).toEqual(['vendor-D', 'shared-B', 'index-A'].map((n) => `${expected}assets/${n}.css`))
    expect(assets.tags('index.html')).not.toContain(BASE)
  })

  it.each(['ftp://x.example.com', 'not a url', 'https://cdn.example.com/?q=1'])('refuses %s', (base) => {
    expect(() => createAssets(fixture(), { base })).toThrow(/\[cdn-deploy\] \[runtime\] base/)
  })
})

describe('preload()', () => {
  const assets = createAssets(fixture())
  it.each([
    [
      'a font: type and crossorigin',
      'assets/mono-H.woff2',
      undefined,
      `<link rel="preload" href="${u('assets/mono-H.woff2')}" as="font" type="font/woff2" crossorigin="anonymous">`,
    ],
    ['an image: no crossorigin', 'assets/logo-I.png', undefined, `<link rel="preload" href="${u('assets/logo-I.png')}" as="image" type="image/png">`],
    [
      'a stylesheet: SRI and crossorigin',
      'assets/index-A.css',
      undefined,
      `<link rel="preload" href="${u('assets/index-A.css')}" as="style" integrity="${sriOf('assets/index-A.css')}" crossorigin="anonymous">`,
    ],
    [
      'an entry as a script',
      'src/lazy.js',
      'script' as const,
      `<link rel="preload" href="${u('assets/lazy-E.js')}" as="script" integrity="${sriOf('assets/lazy-E.js')}" crossorigin="anonymous">`,
    ],
    ['JSON as fetch', 'data/config.json', undefined, `<link rel="preload" href="${u('data/config.json')}" as="fetch" crossorigin="anonymous">`],
  ])('%s', (_, src, as, expected) => {
    expect(assets.preload(src, as)).toBe(expected)
  })

  it('keeps crossorigin on fonts even with crossorigin: false (fonts are always fetched with CORS)', () => {
    expect(createAssets(fixture(), { crossorigin: false }).preload('assets/mono-H.woff2')).toContain('crossorigin="anonymous"')
  })
})

describe('dnsPrefetch() and preconnect()', () => {
  it.each([
    [undefined, 'https://cdn.example.com'],
    ['static.example.net', 'https://static.example.net'],
    ['//static.example.net', 'https://static.example.net'],
    ['http://localhost:8080/x/', 'http://localhost:8080'],
  ])('%s → %s', (host, origin) => {
    const assets = createAssets(fixture())
    expect(assets.dnsPrefetch(host)).toBe(`<link rel="dns-prefetch" href="${origin}">`)
    expect(assets.preconnect(host)).toBe(`<link rel="preconnect" href="${origin}" crossorigin="anonymous">`)
  })

  it('follows the base override, and gives nothing for a same-origin base', () => {
    expect(createAssets(fixture(), { base: 'https://cdn2.example.com' }).preconnect()).toBe(
      '<link rel="preconnect" href="https://cdn2.example.com" crossorigin="anonymous">',
    )
    expect(createAssets(fixture(), { base: '/static/' }).dnsPrefetch()).toBe('')
  })

  it('refuses a host that is not one', () => {
    expect(() => createAssets(fixture()).preconnect('')).toThrow(/is not a host name or origin/)
  })
})

describe('manifest checks', () => {
  it.each([
    [{ ...fixture(), version: 2 }, /unsupported manifest \(version 2; this runtime reads version 1\)/],
    [{ 'index.html': { file: 'assets/index.js' } }, /no "version" field.*not Vite's \.vite\/manifest\.json/],
    [{ ...fixture(), files: null }, /"files" is not an object/],
    [[], /expected a JSON object/],
  ])('refuses %#', (manifest, error) => {
    expect(() => createAssets(manifest as unknown as RuntimeManifest)).toThrow(error)
  })
})

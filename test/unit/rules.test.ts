import { describe, expect, it } from 'vitest'
import { CACHE, compileCacheRules, defaultCacheControl, looksHashed, type CacheRule } from '../../src/plan/rules.js'

describe('CACHE', () => {
  it('matches the header contract', () => {
    expect(CACHE).toEqual({
      immutable: 'public, max-age=31536000, immutable',
      html: 'public, max-age=0, must-revalidate',
      serviceWorker: 'no-cache',
      mutable: 'public, max-age=300',
    })
    expect(Object.isFrozen(CACHE)).toBe(true)
  })
})

describe('defaultCacheControl', () => {
  it.each([
    ['assets/index-DnNdBZve.js', true, CACHE.immutable],
    ['assets/logo-Ab12Cd34.png', true, CACHE.immutable],
    ['index.html', false, CACHE.html],
    ['docs/index.html', false, CACHE.html],
    ['legacy/page.HTM', false, CACHE.html],
    ['sw.js', false, CACHE.serviceWorker],
    ['sw.js', true, CACHE.serviceWorker],
    ['nested/sw.mjs', false, CACHE.serviceWorker],
    ['service-worker.js', false, CACHE.serviceWorker],
    ['firebase-messaging-sw.js', false, CACHE.serviceWorker],
    ['robots.txt', false, CACHE.mutable],
    ['favicon.ico', false, CACHE.mutable],
    ['vendor/legacy.js', false, CACHE.mutable],
    ['sw.json', false, CACHE.mutable],
    ['my-sw.js', false, CACHE.mutable],
  ])('%s (immutable: %s) → %s', (rel, immutable, expected) => {
    expect(defaultCacheControl(rel, immutable)).toBe(expected)
  })
})

describe('compileCacheRules', () => {
  const rules: CacheRule[] = [
    ['assets/**/*.json', 'public, max-age=60'],
    ['**/*.json', 'public, max-age=600'],
    ['assets/fonts/**', 'public, max-age=86400'],
    ['index.html', 'no-store'],
    ['.well-known/**', 'public, max-age=3600'],
    ['*.txt', 'public, max-age=30'],
  ]
  const cacheControl = compileCacheRules(rules)

  it.each([
    // user rules, first match wins
    ['assets/data/x.json', false, 'public, max-age=60'],
    ['data/x.json', false, 'public, max-age=600'],
    ['manifest.json', false, 'public, max-age=600'],
    ['assets/fonts/inter-Ab12Cd34.woff2', true, 'public, max-age=86400'],
    ['index.html', false, 'no-store'],
    ['.well-known/security.txt', false, 'public, max-age=3600'],
    ['robots.txt', false, 'public, max-age=30'],
    // `*` does not cross `/`: globs match the whole relative path
    ['docs/notes.txt', false, CACHE.mutable],
    // no rule: the defaults
    ['docs/index.html', false, CACHE.html],
    ['assets/index-DnNdBZve.js', true, CACHE.immutable],
    ['sw.js', false, CACHE.serviceWorker],
    ['favicon.ico', false, CACHE.mutable],
  ])('%s (immutable: %s) → %s', (rel, immutable, expected) => {
    expect(cacheControl(rel, immutable)).toBe(expected)
  })

  it('lets a user rule override even the immutable and service worker defaults', () => {
    const override = compileCacheRules([
      ['assets/**', 'public, max-age=120'],
      ['sw.js', 'no-store'],
    ])
    expect(override('assets/index-DnNdBZve.js', true)).toBe('public, max-age=120')
    expect(override('sw.js', false)).toBe('no-store')
  })

  it('keeps the order given, not the order of specificity', () => {
    const broadFirst = compileCacheRules([
      ['**', 'public, max-age=1'],
      ['index.html', 'no-store'],
    ])
    expect(broadFirst('index.html', false)).toBe('public, max-age=1')
  })

  it('falls back to the defaults with no rules', () => {
    const none = compileCacheRules([])
    expect(none('index.html', false)).toBe(CACHE.html)
    expect(none('assets/a-Ab12Cd34.js', true)).toBe(CACHE.immutable)
  })
})

describe('looksHashed', () => {
  it.each([
    // Vite / Rollup `[name]-[hash]` (8 base64url chars)
    'assets/index-DnNdBZve.js',
    'assets/index-DnNdBZve.js.map',
    'assets/index-DnNdBZve.css',
    'lazy-DKw59T4y.js',
    'x-BeeK7M2-.png',
    'assets/vendor-a_9Kx2Lq.js',
    'assets/logo-Bq3xZ8mn.svg',
    // hex hashes (Parcel, webpack `[contenthash]`, `[name].[hash]`)
    'chunk.3f9a8b7c.js',
    'main.3f9a8b7c1d2e3f4a5b6c.js',
    'static/js/main.8a1b2c3d.js',
    // esbuild `[name]-[hash]` (base32)
    'chunk-5XQKZ3NV.js',
    // a bare Rollup hash as the name (Nuxt `_nuxt/[hash].js`, React Router chunks)
    'Cr6vbMQs.js',
    'assets/Cr6vbMQs.js',
    'assets/D-4x_Qz9.css',
    // the frameworks' hashed folders, whatever the names inside
    '_app/immutable/entry/start.js',
    '_app/immutable/nodes/0.Cr6vbMQs.js',
    '_astro/index.Cr6vbMQs.css',
    '_astro/logo.Cr6vbMQs_Z1abcd.webp',
    '_nuxt/entry.Cr6vbMQs.css',
    '_nuxt/builds/meta/3f1b0c2e-1c2d-4e5f-8a9b-0c1d2e3f4a5b.json',
  ])('%s looks hashed', (rel) => {
    expect(looksHashed(rel)).toBe(true)
  })

  // An unhashed file taken for a hashed one is cached for a year under a URL
  // whose bytes will change: every one of these would be stale after a deploy.
  it.each([
    'index.html',
    'assets/index-DnNdBZve.html',
    'robots.txt',
    'vendor/legacy.js',
    'polyfills.js',
    'jquery-3.7.1.min.js',
    'bootstrap-5.3.2.bundle.js',
    'my-component.js',
    'app-settings.json',
    'vendor-polyfill.js',
    'apple-touch-icon-180x180.png',
    'android-chrome-192x192.png',
    'favicon-32x32.png',
    'fonts/roboto-v30-latin-regular.woff2',
    'report-20240101.pdf',
    'x-MyWidget.js',
    'x-toDoList.js',
    'service-worker.js',
    'sw.js',
    // bare names that are words and numbers, not hashes
    'icon-192.png',
    'logo2024.png',
    'iPhone12.png',
    'Contacts.js',
    'Overview.css',
    'MyWidget.js',
    'DarkMode.css',
    // outside the hashed folders, or the one mutable file inside
    '_nuxt/builds/latest.json',
    'docs/_astro-notes.txt',
    '_app/version.json',
    '_app/env.js',
  ])('%s does not look hashed', (rel) => {
    expect(looksHashed(rel)).toBe(false)
  })
})

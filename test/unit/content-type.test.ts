import { describe, expect, it } from 'vitest'
import { DEFAULT_CONTENT_TYPE, contentTypeFor, isHtml } from '../../src/plan/content-type.js'

describe('contentTypeFor', () => {
  it.each([
    ['assets/index-DnNdBZve.js', 'text/javascript; charset=utf-8'],
    ['assets/worker.mjs', 'text/javascript; charset=utf-8'],
    ['assets/index-B3x9kQ2a.css', 'text/css; charset=utf-8'],
    ['index.html', 'text/html; charset=utf-8'],
    ['legacy/page.htm', 'text/html; charset=utf-8'],
    ['data/feed.json', 'application/json; charset=utf-8'],
    ['assets/index-DnNdBZve.js.map', 'application/json; charset=utf-8'],
    ['logo.svg', 'image/svg+xml; charset=utf-8'],
    ['assets/lib-Ab12Cd34.wasm', 'application/wasm'],
    ['fonts/inter.woff2', 'font/woff2'],
    ['fonts/inter.woff', 'font/woff'],
    ['img/hero.avif', 'image/avif'],
    ['img/hero.webp', 'image/webp'],
    ['img/hero.png', 'image/png'],
    ['img/hero.JPG', 'image/jpeg'],
    ['favicon.ico', 'image/x-icon'],
    ['site.webmanifest', 'application/manifest+json; charset=utf-8'],
    ['robots.txt', 'text/plain; charset=utf-8'],
    ['sitemap.xml', 'application/xml; charset=utf-8'],
    ['INDEX.HTML', 'text/html; charset=utf-8'],
    ['video/intro.mp4', 'video/mp4'],
    ['docs/guide.pdf', 'application/pdf'],
  ])('%s → %s', (path, type) => {
    expect(contentTypeFor(path)).toBe(type)
  })

  it.each([
    'LICENSE',
    '.htaccess',
    'dir.v2/README',
    'archive.unknownext',
    'file.',
  ])('%s → the default type', (path) => {
    expect(contentTypeFor(path)).toBe(DEFAULT_CONTENT_TYPE)
  })

  it('puts charset on text types and never on binary ones', () => {
    for (const path of ['a.js', 'a.css', 'a.html', 'a.json', 'a.map', 'a.svg', 'a.txt', 'a.xml', 'a.webmanifest']) {
      expect(contentTypeFor(path), path).toMatch(/; charset=utf-8$/)
    }
    for (const path of ['a.wasm', 'a.woff2', 'a.avif', 'a.webp', 'a.png']) {
      expect(contentTypeFor(path), path).not.toContain('charset')
    }
  })
})

describe('isHtml', () => {
  it.each([
    ['index.html', true],
    ['a/b.HTM', true],
    ['page.html.map', false],
    ['html', false],
    ['index.xhtml.js', false],
  ])('%s → %s', (path, expected) => {
    expect(isHtml(path)).toBe(expected)
  })
})

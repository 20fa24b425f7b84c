import { lookup } from 'mrmime'
import { describe, expect, it } from 'vitest'
import { DEFAULT_CONTENT_TYPE, OVERRIDES, contentTypeFor, isHtml } from '../../src/plan/content-type.js'

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
    // The rest of the table this module had before mrmime, unchanged.
    ['legacy/index.cjs', 'text/javascript; charset=utf-8'],
    ['README.md', 'text/markdown; charset=utf-8'],
    ['data/rows.csv', 'text/csv; charset=utf-8'],
    ['feed.rss', 'application/rss+xml; charset=utf-8'],
    ['feed.atom', 'application/atom+xml; charset=utf-8'],
    ['img/anim.gif', 'image/gif'],
    ['img/old.bmp', 'image/bmp'],
    ['img/hero.jpeg', 'image/jpeg'],
    ['fonts/inter.ttf', 'font/ttf'],
    ['fonts/inter.otf', 'font/otf'],
    ['fonts/inter.eot', 'application/vnd.ms-fontobject'],
    ['video/intro.webm', 'video/webm'],
    ['audio/a.mp3', 'audio/mpeg'],
    ['audio/a.ogg', 'audio/ogg'],
    ['audio/a.wav', 'audio/wav'],
    ['download/site.zip', 'application/zip'],
    ['download/site.tar.gz', 'application/gzip'],
    ['download/data.br', 'application/x-brotli'],
    // Sent as application/octet-stream before mrmime.
    ['captions/en.vtt', 'text/vtt; charset=utf-8'],
    ['models/robot.glb', 'model/gltf-binary'],
    ['models/robot.gltf', 'model/gltf+json; charset=utf-8'],
    ['data/org.jsonld', 'application/ld+json; charset=utf-8'],
    ['img/spinner.apng', 'image/apng'],
    ['video/clip.mov', 'video/quicktime'],
  ])('%s → %s', (path, type) => {
    expect(contentTypeFor(path)).toBe(type)
  })

  it.each(['LICENSE', '.htaccess', 'dir.v2/README', 'archive.unknownext', 'file.', 'odd.constructor', 'odd.__proto__'])('%s → the default type', (path) => {
    expect(contentTypeFor(path)).toBe(DEFAULT_CONTENT_TYPE)
  })

  it('puts charset on text types and never on binary ones', () => {
    for (const path of ['a.js', 'a.css', 'a.html', 'a.json', 'a.map', 'a.svg', 'a.txt', 'a.xml', 'a.webmanifest']) {
      expect(contentTypeFor(path), path).toMatch(/; charset=utf-8$/)
    }
    for (const path of ['a.wasm', 'a.woff2', 'a.avif', 'a.webp', 'a.png', 'a.glb', 'a.mov', 'a.pdf']) {
      expect(contentTypeFor(path), path).not.toContain('charset')
    }
  })

  it('overrides mrmime only where it has no type or another one', () => {
    expect(Object.keys(OVERRIDES)).toEqual(['cjs', 'xml', 'ico', 'eot', 'br'])
    for (const [ext, type] of Object.entries(OVERRIDES)) {
      expect(lookup(ext), ext).not.toBe(type)
      expect(contentTypeFor(`a.${ext}`).split(';')[0], ext).toBe(type)
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

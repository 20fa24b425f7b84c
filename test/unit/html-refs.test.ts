import { describe, expect, it } from 'vitest'
import { decodeEntities, extractRefs, srcsetUrls, type RefKind } from '../../src/cli/html-refs.js'

const PAGE = 'https://cdn.example.com/app/guide/page.html'

/** `tag kind url` of each reference found in `html` on PAGE. */
const refs = (html: string, page = PAGE) => extractRefs(html, page).refs.map((r) => `${r.tag} ${r.kind} ${r.url}`)

describe('extractRefs', () => {
  it.each<[string, string, string[]]>([
    [
      'a module script, relative',
      '<script type="module" src="./assets/app.js"></script>',
      ['script src script https://cdn.example.com/app/guide/assets/app.js'],
    ],
    [
      'a classic script, parent-relative',
      '<script src="../assets/legacy.js" defer></script>',
      ['script src script https://cdn.example.com/app/assets/legacy.js'],
    ],
    [
      'a root-relative script (the prefix is lost)',
      '<script type="module" src="/assets/app.Dx1.js"></script>',
      ['script src script https://cdn.example.com/assets/app.Dx1.js'],
    ],
    [
      'an absolute URL on the CDN',
      '<link rel="stylesheet" href="https://cdn.example.com/app/assets/s.css">',
      ['link rel=stylesheet style https://cdn.example.com/app/assets/s.css'],
    ],
    [
      'a protocol-relative URL takes the page scheme',
      '<script src="//other.example.net/lib.js"></script>',
      ['script src script https://other.example.net/lib.js'],
    ],
    [
      'a script of a non-JS type: must exist, any type',
      '<script type="text/x-template" src="t.html"></script>',
      ['script src any https://cdn.example.com/app/guide/t.html'],
    ],
    [
      'a JS MIME type with parameters',
      '<script type="text/javascript; charset=utf-8" src="a.js"></script>',
      ['script src script https://cdn.example.com/app/guide/a.js'],
    ],
    [
      'modulepreload and preloads by `as`',
      '<link rel="modulepreload" href="/app/m.js"><link rel="preload" as="style" href="p.css"><link rel="preload" as="font" href="f.woff2" crossorigin><link rel="preload" as="image" href="hero.avif" imagesrcset="hero-1.avif 1x, hero-2.avif 2x">',
      [
        'link rel=modulepreload script https://cdn.example.com/app/m.js',
        'link rel=preload as=style style https://cdn.example.com/app/guide/p.css',
        'link rel=preload as=font any https://cdn.example.com/app/guide/f.woff2',
        'link rel=preload as=image image https://cdn.example.com/app/guide/hero.avif',
        'link rel=preload imagesrcset image https://cdn.example.com/app/guide/hero-1.avif',
        'link rel=preload imagesrcset image https://cdn.example.com/app/guide/hero-2.avif',
      ],
    ],
    [
      'icons and the manifest',
      '<link rel="shortcut icon" href="/app/favicon.ico"><link rel="apple-touch-icon" href="/app/touch.png"><link rel="manifest" href="/app/site.webmanifest">',
      [
        'link rel=icon image https://cdn.example.com/app/favicon.ico',
        'link rel=apple-touch-icon image https://cdn.example.com/app/touch.png',
        'link rel=manifest manifest https://cdn.example.com/app/site.webmanifest',
      ],
    ],
    [
      'hints that block nothing are not references',
      '<link rel="prefetch" href="next.js"><link rel="dns-prefetch" href="//api.example.com"><link rel="preconnect" href="https://fonts.example.com"><link rel="canonical" href="/x"><a href="other.html">x</a>',
      [],
    ],
    [
      'img src and srcset with width and density descriptors',
      '<img src="a.png" srcset="a-480.png 480w, a-800.png 800w,a-2x.png 2x" sizes="(max-width: 600px) 480px, 800px" alt="">',
      [
        'img src image https://cdn.example.com/app/guide/a.png',
        'img srcset image https://cdn.example.com/app/guide/a-480.png',
        'img srcset image https://cdn.example.com/app/guide/a-800.png',
        'img srcset image https://cdn.example.com/app/guide/a-2x.png',
      ],
    ],
    [
      'a srcset URL with a comma, and a candidate without descriptor',
      '<img srcset="/img/crop,w_100.png 1x,/img/b.png">',
      ['img srcset image https://cdn.example.com/img/crop,w_100.png', 'img srcset image https://cdn.example.com/img/b.png'],
    ],
    [
      'picture sources, video poster and media sources',
      '<picture><source type="image/webp" srcset="p.webp"><img src="p.jpg"></picture><video poster="v.jpg" src="v.mp4"><source src="v.webm" type="video/webm"></video><audio src="s.mp3"></audio>',
      [
        'source srcset image https://cdn.example.com/app/guide/p.webp',
        'img src image https://cdn.example.com/app/guide/p.jpg',
        'video src any https://cdn.example.com/app/guide/v.mp4',
        'video poster image https://cdn.example.com/app/guide/v.jpg',
        'source src any https://cdn.example.com/app/guide/v.webm',
        'audio src any https://cdn.example.com/app/guide/s.mp3',
      ],
    ],
    [
      '<base href> applies to every URL, even before it',
      '<script src="early.js"></script><base href="/app/v2/"><img src="img/x.png">',
      ['script src script https://cdn.example.com/app/v2/early.js', 'img src image https://cdn.example.com/app/v2/img/x.png'],
    ],
    [
      'only the first <base href> counts',
      '<base target="_top"><base href="https://cdn.example.com/one/"><base href="/two/"><img src="x.png">',
      ['img src image https://cdn.example.com/one/x.png'],
    ],
    ['a javascript: base is ignored', '<base href="javascript:void(0)"><img src="x.png">', ['img src image https://cdn.example.com/app/guide/x.png']],
    [
      'data:, blob:, javascript: and empty URLs load nothing',
      '<img src="data:image/png;base64,iVBOR"><img srcset="data:image/png;base64,AA,BB 1x"><script src="blob:https://x/1"></script><script src="javascript:0"></script><img src=""><img src="  "><img src="#top">',
      [],
    ],
    [
      'entity-encoded URLs are decoded',
      '<script src="/app/q.js?a=1&amp;b=2&#38;c=&#x33;"></script><img srcset="/app/i&#44;1.png 1x">',
      ['script src script https://cdn.example.com/app/q.js?a=1&b=2&c=3', 'img srcset image https://cdn.example.com/app/i,1.png'],
    ],
    [
      'upper-case tags and attributes',
      '<SCRIPT TYPE="MODULE" SRC="/app/A.js"></SCRIPT><LINK REL="StyleSheet" HREF="/app/B.css"><IMG SRC="/app/C.png">',
      [
        'script src script https://cdn.example.com/app/A.js',
        'link rel=stylesheet style https://cdn.example.com/app/B.css',
        'img src image https://cdn.example.com/app/C.png',
      ],
    ],
    [
      'single-quoted and unquoted attributes',
      "<script type='module' src='s.js'></script><link rel=stylesheet href=/app/u.css><img src=i.png alt=x>",
      [
        'script src script https://cdn.example.com/app/guide/s.js',
        'link rel=stylesheet style https://cdn.example.com/app/u.css',
        'img src image https://cdn.example.com/app/guide/i.png',
      ],
    ],
    [
      'whitespace around the URL and a fragment are dropped',
      '<img src="\n  /app/sprite.svg#icon  ">',
      ['img src image https://cdn.example.com/app/sprite.svg'],
    ],
    ['a ">" inside a quoted attribute does not end the tag', '<img alt="a > b" src="/app/after.png">', ['img src image https://cdn.example.com/app/after.png']],
    [
      'markup in comments, script bodies and styles is not a reference',
      '<!-- <script src="/old.js"></script> --><script>document.write(\'<img src="/in-js.png">\')</script><style>body{background:url(/bg.png)}</style><textarea><img src="/typed.png"></textarea><img src="/app/real.png">',
      ['img src image https://cdn.example.com/app/real.png'],
    ],
  ])('%s', (_name, html, expected) => {
    expect(refs(html)).toEqual(expected)
  })

  it('keeps what is written and reports the base used', () => {
    const out = extractRefs('<base href="../"><script src="/assets/app.Dx1.js"></script>', PAGE)
    expect(out.base).toBe('https://cdn.example.com/app/')
    expect(out.refs).toEqual([
      { tag: 'script src', kind: 'script' satisfies RefKind, value: '/assets/app.Dx1.js', url: 'https://cdn.example.com/assets/app.Dx1.js' },
    ])
  })

  it('lists values that are not URLs as invalid, not as references', () => {
    const out = extractRefs('<img src="http://[::1"><img src="ok.png">', PAGE)
    expect(out.invalid).toEqual([{ tag: 'img src', value: 'http://[::1' }])
    expect(out.refs.map((r) => r.value)).toEqual(['ok.png'])
  })

  it('an unclosed script body hides nothing after it but itself', () => {
    expect(refs('<img src="/app/a.png"><script src="/app/s.js">var x = "<img src=/nope.png>"')).toEqual([
      'img src image https://cdn.example.com/app/a.png',
      'script src script https://cdn.example.com/app/s.js',
    ])
  })
})

describe('srcsetUrls', () => {
  it.each<[string, string[]]>([
    ['a.png', ['a.png']],
    ['a.png 1x, b.png 2x', ['a.png', 'b.png']],
    // A URL runs to whitespace, commas included (as in browsers): one URL here, two after a space.
    ['a.png,b.png', ['a.png,b.png']],
    ['a.png, b.png', ['a.png', 'b.png']],
    ['a.png,, b.png', ['a.png', 'b.png']],
    [' a.png  480w ,\n b.png 800w ', ['a.png', 'b.png']],
    ['data:image/png;base64,AAA= 1x, c.png 2x', ['data:image/png;base64,AAA=', 'c.png']],
    ['x.png (ignored, descriptor) 1x, y.png', ['x.png', 'y.png']],
    ['', []],
  ])('%j', (input, expected) => {
    expect(srcsetUrls(input)).toEqual(expected)
  })
})

describe('decodeEntities', () => {
  it.each<[string, string]>([
    ['a&amp;b', 'a&b'],
    ['&lt;&gt;&quot;&apos;', '<>"\''],
    ['&#47;&#x2F;&#X2f;', '///'],
    ['&unknown; &amp', '&unknown; &amp'],
    ['&#0;', '\ufffd'],
  ])('%j', (input, expected) => {
    expect(decodeEntities(input)).toBe(expected)
  })
})

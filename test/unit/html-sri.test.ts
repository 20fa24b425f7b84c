import { describe, expect, it } from 'vitest'
import { addSriToHtml, readAttributes } from '../../src/emit/html-sri.js'

const BASE = 'https://cdn.example.com/app/'
const JS = `${BASE}assets/index-DnNdBZve.js`
const CSS = `${BASE}assets/index-B3x9kQ2a.css`
const LAZY = `${BASE}assets/lazy-DKw59T4y.js`
const ICON = `${BASE}favicon.svg`
const QUERY = `${BASE}assets/q-Ab12Cd34.js?v=1&x=2`
const SRI: Record<string, string> = {
  [JS]: 'sha384-JS',
  [CSS]: 'sha384-CSS',
  [LAZY]: 'sha384-LAZY',
  [ICON]: 'sha384-ICON',
  [QUERY]: 'sha384-QUERY',
}
const lookup = (url: string): string | undefined => SRI[url]

/** Run one tag through addSriToHtml. */
const one = (tag: string) => addSriToHtml(tag, lookup)

describe('addSriToHtml', () => {
  it.each([
    [
      'module script (Vite output)',
      `<script type="module" crossorigin src="${JS}"></script>`,
      `<script integrity="sha384-JS" type="module" crossorigin src="${JS}"></script>`,
    ],
    ['classic script without crossorigin', `<script src="${JS}" defer></script>`, `<script integrity="sha384-JS" crossorigin src="${JS}" defer></script>`],
    [
      'stylesheet with crossorigin',
      `<link rel="stylesheet" crossorigin href="${CSS}">`,
      `<link integrity="sha384-CSS" rel="stylesheet" crossorigin href="${CSS}">`,
    ],
    ['stylesheet without crossorigin', `<link rel="stylesheet" href="${CSS}">`, `<link integrity="sha384-CSS" crossorigin rel="stylesheet" href="${CSS}">`],
    ['modulepreload', `<link rel="modulepreload" crossorigin href="${LAZY}">`, `<link integrity="sha384-LAZY" rel="modulepreload" crossorigin href="${LAZY}">`],
    [
      'preload as script',
      `<link rel="preload" as="script" href="${LAZY}">`,
      `<link integrity="sha384-LAZY" crossorigin rel="preload" as="script" href="${LAZY}">`,
    ],
    ['preload as style', `<link rel="preload" as="style" href="${CSS}">`, `<link integrity="sha384-CSS" crossorigin rel="preload" as="style" href="${CSS}">`],
    [
      'rel with several tokens in upper case',
      `<link rel="STYLESHEET alternate" href="${CSS}">`,
      `<link integrity="sha384-CSS" crossorigin rel="STYLESHEET alternate" href="${CSS}">`,
    ],
    [
      'crossorigin="use-credentials" kept as is',
      `<script type="module" crossorigin="use-credentials" src="${JS}"></script>`,
      `<script integrity="sha384-JS" type="module" crossorigin="use-credentials" src="${JS}"></script>`,
    ],
    [
      'single quotes',
      `<script type='module' crossorigin src='${JS}'></script>`,
      `<script integrity="sha384-JS" type='module' crossorigin src='${JS}'></script>`,
    ],
    ['unquoted attributes', `<link rel=stylesheet href=${CSS}>`, `<link integrity="sha384-CSS" crossorigin rel=stylesheet href=${CSS}>`],
    ['spaces around =', `<link rel = "stylesheet" href = "${CSS}">`, `<link integrity="sha384-CSS" crossorigin rel = "stylesheet" href = "${CSS}">`],
    ['self-closing link', `<link rel="stylesheet" href="${CSS}" />`, `<link integrity="sha384-CSS" crossorigin rel="stylesheet" href="${CSS}" />`],
    [
      'upper-case tag and attribute names',
      `<SCRIPT TYPE="module" SRC="${JS}"></SCRIPT>`,
      `<SCRIPT integrity="sha384-JS" crossorigin TYPE="module" SRC="${JS}"></SCRIPT>`,
    ],
    [
      'attributes on several lines',
      `<script\n  type="module"\n  src="${JS}"\n></script>`,
      `<script integrity="sha384-JS" crossorigin\n  type="module"\n  src="${JS}"\n></script>`,
    ],
    [
      'URL with HTML entities, looked up decoded',
      `<script src="${QUERY.replace('&', '&amp;')}"></script>`,
      `<script integrity="sha384-QUERY" crossorigin src="${QUERY.replace('&', '&amp;')}"></script>`,
    ],
  ])('adds integrity to a %s', (_name, input, expected) => {
    const result = one(input)
    expect(result.html).toBe(expected)
    expect(result.count).toBe(1)
    expect(result.html.match(/crossorigin/gi)).toHaveLength(1)
    expect(result.html.match(/integrity=/gi)).toHaveLength(1)
  })

  it.each([
    ['a tag that already has integrity', `<script type="module" integrity="sha384-MINE" src="${JS}"></script>`],
    ['a tag that already has integrity (single quotes)', `<link rel='stylesheet' integrity='sha384-MINE' href='${CSS}'>`],
    ['an unknown URL', `<script type="module" src="https://other.example.com/x.js"></script>`],
    ['a relative URL the lookup does not know', `<script type="module" src="/assets/index-DnNdBZve.js"></script>`],
    ['an icon (known URL)', `<link rel="icon" href="${ICON}">`],
    ['a preload of a font', `<link rel="preload" as="font" href="${CSS}" crossorigin>`],
    ['a plain preload without as', `<link rel="preload" href="${JS}">`],
    ['a prefetch', `<link rel="prefetch" href="${LAZY}">`],
    ['an inline script', `<script type="module">import "${JS}"</script>`],
    ['a stylesheet link without href', `<link rel="stylesheet">`],
    ['a data-src only script', `<script data-src="${JS}"></script>`],
    ['other tags naming the URL', `<img src="${JS}"><a href="${CSS}">x</a><scripts src="${JS}">`],
  ])('leaves alone %s', (_name, input) => {
    const result = one(input)
    expect(result.html).toBe(input)
    expect(result.count).toBe(0)
  })

  it('handles a whole Vite document and counts every tag it changed', () => {
    const html = [
      '<!doctype html>',
      '<html lang="en">',
      '  <head>',
      `    <link rel="icon" type="image/svg+xml" href="${ICON}" />`,
      '    <meta name="viewport" content="width=device-width, initial-scale=1.0" />',
      `    <script type="module" crossorigin src="${JS}"></script>`,
      `    <link rel="modulepreload" crossorigin href="${LAZY}">`,
      `    <link rel="stylesheet" crossorigin href="${CSS}">`,
      '  </head>',
      '  <body><div id="app"></div><script>window.x = 1</script></body>',
      '</html>',
    ].join('\n')
    const result = addSriToHtml(html, lookup)
    expect(result.count).toBe(3)
    expect(result.html).toContain(`<link rel="icon" type="image/svg+xml" href="${ICON}" />`)
    expect(result.html).toContain(`<script integrity="sha384-JS" type="module" crossorigin src="${JS}"></script>`)
    expect(result.html).toContain(`<link integrity="sha384-LAZY" rel="modulepreload" crossorigin href="${LAZY}">`)
    expect(result.html).toContain(`<link integrity="sha384-CSS" rel="stylesheet" crossorigin href="${CSS}">`)
    expect(result.html).toContain('<script>window.x = 1</script>')
    // Nothing else moved.
    expect(result.html.replace(/ integrity="[^"]*"/g, '')).toBe(html)
  })

  it('is idempotent', () => {
    const first = addSriToHtml(`<script type="module" src="${JS}"></script><link rel="stylesheet" href="${CSS}">`, lookup)
    const second = addSriToHtml(first.html, lookup)
    expect(first.count).toBe(2)
    expect(second).toEqual({ html: first.html, count: 0 })
  })
})

describe('readAttributes', () => {
  it('reads double, single, unquoted and bare attributes, lower-casing names', () => {
    const attrs = readAttributes(` TYPE="module" src='/a b.js' data-x=1 crossorigin defer`)
    expect(Object.fromEntries(attrs)).toEqual({ type: 'module', src: '/a b.js', 'data-x': '1', crossorigin: '', defer: '' })
  })

  it('does not read attributes out of quoted values', () => {
    const attrs = readAttributes(` data-note="src=/evil.js integrity=x" src="/good.js"`)
    expect(attrs.get('src')).toBe('/good.js')
    expect(attrs.has('integrity')).toBe(false)
  })
})

describe('custom elements', () => {
  it('leaves <link-card> and <script-x> alone', () => {
    const html = '<link-card href="https://cdn.example.com/a.css" rel="stylesheet"></link-card><script-x src="https://cdn.example.com/a.js"></script-x>'
    expect(addSriToHtml(html, () => 'sha384-x').html).toBe(html)
  })
})

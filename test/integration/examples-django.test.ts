/**
 * examples/django as a user runs it: `vite build` of its frontend with the plugin, then
 * Python and Django render the pages (Django's test client) and every template tag of
 * `{% load cdn %}` (examples/django/cdn_assets) under many settings. Each output must be
 * byte for byte what the Node runtime (`createAssets`, `loadManifest`) gives for the same
 * manifest and options, errors included (same message, scope `[django]`); the pages'
 * SRI must match the built bytes. Python 3 with Django is required: without it this
 * test fails and says how to install it.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CdnDeployError, createAssets, loadManifest, type Assets, type RuntimeManifest } from '../../src/runtime/index.js'
import { EXAMPLES, tempDir } from '../helpers/build.js'

const run = promisify(execFile)
const VITE = resolve(import.meta.dirname, '../../node_modules/.bin/vite')
const EXAMPLE = join(EXAMPLES, 'django')
const BASE = 'https://cdn.example.com/django/'
const TAGS = ['cdn_asset_url', 'cdn_dns_prefetch', 'cdn_entry', 'cdn_entry_tags', 'cdn_preconnect', 'cdn_preload', 'cdn_release']
const INSTALL =
  'The Django example test needs Python 3 with Django 3.2 or later. On Debian/Ubuntu: `apt-get install -y python3-django` ' +
  "(Django for the system's /usr/bin/python3); elsewhere: `python3 -m pip install django`. " +
  'DJANGO_PYTHON=/path/to/python3 picks the interpreter (else $PYTHON, python3, /usr/bin/python3: the first that has Django).'

/** Django renders the pages and cases of the spec (argv[1]); prints one JSON object. */
const SCRIPT = String.raw`
import io, json, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "shop.settings"
import django
django.setup()
from django.core.management import call_command
from django.template import engines
from django.test import Client
from django.test.utils import override_settings, setup_test_environment
from cdn_assets import CdnManifestError, get_assets
from cdn_assets.templatetags.cdn import register

spec = json.load(open(sys.argv[1], encoding="utf-8"))
setup_test_environment()
call_command("check", fail_level="WARNING", stdout=io.StringIO())
engine, client = engines["django"], Client()
out = {"django": django.get_version(), "tags": sorted(register.tags), "pages": {}, "cases": {}}

def attempt(fn):
    try:
        return {"ok": fn()}
    except CdnManifestError as err:
        return {"error": str(err)}

def page(path):
    res = client.get(path)
    return {"status": res.status_code, "html": res.content.decode("utf-8")}

for path in spec["pages"]:
    out["pages"][path] = page(path)
for case in spec["cases"]:
    with override_settings(**case.get("settings", {})):
        if "template" in case:
            out["cases"][case["name"]] = attempt(lambda: engine.from_string("{% load cdn %}" + case["template"]).render({}))
        elif "page" in case:
            out["cases"][case["name"]] = attempt(lambda: page(case["page"])["html"])
        else:
            out["cases"][case["name"]] = attempt(lambda: getattr(get_assets(), case["call"][0])(*case["call"][1:]))

def rewrite(path, release):
    manifest = json.load(open(path, encoding="utf-8"))
    manifest["release"] = release
    json.dump(manifest, open(path, "w", encoding="utf-8"))
    stat = os.stat(path)
    os.utime(path, (stat.st_atime, stat.st_mtime + 10))

release = lambda: engine.from_string("{% load cdn %}{% cdn_release %}").render({})
copy = spec["reload_manifest"]
with override_settings(CDN_MANIFEST=copy, CDN_RELOAD=True):
    before = release(); rewrite(copy, "changed-on-disk"); after = release()
with override_settings(CDN_MANIFEST=copy, CDN_RELOAD=False):
    kept = release(); rewrite(copy, "changed-again"); still = release()
out["reload"] = [before, after, kept, still]
print(json.dumps(out))
`

type Settings = Record<string, string | boolean | null>
interface Case {
  name: string
  /** A template (after `{% load cdn %}`), a page path, or a method of get_assets() with its arguments. */
  template?: string
  page?: string
  call?: [string, ...string[]]
  settings?: Settings
  /** The Node runtime's answer for the same manifest and options. */
  node?: (assets: Assets) => unknown
  /** Where Python and Node word a system error differently (ENOENT, a JSON syntax error): both must match this. */
  match?: RegExp
}
type Outcome = { ok: unknown } | { error: string }
interface Output {
  django: string
  tags: string[]
  pages: Record<string, { status: number; html: string }>
  cases: Record<string, Outcome>
  reload: string[]
}

/** The Node runtime with the options the Django settings stand for; errors re-scoped to `[django]`. */
async function nodeOutcome(c: Case, dist: string): Promise<Outcome> {
  const s = c.settings ?? {}
  try {
    const manifest = await loadManifest((s.CDN_MANIFEST as string | undefined) ?? dist)
    const crossorigin = s.CDN_CROSSORIGIN === null ? false : ((s.CDN_CROSSORIGIN as 'anonymous' | 'use-credentials' | undefined) ?? 'anonymous')
    const assets = createAssets(manifest, {
      base: (s.CDN_BASE as string | undefined) ?? undefined,
      crossorigin,
      integrity: (s.CDN_INTEGRITY as boolean | undefined) ?? true,
    })
    return { ok: JSON.parse(JSON.stringify(c.node!(assets))) as unknown }
  } catch (err) {
    if (!(err instanceof CdnDeployError)) throw err
    return { error: err.message.replace(/^\[cdn-deploy\] \[runtime\] /, '[cdn-deploy] [django] ') }
  }
}

/** Every helper at once, for the cases that change options or where the manifest comes from. */
const ALL = (css: string) =>
  [
    "{% cdn_entry_tags 'src/main.ts' 'src/admin.ts' %}",
    "{% cdn_asset_url 'logo.svg' %}",
    "{% cdn_preload 'logo.svg' 'font' %}",
    "{% cdn_preload 'src/details.ts' %}",
    `{% cdn_preload '${css}' %}`,
    "{% cdn_preload 'favicon.svg' 'fetch' %}",
    '{% cdn_dns_prefetch %}',
    "{% cdn_preconnect 'static.example.net' %}",
    '{% cdn_preconnect %}',
    '{% cdn_release %}',
  ].join('|')
const allNode = (css: string) => (a: Assets) =>
  [
    a.tags(['src/main.ts', 'src/admin.ts']),
    a.url('logo.svg'),
    a.preload('logo.svg', 'font'),
    a.preload('src/details.ts'),
    a.preload(css),
    a.preload('favicon.svg', 'fetch'),
    a.dnsPrefetch(),
    a.preconnect('static.example.net'),
    a.preconnect(),
    a.release,
  ].join('|')

function cases(manifest: RuntimeManifest, tmp: string, httpBase: string): Case[] {
  const mainCss = manifest.entries['src/main.ts']!.css[0]!
  const shared = manifest.entries['src/main.ts']!.imports[0]!
  return [
    // Entries: CSS of the entry and of its imports, modulepreloads of the imports, the script.
    { name: 'entry main', template: "{% cdn_entry_tags 'src/main.ts' %}", node: (a) => a.tags('src/main.ts') },
    { name: 'entry admin', template: "{% cdn_entry_tags 'src/admin.ts' %}", node: (a) => a.tags('src/admin.ts') },
    {
      name: 'two entries, shared chunk once',
      template: "{% cdn_entry_tags 'src/main.ts' 'src/admin.ts' %}",
      node: (a) => a.tags(['src/main.ts', 'src/admin.ts']),
    },
    { name: 'the dynamically imported chunk by its key', template: "{% cdn_entry_tags 'src/details.ts' %}", node: (a) => a.tags('src/details.ts') },
    { name: 'a shared chunk as an entry', template: `{% cdn_entry_tags '${shared}' 'src/admin.ts' %}`, node: (a) => a.tags([shared, 'src/admin.ts']) },
    { name: 'keys with ./ and /', template: "{% cdn_entry_tags './src/main.ts' '/src/admin.ts' %}", node: (a) => a.tags(['./src/main.ts', '/src/admin.ts']) },
    { name: 'entry() for own markup', call: ['entry', 'src/main.ts', 'src/admin.ts'], node: (a) => a.entry(['src/main.ts', 'src/admin.ts']) },
    {
      name: 'cdn_entry ... as',
      template:
        "{% cdn_entry 'src/main.ts' as e %}{% for s in e.styles %}{{ s.href }} {{ s.integrity }};{% endfor %}{% for s in e.scripts %}{{ s.src }};{% endfor %}",
      node: (a) => ((e) => [...e.styles.map((s) => `${s.href} ${s.integrity};`), ...e.scripts.map((s) => `${s.src};`)].join(''))(a.entry('src/main.ts')),
    },
    // URLs: entry keys, hashed public files (hashPublic), output files.
    { name: 'url of an entry', template: "{% cdn_asset_url 'src/main.ts' %}", node: (a) => a.url('src/main.ts') },
    { name: 'url of a public file', template: "{% cdn_asset_url 'logo.svg' %}", node: (a) => a.url('logo.svg') },
    { name: 'url of /favicon.svg', template: "{% cdn_asset_url '/favicon.svg' %}", node: (a) => a.url('/favicon.svg') },
    { name: 'url of an output file', template: `{% cdn_asset_url '${mainCss}' %}`, node: (a) => a.url(mainCss) },
    { name: 'url as a variable', template: '{% cdn_asset_url \'logo.svg\' as logo %}<img src="{{ logo }}">', node: (a) => `<img src="${a.url('logo.svg')}">` },
    { name: 'file() record', call: ['file', 'logo.svg'], node: (a) => a.file('logo.svg') },
    // Preloads: `as` guessed or given; SRI and crossorigin where the kind needs them.
    { name: 'preload, image guessed', template: "{% cdn_preload 'logo.svg' %}", node: (a) => a.preload('logo.svg') },
    { name: 'preload as image', template: "{% cdn_preload 'logo.svg' 'image' %}", node: (a) => a.preload('logo.svg', 'image') },
    { name: 'preload the lazy chunk (script, SRI)', template: "{% cdn_preload 'src/details.ts' %}", node: (a) => a.preload('src/details.ts') },
    { name: 'preload a stylesheet (style, SRI)', template: `{% cdn_preload '${mainCss}' %}`, node: (a) => a.preload(mainCss) },
    { name: 'preload as font', template: "{% cdn_preload 'logo.svg' 'font' %}", node: (a) => a.preload('logo.svg', 'font') },
    { name: 'preload as fetch, keyword argument', template: "{% cdn_preload 'favicon.svg' as_='fetch' %}", node: (a) => a.preload('favicon.svg', 'fetch') },
    // Connection hints.
    { name: 'dns-prefetch', template: '{% cdn_dns_prefetch %}', node: (a) => a.dnsPrefetch() },
    { name: 'dns-prefetch of a host', template: "{% cdn_dns_prefetch 'static.example.net' %}", node: (a) => a.dnsPrefetch('static.example.net') },
    { name: 'preconnect', template: '{% cdn_preconnect %}', node: (a) => a.preconnect() },
    {
      name: 'preconnect, origin normalized',
      template: "{% cdn_preconnect '//Static.Example.NET:443/x' %}",
      node: (a) => a.preconnect('//Static.Example.NET:443/x'),
    },
    { name: 'release', template: '{% cdn_release %}', node: (a) => a.release },
    // Errors: what is unknown, what was meant, what there is.
    { name: 'unknown entry', template: "{% cdn_entry_tags 'src/main.js' %}", node: (a) => a.tags('src/main.js') },
    { name: 'unknown entry among known', template: "{% cdn_entry_tags 'src/admin.ts' 'src/nope.ts' %}", node: (a) => a.tags(['src/admin.ts', 'src/nope.ts']) },
    { name: 'unknown asset', template: "{% cdn_asset_url 'logo.png' %}", node: (a) => a.url('logo.png') },
    { name: 'unknown preload', template: "{% cdn_preload 'fonts/x.woff2' %}", node: (a) => a.preload('fonts/x.woff2') },
    { name: 'not a host', template: "{% cdn_dns_prefetch 'http://' %}", node: (a) => a.dnsPrefetch('http://') },
    // Options, each with every helper.
    ...(
      [
        ['crossorigin use-credentials', { CDN_CROSSORIGIN: 'use-credentials' }],
        ['crossorigin off', { CDN_CROSSORIGIN: null }],
        ['integrity off', { CDN_INTEGRITY: false }],
        ['another origin', { CDN_BASE: 'https://Assets.Example.org' }],
        ['another base with a path', { CDN_BASE: 'https://assets.example.org:8443/v2' }],
        ['a root-relative base', { CDN_BASE: '/static' }],
        ['a bad base', { CDN_BASE: 'ftp://assets.example.org' }],
        ['a base with a query', { CDN_BASE: 'https://assets.example.org/?v=2' }],
      ] as Array<[string, Settings]>
    ).map(([name, settings]): Case => ({ name, settings, template: ALL(mainCss), node: allNode(mainCss) })),
    // Where the manifest comes from.
    { name: 'manifest over http', settings: { CDN_MANIFEST: `${httpBase}/django/.vite/cdn-manifest.json` }, template: ALL(mainCss), node: allNode(mainCss) },
    {
      name: 'manifest path to the .json',
      settings: { CDN_MANIFEST: join(tmp, 'dist/.vite/cdn-manifest.json') },
      template: ALL(mainCss),
      node: allNode(mainCss),
    },
    {
      name: 'manifest over http, 404',
      settings: { CDN_MANIFEST: `${httpBase}/nope/cdn-manifest.json` },
      template: '{% cdn_preconnect %}',
      node: (a) => a.preconnect(),
    },
    { name: "Vite's own manifest", settings: { CDN_MANIFEST: join(tmp, 'vite-manifest.json') }, template: '{% cdn_preconnect %}', node: (a) => a.preconnect() },
    { name: 'not a cdn-deploy manifest', settings: { CDN_MANIFEST: join(tmp, 'invalid.json') }, template: '{% cdn_preconnect %}', node: (a) => a.preconnect() },
    {
      name: 'not JSON',
      settings: { CDN_MANIFEST: join(tmp, 'broken.json') },
      template: '{% cdn_preconnect %}',
      node: (a) => a.preconnect(),
      match: /^\[cdn-deploy\] \[django\] \S+broken\.json is not valid JSON \(.+\)$/,
    },
    {
      name: 'no manifest',
      settings: { CDN_MANIFEST: join(tmp, 'nowhere') },
      page: '/',
      node: (a) => a.preconnect(),
      match:
        /^\[cdn-deploy\] \[django\] cannot read \S+\/nowhere\/\.vite\/cdn-manifest\.json: .*(no such file|No such file).* \(build first: the plugin writes it as <outDir>\/\.vite\/cdn-manifest\.json\)$/,
    },
    {
      name: 'CDN_MANIFEST unset (Django only)',
      settings: { CDN_MANIFEST: null },
      template: '{% cdn_preconnect %}',
      match: /^\[cdn-deploy\] \[django\] settings\.CDN_MANIFEST is not set: /,
    },
  ]
}

async function findPython(): Promise<string> {
  const explicit = process.env.DJANGO_PYTHON
  const candidates = explicit ? [explicit] : [...new Set([process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p))]
  const tried: string[] = []
  for (const python of candidates) {
    try {
      await run(python, ['-c', 'import sys, django; assert sys.version_info >= (3, 8), sys.version; assert django.VERSION >= (3, 2), django.get_version()'])
      return python
    } catch (err) {
      const e = err as { code?: string; stderr?: string }
      tried.push(e.code === 'ENOENT' ? `${python}: not found` : `${python}: ${(e.stderr ?? String(err)).trim().split('\n').at(-1)}`)
    }
  }
  throw new Error(`${INSTALL}\nTried: ${tried.join('; ')}`)
}

describe('examples/django', () => {
  let tmp = ''
  let dist = ''
  let manifest: RuntimeManifest
  let assets: Assets
  let all: Case[] = []
  let out: Output
  let server: Server | undefined

  beforeAll(async () => {
    const python = await findPython()
    if (!existsSync(resolve(import.meta.dirname, '../../dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does)')
    tmp = await tempDir('django')
    dist = join(tmp, 'dist')
    await run(VITE, ['build', '--outDir', dist, '--emptyOutDir', '--logLevel', 'warn'], { cwd: EXAMPLE, env: { ...process.env, CDN_DEPLOY: '0' } })
    const manifestFile = join(dist, '.vite/cdn-manifest.json')
    manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as RuntimeManifest
    assets = createAssets(manifest)
    await writeFile(join(tmp, 'vite-manifest.json'), JSON.stringify({ 'src/main.ts': { file: 'assets/main.js', isEntry: true } }))
    await writeFile(join(tmp, 'invalid.json'), JSON.stringify({ version: 1, base: 3, entries: [], files: {} }))
    await writeFile(join(tmp, 'broken.json'), '{"version": 1,')
    await writeFile(join(tmp, 'reload.json'), await readFile(manifestFile))

    const body = await readFile(manifestFile)
    server = createServer((req, res) => {
      if (req.url === '/django/.vite/cdn-manifest.json') res.writeHead(200, { 'content-type': 'application/json' }).end(body)
      else res.writeHead(404).end()
    })
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done))
    const httpBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

    all = cases(manifest, tmp, httpBase)
    const spec = { pages: ['/', '/admin'], reload_manifest: join(tmp, 'reload.json'), cases: all.map(({ node, match, ...c }) => c) }
    await writeFile(join(tmp, 'spec.json'), JSON.stringify(spec))
    const { stdout } = await run(python, ['-B', '-c', SCRIPT, join(tmp, 'spec.json')], {
      cwd: EXAMPLE,
      env: {
        ...process.env,
        PYTHONDONTWRITEBYTECODE: '1',
        CDN_MANIFEST: dist,
        CDN_BASE: '',
        DJANGO_DEBUG: '1',
        NO_PROXY: ['127.0.0.1', process.env.NO_PROXY].filter(Boolean).join(','),
        no_proxy: ['127.0.0.1', process.env.no_proxy].filter(Boolean).join(','),
      },
      maxBuffer: 16 * 1024 * 1024,
    })
    out = JSON.parse(stdout) as Output
  })
  afterAll(async () => {
    await new Promise((done) => (server ? server.close(done) : done(undefined)))
    if (tmp) await rm(tmp, { recursive: true, force: true })
  })

  it("offers the Flask example's helpers (and cdn_entry), each exercised below", () => {
    expect(out.tags).toEqual(TAGS)
    for (const tag of TAGS)
      expect(
        all.some((c) => c.template?.includes(`{% ${tag} `) || c.template?.includes(`{% ${tag} %}`)),
        tag,
      ).toBe(true)
  })

  it.each([
    ['/', 'src/main.ts'],
    ['/admin', 'src/admin.ts'],
  ])("renders %s with the Node runtime's tags for %s, SRI matching the built bytes", async (path, key) => {
    const page = out.pages[path]!
    expect(page.status).toBe(200)
    const html = page.html
    expect(html).toContain(`<meta name="cdn-release" content="${manifest.release}">`)
    expect(html).toContain(`\n    ${assets.dnsPrefetch()}\n    ${assets.preconnect()}\n`)
    expect(html).toContain(`<link rel="icon" href="${assets.url('favicon.svg')}" type="image/svg+xml">`)
    expect(html).toContain(assets.tags(key))
    if (key === 'src/main.ts') {
      expect(html).toContain(`${assets.preload('logo.svg', 'image')}\n    ${assets.tags(key)}`)
      expect(html).toContain(`<img src="${assets.url('logo.svg')}"`)
    }
    // What the tags are, independently of the runtime: the shared chunk's CSS, then the entry's;
    // the shared chunk preloaded; the entry's script; the lazily imported chunk left out.
    const tags = [...html.matchAll(/<(?:link|script) [^>]*integrity="[^"]*"[^>]*>/g)].map((m) => m[0])
    const shared = manifest.entries[manifest.entries[key]!.imports[0]!]!
    const expected = [
      ...shared.css.map((css) => `stylesheet ${manifest.files[css]!.url}`),
      ...manifest.entries[key]!.css.map((css) => `stylesheet ${manifest.files[css]!.url}`),
      `modulepreload ${shared.url}`,
      `module ${manifest.entries[key]!.url}`,
    ]
    expect(tags.map((t) => `${/(?:rel|type)="([^"]+)"/.exec(t)![1]} ${/(?:href|src)="([^"]+)"/.exec(t)![1]}`)).toEqual(expected)
    const details = manifest.entries['src/details.ts']!
    expect(html).not.toContain(details.url)
    for (const css of details.css) expect(html).not.toContain(manifest.files[css]!.url)
    for (const tag of tags) {
      const url = /(?:href|src)="([^"]+)"/.exec(tag)![1]!
      expect(url.startsWith(BASE), url).toBe(true)
      expect(tag).toContain(' crossorigin="anonymous"')
      const bytes = await readFile(join(dist, url.slice(BASE.length)))
      expect(/integrity="([^"]+)"/.exec(tag)![1], url).toBe(`sha384-${createHash('sha384').update(bytes).digest('base64')}`)
    }
  })

  it('renders every template tag exactly as the Node runtime, under every option and manifest source', async () => {
    const expectedErrors = new Set([
      'unknown entry',
      'unknown entry among known',
      'unknown asset',
      'unknown preload',
      'not a host',
      'a bad base',
      'a base with a query',
      'manifest over http, 404',
      "Vite's own manifest",
      'not a cdn-deploy manifest',
      'not JSON',
      'no manifest',
      'CDN_MANIFEST unset (Django only)',
    ])
    for (const c of all) {
      const got = out.cases[c.name]
      expect(got, c.name).toBeDefined()
      expect('error' in got!, `${c.name}: ${JSON.stringify(got)}`).toBe(expectedErrors.has(c.name))
      if (c.match) {
        expect((got as { error: string }).error, c.name).toMatch(c.match)
        if (c.node) expect(((await nodeOutcome(c, dist)) as { error: string }).error, `${c.name} (Node)`).toMatch(c.match)
      } else {
        expect(got, c.name).toEqual(await nodeOutcome(c, dist))
      }
    }
    // Spot checks of what "the same" means here.
    const ok = (name: string) => (out.cases[name] as { ok: string }).ok
    const error = (name: string) => (out.cases[name] as { error: string }).error
    expect(ok('entry main').split('\n')).toHaveLength(4) // 2 stylesheets, 1 modulepreload, 1 script
    expect(ok('two entries, shared chunk once').match(/rel="modulepreload"/g)).toHaveLength(1)
    expect(ok('the dynamically imported chunk by its key')).toMatch(
      /^<link rel="stylesheet" href="[^"]+details-[^"]+\.css" integrity="sha384-[^"]+" crossorigin="anonymous">\n<script type="module" src="[^"]+details-[^"]+\.js" integrity="sha384-[^"]+" crossorigin="anonymous"><\/script>$/,
    )
    expect(ok('preload the lazy chunk (script, SRI)')).toMatch(
      /^<link rel="preload" href="[^"]+details-[^"]+\.js" as="script" integrity="sha384-[^"]+" crossorigin="anonymous">$/,
    )
    expect(ok('preload as font')).toBe(`<link rel="preload" href="${assets.url('logo.svg')}" as="font" type="image/svg+xml" crossorigin="anonymous">`)
    expect(ok('url of a public file')).toMatch(/^https:\/\/cdn\.example\.com\/django\/assets\/logo-[\w-]+\.svg$/)
    expect(ok('preconnect, origin normalized')).toBe('<link rel="preconnect" href="https://static.example.net" crossorigin="anonymous">')
    expect(ok('crossorigin off').match(/crossorigin="anonymous"/g)).toHaveLength(2) // the font and fetch preloads only: always CORS
    expect(ok('integrity off')).not.toContain('integrity')
    expect(ok('another base with a path')).toContain('"https://assets.example.org:8443/v2/assets/')
    expect(ok('a root-relative base')).toContain('"/static/assets/')
    expect(error('unknown entry')).toMatch(
      /^\[cdn-deploy\] \[django\] unknown entry "src\/main\.js" in release \S+ \(did you mean "src\/main\.ts"\?\)\. Known entries: .*"src\/admin\.ts"/,
    )
    expect(error("Vite's own manifest")).toMatch(/no "version" field.*not Vite's \.vite\/manifest\.json$/)
  })

  it('re-reads a changed manifest with CDN_RELOAD, and keeps it without', () => {
    expect(out.reload).toEqual([manifest.release, 'changed-on-disk', 'changed-on-disk', 'changed-on-disk'])
  })
})

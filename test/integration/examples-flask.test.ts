/**
 * examples/flask as a user runs it: `vite build` of its frontend, then Python 3 and
 * Flask's test client render the pages through the example's Jinja helpers
 * (flask_cdn.py). The tags must be what the cdn-manifest.json says each entry needs
 * (recomputed here from the JSON), with SRI matching the built bytes. Python 3 and
 * Flask are required: without them this test fails and says how to install them.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CdnManifest } from '../../src/index.js'
import { createAssets } from '../../src/runtime/index.js'
import { EXAMPLES, tempDir } from '../helpers/build.js'

const run = promisify(execFile)
const VITE = resolve(import.meta.dirname, '../../node_modules/.bin/vite')
const EXAMPLE = join(EXAMPLES, 'flask')
const BASE = 'https://cdn.example.com/flask/'
const PYTHON = process.env.PYTHON ?? 'python3'
const INSTALL =
  'The Flask example test needs Python 3 and Flask. Install Python 3 (your OS package manager, e.g. `apt-get install python3`, ' +
  '`brew install python`, or https://www.python.org/downloads/), then Flask: `python3 -m pip install flask` ' +
  '(or `apt-get install python3-flask`). Set PYTHON=/path/to/python3 to use another interpreter.'

/** Renders the pages and helpers with Flask's test client; prints one JSON object. */
const SCRIPT = String.raw`
import json, os, sys
from flask import render_template_string
from app import create_app
from flask_cdn import CdnManifestError

manifest = os.environ["CDN_TEST_MANIFEST"]
out = {}
app = create_app({"CDN_MANIFEST": manifest, "TESTING": True})
client = app.test_client()
for path in ("/", "/admin"):
    res = client.get(path)
    out[path] = {"status": res.status_code, "html": res.get_data(as_text=True)}
with app.test_request_context():
    render = lambda src: render_template_string(src)
    out["helpers"] = {
        "url_entry": render("{{ cdn_asset_url('frontend/main.js') }}"),
        "url_public": render("{{ cdn_asset_url('/favicon.svg') }}"),
        "preload_guess": render("{{ cdn_preload('logo.svg') }}"),
        "dns_host": render("{{ cdn_dns_prefetch('static.example.net') }}"),
        "preconnect": render("{{ cdn_preconnect() }}"),
        "both_entries": render("{{ cdn_entry_tags('frontend/main.js', 'frontend/admin.js') }}"),
    }
    try:
        render("{{ cdn_entry_tags('frontend/nope.js') }}")
    except CdnManifestError as err:
        out["unknown_entry"] = str(err)

moved = create_app({"CDN_MANIFEST": manifest, "CDN_BASE": "https://assets.example.org", "TESTING": True})
out["moved"] = moved.test_client().get("/").get_data(as_text=True)

vite_manifest = create_app({"CDN_MANIFEST": os.environ["CDN_TEST_VITE_MANIFEST"], "TESTING": True})
try:
    vite_manifest.test_client().get("/")
except CdnManifestError as err:
    out["vite_manifest"] = str(err)

missing = create_app({"CDN_MANIFEST": os.path.join(os.path.dirname(manifest), "nowhere"), "TESTING": True})
try:
    missing.test_client().get("/")
except CdnManifestError as err:
    out["missing"] = str(err)
print(json.dumps(out))
`

const ENTITIES: Record<string, string> = { '&amp;': '&', '&quot;': '"', '&#34;': '"', '&#39;': "'", '&lt;': '<', '&gt;': '>' }
function parseTags(html: string): Array<Record<string, string>> {
  return [...html.matchAll(/<(script|link)\b([^>]*)>/g)].map(([, tag, attrs]) => ({
    tag: tag!,
    ...Object.fromEntries(
      [...attrs!.matchAll(/([\w-]+)(?:="([^"]*)")?/g)].map(([, k, v]) => [k!, (v ?? '').replace(/&(amp|quot|#34|#39|lt|gt);/g, (e) => ENTITIES[e]!)]),
    ),
  }))
}

/** The README's recipe, from the JSON: script, CSS of the entry and its imports, modulepreloads. */
function expectedTags(manifest: CdnManifest, key: string): string[] {
  const tags = [`script module ${manifest.entries[key]!.url} ${manifest.entries[key]!.integrity}`]
  const seen = new Set<string>()
  const walk = (k: string, root: boolean) => {
    if (seen.has(k)) return
    seen.add(k)
    const chunk = manifest.entries[k]!
    if (!root) tags.push(`link modulepreload ${chunk.url} ${chunk.integrity}`)
    for (const css of chunk.css) tags.push(`link stylesheet ${manifest.files[css]!.url} ${manifest.files[css]!.integrity}`)
    for (const i of chunk.imports) walk(i, false)
  }
  walk(key, true)
  return [...new Set(tags)].sort()
}
const describeTag = (t: Record<string, string>) => `${t.tag} ${t.tag === 'script' ? t.type : t.rel} ${t.src ?? t.href} ${t.integrity}`
const ASSET_RELS = new Set(['stylesheet', 'modulepreload', undefined])

async function requirePythonAndFlask(): Promise<void> {
  try {
    await run(PYTHON, ['-c', 'import sys, flask; assert sys.version_info >= (3, 9), sys.version'])
  } catch (err) {
    const e = err as { code?: string; stderr?: string }
    const why = e.code === 'ENOENT' ? `"${PYTHON}" was not found on PATH` : `"${PYTHON} -c 'import flask'" failed:\n${e.stderr ?? String(err)}`
    throw new Error(`${INSTALL}\n(${why})`, { cause: err })
  }
}

describe('examples/flask', () => {
  let dist = ''
  let manifest: CdnManifest
  let out: Record<string, unknown> & { helpers: Record<string, string> }

  beforeAll(async () => {
    await requirePythonAndFlask()
    if (!existsSync(resolve(import.meta.dirname, '../../dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does)')
    dist = await tempDir('flask')
    await run(VITE, ['build', '--outDir', dist, '--emptyOutDir', '--logLevel', 'warn'], { cwd: EXAMPLE, env: { ...process.env, CDN_DEPLOY: '0' } })
    manifest = JSON.parse(await readFile(join(dist, '.vite/cdn-manifest.json'), 'utf8')) as CdnManifest
    await writeFile(join(dist, 'vite-manifest.json'), JSON.stringify({ 'frontend/main.js': { file: 'assets/main.js', isEntry: true } }))
    const { stdout } = await run(PYTHON, ['-B', '-c', SCRIPT], {
      cwd: EXAMPLE,
      env: {
        ...process.env,
        PYTHONDONTWRITEBYTECODE: '1',
        CDN_TEST_MANIFEST: join(dist, '.vite/cdn-manifest.json'),
        CDN_TEST_VITE_MANIFEST: join(dist, 'vite-manifest.json'),
      },
    })
    out = JSON.parse(stdout) as typeof out
  })
  afterAll(async () => {
    if (dist) await rm(dist, { recursive: true, force: true })
  })

  it.each([
    ['/', 'frontend/main.js'],
    ['/admin', 'frontend/admin.js'],
  ])('renders %s with the tags of %s, SRI matching the built bytes', async (path, key) => {
    const page = out[path] as { status: number; html: string }
    expect(page.status).toBe(200)
    expect(page.html).toContain(`<meta name="cdn-release" content="${manifest.release}">`)
    const tags = parseTags(page.html)
    const assetTags = tags.filter((t) => ASSET_RELS.has(t.rel))
    expect(assetTags.map(describeTag).sort()).toEqual(expectedTags(manifest, key))
    expect(assetTags.filter((t) => t.rel === 'stylesheet')[0]!.href).toMatch(/\/assets\/format-[\w-]+\.css$/) // the shared chunk's CSS first
    for (const t of assetTags) {
      const url = t.src ?? t.href!
      expect(t.crossorigin).toBe('anonymous')
      const bytes = await readFile(join(dist, decodeURIComponent(url.slice(BASE.length))))
      expect(t.integrity, url).toBe(`sha384-${createHash('sha384').update(bytes).digest('base64')}`)
    }
    expect(tags.find((t) => t.rel === 'icon')?.href).toBe(`${BASE}favicon.svg`)
    expect(tags.find((t) => t.rel === 'dns-prefetch')).toMatchObject({ href: 'https://cdn.example.com' })
    expect(tags.find((t) => t.rel === 'preconnect')).toMatchObject({ href: 'https://cdn.example.com', crossorigin: 'anonymous' })
  })

  it('renders the helpers exactly as the Node runtime does', () => {
    const h = out.helpers
    const assets = createAssets(manifest)
    expect(h.both_entries).toBe(assets.tags(['frontend/main.js', 'frontend/admin.js']))
    expect(h.preload_guess).toBe(assets.preload('logo.svg'))
    expect(h.dns_host).toBe(assets.dnsPrefetch('static.example.net'))
    expect(h.preconnect).toBe(assets.preconnect())
    expect(h.url_entry).toBe(manifest.entries['frontend/main.js']!.url)
    expect(h.url_public).toBe(`${BASE}favicon.svg`)
    expect(h.preload_guess).toBe(`<link rel="preload" href="${BASE}logo.svg" as="image" type="image/svg+xml">`)
    expect(h.dns_host).toBe('<link rel="dns-prefetch" href="https://static.example.net">')
    expect(h.preconnect).toBe('<link rel="preconnect" href="https://cdn.example.com" crossorigin="anonymous">')
    const both = parseTags(h.both_entries!)
    expect(both.filter((t) => t.tag === 'script')).toHaveLength(2)
    expect(both.filter((t) => t.rel === 'modulepreload')).toHaveLength(1) // the shared chunk, once
    expect(out.unknown_entry).toMatch(/^\[cdn-deploy\] \[flask\] unknown entry "frontend\/nope.js" in release .*Known entries: .*"frontend\/main.js"/)
  })

  it('moves URLs with CDN_BASE and explains a wrong or missing manifest', () => {
    const urls = parseTags(out.moved as string).map((t) => t.src ?? t.href!)
    expect(urls.length).toBeGreaterThanOrEqual(7)
    for (const url of urls) expect(url).toMatch(/^https:\/\/assets\.example\.org(\/flask\/|$)/)
    expect(out.vite_manifest).toMatch(/no "version" field.*not Vite's \.vite\/manifest\.json/)
    expect(out.missing).toMatch(/cannot read .*nowhere.*build first/)
  })
})

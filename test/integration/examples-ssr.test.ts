/**
 * examples/ssr-express run as a user runs it: `vite build` (client, with the plugin),
 * `vite build --ssr` (server), then `node server.js` on port 0. Each page's tags must
 * be exactly what the client build's cdn-manifest.json says the page's entry needs
 * (recomputed here from the JSON, as the README describes), with SRI matching the
 * bytes on disk; CDN_BASE moves every URL to another domain.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CdnManifest } from '../../src/index.js'
import { EXAMPLES, tempDir } from '../helpers/build.js'

const run = promisify(execFile)
const VITE = resolve(import.meta.dirname, '../../node_modules/.bin/vite')
const EXAMPLE = join(EXAMPLES, 'ssr-express')
const BASE = 'https://cdn.example.com/ssr/'

const ENTITIES: Record<string, string> = { '&amp;': '&', '&quot;': '"', '&#39;': "'", '&lt;': '<', '&gt;': '>' }
function parseTags(html: string): Array<Record<string, string>> {
  return [...html.matchAll(/<(script|link)\b([^>]*)>/g)].map(([, tag, attrs]) => ({
    tag: tag!,
    ...Object.fromEntries(
      [...attrs!.matchAll(/([\w-]+)(?:="([^"]*)")?/g)].map(([, k, v]) => [k!, (v ?? '').replace(/&(amp|quot|#39|lt|gt);/g, (e) => ENTITIES[e]!)]),
    ),
  }))
}

/** The README's recipe, straight from the JSON: script, CSS of the entry and its imports, modulepreloads. */
function expectedTags(manifest: CdnManifest, key: string): string[] {
  const entry = manifest.entries[key]!
  const tags = [`script module ${entry.url} ${entry.integrity}`]
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

interface Server {
  url: string
  child: ChildProcess
}

async function startServer(dist: string, env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, ['server.js'], {
    cwd: EXAMPLE,
    env: { ...process.env, PORT: '0', DIST: dist, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`server.js did not start:\n${output}`)), 20_000)
    const onData = (d: Buffer) => {
      output += d.toString()
      const match = /listening on (http:\/\/\S+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        ok(match[1]!)
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      fail(new Error(`server.js exited with ${code}:\n${output}`))
    })
  })
  return { url, child }
}

async function stopServer(server: Server | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null) return
  const exited = new Promise((ok) => server.child.once('exit', ok))
  server.child.kill('SIGTERM')
  await exited
}

describe('examples/ssr-express', () => {
  let dist = ''
  let manifest: CdnManifest
  const servers: Server[] = []

  beforeAll(async () => {
    if (!existsSync(resolve(import.meta.dirname, '../../dist/runtime/index.js')))
      throw new Error('dist/runtime is missing: run `npm run build` (npm test does)')
    dist = await tempDir('ssr')
    const env = { ...process.env, CDN_DEPLOY: '0' }
    await run(VITE, ['build', '--outDir', join(dist, 'client'), '--emptyOutDir', '--logLevel', 'warn'], { cwd: EXAMPLE, env })
    await run(VITE, ['build', '--ssr', 'src/entry-server.js', '--outDir', join(dist, 'server'), '--emptyOutDir', '--logLevel', 'warn'], { cwd: EXAMPLE, env })
    manifest = JSON.parse(await readFile(join(dist, 'client/.vite/cdn-manifest.json'), 'utf8')) as CdnManifest
  })
  afterAll(async () => {
    await Promise.all(servers.map(stopServer))
    if (dist) await rm(dist, { recursive: true, force: true })
  })

  it.each([
    ['/', 'src/pages/home.js', 'Rendered on the server'],
    ['/about', 'src/pages/about.js', 'Release '],
  ])('renders %s with the tags of %s from the manifest', async (path, key, text) => {
    const server = await startServer(dist)
    servers.push(server)
    const res = await fetch(new URL(path, server.url))
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain(text)
    expect(html).toContain(`<meta name="cdn-release" content="${manifest.release}">`)

    const tags = parseTags(html)
    const assetTags = tags.filter((t) => t.rel !== 'icon' && t.rel !== 'preconnect')
    expect(assetTags.map(describeTag).sort()).toEqual(expectedTags(manifest, key))
    // The shared chunk: imported by both pages, preloaded, its CSS before the page's own.
    const styles = assetTags.filter((t) => t.rel === 'stylesheet').map((t) => t.href!)
    expect(styles[0]).toMatch(/\/assets\/nav-[\w-]+\.css$/)
    expect(assetTags.filter((t) => t.rel === 'modulepreload').map((t) => t.href)).toEqual([manifest.entries[manifest.entries[key]!.imports[0]!]!.url])
    // The lazily imported clock is neither loaded nor preloaded up front.
    expect(html).not.toContain(manifest.entries['src/widgets/clock.js']!.url)

    for (const t of assetTags) {
      const url = t.src ?? t.href!
      expect(url.startsWith(BASE), url).toBe(true)
      expect(t.crossorigin).toBe('anonymous')
      const bytes = await readFile(join(dist, 'client', decodeURIComponent(url.slice(BASE.length))))
      expect(t.integrity, url).toBe(`sha384-${createHash('sha384').update(bytes).digest('base64')}`)
    }
    expect(tags.find((t) => t.rel === 'icon')?.href).toBe(`${BASE}favicon.svg`)
    expect(tags.find((t) => t.rel === 'preconnect')).toMatchObject({ href: 'https://cdn.example.com', crossorigin: 'anonymous' })
  })

  it('moves every URL to another domain with CDN_BASE, and answers 404 for unknown paths', async () => {
    const server = await startServer(dist, { CDN_BASE: 'https://assets.example.org' })
    servers.push(server)
    const html = await (await fetch(server.url)).text()
    const urls = parseTags(html).map((t) => t.src ?? t.href!)
    expect(urls.length).toBe(6)
    for (const url of urls) expect(url, url).toMatch(/^https:\/\/assets\.example\.org(\/ssr\/|$)/)
    expect(html).not.toContain('cdn.example.com')
    const missing = await fetch(new URL('/nope', server.url))
    expect(missing.status).toBe(404)
    await missing.arrayBuffer()
  })
})

/**
 * createAssets(): the manifest turned into what a server-side renderer writes:
 * CDN URLs, the tags of an entry (script, stylesheets, modulepreloads, with SRI),
 * preload and connection hints. Pure: no I/O, no Node.
 */
import { CdnDeployError } from '../errors.js'
import { normalizeOrigin, originOf, rebase, resolveBase } from './base.js'
import { linkTag, scriptTag } from './html.js'
import type {
  AssetsOptions,
  CrossOrigin,
  EntryTags,
  LinkTag,
  PreloadAs,
  RuntimeManifest,
  RuntimeManifestEntry,
  RuntimeManifestFile,
  ScriptTag,
} from './types.js'
import { assertManifest } from './validate.js'

export interface Assets {
  readonly manifest: RuntimeManifest
  /** The release the manifest describes. */
  readonly release: string
  /** The base every URL starts with (the override when given). */
  readonly base: string
  /** Absolute URL of an entry key (`index.html`, `src/main.ts`), an output file or a public file. */
  url(src: string): string
  /** The manifest record of an output file, an entry's file or a public file. */
  file(src: string): RuntimeManifestFile
  /** The tags one or more entries need, deduplicated across them. */
  entry(src: string | readonly string[]): EntryTags
  /** `entry(src)` as HTML: stylesheets, then modulepreloads, then scripts. */
  tags(src: string | readonly string[]): string
  /** `<link rel="preload">` for a file; `as` is guessed from its content type when omitted. */
  preload(src: string, as?: PreloadAs): string
  /** `<link rel="dns-prefetch">`; `''` when the assets are served from the page's origin. */
  dnsPrefetch(host?: string): string
  /** `<link rel="preconnect">` (with `crossorigin`, which module scripts and fonts need). */
  preconnect(host?: string): string
}

const MAX_LISTED = 6

/** `./a`, `/a` → `a`: keys and output paths are relative. */
const normalizeSrc = (src: string): string => src.replace(/^(\.\/|\/)+/, '')

function listed(keys: string[]): string {
  if (keys.length === 0) return '(none)'
  const head = keys
    .slice(0, MAX_LISTED)
    .map((k) => `"${k}"`)
    .join(', ')
  return keys.length > MAX_LISTED ? `${head}, … (${keys.length} in all)` : head
}

/** Keys that share the requested file's stem, for a "did you mean". */
function similar(src: string, keys: string[]): string[] {
  const stem = src
    .slice(src.lastIndexOf('/') + 1)
    .replace(/\.[^.]*$/, '')
    .toLowerCase()
  if (!stem) return []
  return keys
    .filter((k) =>
      k
        .slice(k.lastIndexOf('/') + 1)
        .toLowerCase()
        .startsWith(stem),
    )
    .slice(0, 3)
}

function guessAs(contentType: string): PreloadAs {
  const type = contentType.split(';')[0]!.trim().toLowerCase()
  if (type === 'text/css') return 'style'
  if (type.endsWith('javascript')) return 'script'
  if (type.startsWith('font/') || type === 'application/font-woff') return 'font'
  if (type.startsWith('image/')) return 'image'
  if (type.startsWith('audio/')) return 'audio'
  if (type.startsWith('video/')) return 'video'
  if (type === 'text/vtt') return 'track'
  return 'fetch'
}

export function createAssets(manifestInput: RuntimeManifest, options: AssetsOptions = {}): Assets {
  const manifest = assertManifest(manifestInput)
  const base = resolveBase(manifest.base, options.base)
  const crossorigin: CrossOrigin = options.crossorigin ?? 'anonymous'
  const withIntegrity = options.integrity ?? true
  const co = crossorigin === false ? undefined : crossorigin
  const sriOf = (value: string | undefined) => (withIntegrity && value ? value : undefined)
  const toUrl = (url: string) => rebase(url, manifest.base, base)

  const unknown = (what: string, src: string, keys: string[]): CdnDeployError => {
    const hint = similar(src, keys)
    return new CdnDeployError(
      'runtime',
      `unknown ${what} "${src}" in release ${manifest.release}${hint.length ? ` (did you mean ${listed(hint)}?)` : ''}. ` +
        `Known entries: ${listed(Object.keys(manifest.entries))}; files: ${listed(Object.keys(manifest.files))}`,
    )
  }

  /** Output path (relative to outDir) for an entry key, an output file or a public path. */
  function resolveRel(src: string): string | undefined {
    const key = normalizeSrc(src)
    const entry = manifest.entries[key] ?? manifest.entries[src]
    if (entry) return entry.file
    const hashedPublic = manifest.public[key]
    if (hashedPublic !== undefined && manifest.files[hashedPublic]) return hashedPublic
    return manifest.files[key] ? key : undefined
  }

  function file(src: string): RuntimeManifestFile {
    const rel = resolveRel(src)
    const record = rel === undefined ? undefined : manifest.files[rel]
    if (!record) throw unknown('asset', src, [...Object.keys(manifest.entries), ...Object.keys(manifest.files)])
    return record
  }

  function url(src: string): string {
    const entry = manifest.entries[normalizeSrc(src)] ?? manifest.entries[src]
    return toUrl(entry ? entry.url : file(src).url)
  }

  function entry(srcs: string | readonly string[]): EntryTags {
    const result: EntryTags = { scripts: [], styles: [], modulepreloads: [] }
    const seenChunks = new Set<string>()
    const seenCss = new Set<string>()
    const scripts = new Set<string>()

    const link = (href: string, integrity: string | undefined): LinkTag => ({ href: toUrl(href), integrity: sriOf(integrity), crossorigin: co })
    const addCss = (rel: string) => {
      if (seenCss.has(rel)) return
      seenCss.add(rel)
      const record = manifest.files[rel]
      if (!record) throw new CdnDeployError('runtime', `manifest lists CSS "${rel}" but has no file for it (a corrupted manifest?)`)
      result.styles.push(link(record.url, record.integrity))
    }

    // Post-order like Vite's HTML plugin: a chunk's dependencies (and their CSS) come before it.
    const walkImports = (chunk: RuntimeManifestEntry) => {
      for (const key of chunk.imports) {
        if (seenChunks.has(key)) continue
        seenChunks.add(key)
        const imported = manifest.entries[key]
        if (imported) {
          walkImports(imported)
          for (const css of imported.css) addCss(css)
          result.modulepreloads.push(link(imported.url, imported.integrity || manifest.files[imported.file]?.integrity))
        } else if (manifest.files[key]) {
          result.modulepreloads.push(link(manifest.files[key].url, manifest.files[key].integrity))
        } else {
          throw new CdnDeployError('runtime', `manifest: "${key}" is imported but has no entry or file (a corrupted manifest?)`)
        }
      }
    }

    for (const src of typeof srcs === 'string' ? [srcs] : srcs) {
      const key = manifest.entries[src] ? src : normalizeSrc(src)
      const chunk = manifest.entries[key]
      if (!chunk) throw unknown('entry', src, Object.keys(manifest.entries))
      seenChunks.add(key)
      walkImports(chunk)
      for (const css of chunk.css) addCss(css)
      if (/\.css$/i.test(chunk.file)) {
        addCss(chunk.file) // a CSS-only entry
      } else if (!scripts.has(key)) {
        scripts.add(key)
        const script: ScriptTag = { src: toUrl(chunk.url), type: 'module', integrity: sriOf(chunk.integrity), crossorigin: co }
        result.scripts.push(script)
      }
    }
    // A chunk that is also an entry asked for here loads as a script, not twice.
    const scriptUrls = new Set(result.scripts.map((s) => s.src))
    result.modulepreloads = result.modulepreloads.filter((l) => !scriptUrls.has(l.href))
    for (const list of [result.scripts, result.styles, result.modulepreloads] as Array<Array<ScriptTag | LinkTag>>) {
      for (const tag of list) {
        if (tag.integrity === undefined) delete tag.integrity
        if (tag.crossorigin === undefined) delete tag.crossorigin
      }
    }
    return result
  }

  function tags(src: string | readonly string[]): string {
    const { scripts, styles, modulepreloads } = entry(src)
    return [
      ...styles.map((s) => linkTag({ rel: 'stylesheet', href: s.href, integrity: s.integrity, crossorigin: s.crossorigin })),
      ...modulepreloads.map((m) => linkTag({ rel: 'modulepreload', href: m.href, integrity: m.integrity, crossorigin: m.crossorigin })),
      ...scripts.map((s) => scriptTag({ type: 'module', src: s.src, integrity: s.integrity, crossorigin: s.crossorigin })),
    ].join('\n')
  }

  function preload(src: string, as?: PreloadAs): string {
    const record = file(src)
    const kind = as ?? guessAs(record.contentType)
    const type = record.contentType.split(';')[0]!.trim()
    // Fonts and fetches are always CORS requests: the preload must be one too or it is wasted.
    const cors = kind === 'font' || kind === 'fetch' ? (co ?? 'anonymous') : kind === 'script' || kind === 'style' ? co : undefined
    return linkTag({
      rel: 'preload',
      href: url(src),
      as: kind,
      type: kind === 'font' || kind === 'image' ? type : undefined,
      integrity: kind === 'script' || kind === 'style' || kind === 'fetch' ? sriOf(record.integrity) : undefined,
      crossorigin: cors,
    })
  }

  const hostOrBase = (host: string | undefined): string | undefined => (host === undefined ? originOf(base) : normalizeOrigin(host))

  function dnsPrefetch(host?: string): string {
    const origin = hostOrBase(host)
    return origin ? linkTag({ rel: 'dns-prefetch', href: origin }) : ''
  }

  function preconnect(host?: string): string {
    const origin = hostOrBase(host)
    return origin ? linkTag({ rel: 'preconnect', href: origin, crossorigin: co }) : ''
  }

  return { manifest, release: manifest.release, base, url, file, entry, tags, preload, dnsPrefetch, preconnect }
}

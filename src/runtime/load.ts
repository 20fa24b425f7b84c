/**
 * loadManifest(): the manifest from the CDN (or any URL) with `fetch`, or from disk
 * with an injected `readFile` (Node's fs by default, loaded on demand).
 */
import { CdnDeployError } from '../errors.js'
import { nodeReadFile, type ReadFile } from './node-fs.js'
import type { RuntimeManifest } from './types.js'
import { assertManifest } from './validate.js'

/** Where the manifest sits under a build's outDir. */
export const MANIFEST_FILE = '.vite/cdn-manifest.json'

export interface LoadManifestOptions {
  /**
   * For http(s) URLs.
   * @default globalThis.fetch
   */
  fetch?: (input: string, init?: RequestInit) => Promise<Response>
  /**
   * For paths and `file:` URLs: returns the file's text. Needed outside Node.
   * @default Node's `fs.promises.readFile` when available
   */
  readFile?: ReadFile
}

const isHttp = (s: string): boolean => /^https?:\/\//i.test(s)

/** A path to a directory (no `.json` at the end) means a build's outDir. */
function manifestPath(path: string): string {
  if (/\.json$/i.test(path)) return path
  return `${path.replace(/[\\/]+$/, '')}/${MANIFEST_FILE}`
}

function parse(text: string, source: string): RuntimeManifest {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    throw new CdnDeployError('runtime', `${source} is not valid JSON (${(cause as Error).message})`, { cause })
  }
  return assertManifest(value, source)
}

async function fromUrl(url: string, options: LoadManifestOptions): Promise<RuntimeManifest> {
  const doFetch = options.fetch ?? globalThis.fetch
  if (typeof doFetch !== 'function') throw new CdnDeployError('runtime', `cannot load ${url}: no fetch available (pass { fetch })`)
  let res: Response
  try {
    res = await doFetch(url, { headers: { accept: 'application/json' } })
  } catch (cause) {
    throw new CdnDeployError('runtime', `cannot load ${url}: ${(cause as Error).message ?? String(cause)}`, { cause })
  }
  if (!res.ok) throw new CdnDeployError('runtime', `cannot load ${url}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`)
  return parse(await res.text(), url)
}

async function fromFile(path: string | URL, options: LoadManifestOptions): Promise<RuntimeManifest> {
  const source = String(path)
  const readFile = options.readFile ?? (await nodeReadFile())
  if (!readFile) {
    throw new CdnDeployError(
      'runtime',
      `cannot read ${source}: no file system here. Pass { readFile } to loadManifest, load it from a URL, or import the JSON and call createAssets(json)`,
    )
  }
  let text: string
  try {
    text = await readFile(path)
  } catch (cause) {
    const code = (cause as { code?: unknown }).code
    const hint = code === 'ENOENT' ? ' (build first: the plugin writes it as <outDir>/.vite/cdn-manifest.json)' : ''
    throw new CdnDeployError('runtime', `cannot read ${source}: ${(cause as Error).message ?? String(cause)}${hint}`, { cause })
  }
  return parse(text, source)
}

/**
 * Loads and checks a cdn-deploy manifest. `pathOrUrl` is an http(s) URL (fetched),
 * a `file:` URL, a path to the JSON file, or a build's outDir (then
 * `<outDir>/.vite/cdn-manifest.json` is read).
 */
export async function loadManifest(pathOrUrl: string | URL, options: LoadManifestOptions = {}): Promise<RuntimeManifest> {
  const text = String(pathOrUrl)
  if (isHttp(text)) return fromUrl(text, options)
  if (pathOrUrl instanceof URL) {
    if (pathOrUrl.protocol !== 'file:') throw new CdnDeployError('runtime', `cannot load ${text}: only http(s) and file URLs are supported`)
    return fromFile(pathOrUrl, options)
  }
  if (/^file:/i.test(text)) return fromFile(new URL(text), options)
  return fromFile(manifestPath(text), options)
}

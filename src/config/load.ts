/**
 * Finds and imports `cdn.config.{ts,mts,js,mjs}` (TypeScript through jiti, so a
 * plain Rollup user needs no loader of their own). The only config module that
 * touches the file system.
 *
 * Start-up (issues 10 and 15.4): jiti costs ~35 ms to load and, its cache
 * cold, ~200 ms to transform in every process and worker thread that loads
 * the config (a SvelteKit build loads it in three), so Node's own loader
 * imports the config where Node runs the file as it is: `.mjs`, `.mts`, and
 * `.js`/`.ts` in a `"type": "module"` package (elsewhere Node would guess the
 * format and warn), TypeScript only where Node strips types (22.18+, 23.6+).
 * A JavaScript config then costs ~1 ms, a TypeScript one ~60 ms (Node's type
 * stripper). jiti takes the rest and what Node refuses (an enum, an import
 * without its extension), without its module cache and with its file cache on
 * (the transpiled config, keyed by its content, in jiti's cache folder).
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, extname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { CdnDeployError } from '../errors.js'

export const CONFIG_FILES = ['cdn.config.ts', 'cdn.config.mts', 'cdn.config.js', 'cdn.config.mjs'] as const

export interface LoadedFile {
  /** The default export (or the module itself when it has none). */
  config: unknown
  /** Absolute path of the file read, if any. */
  path?: string
}

/**
 * The project root: the nearest folder from `start` upwards that holds a
 * `package.json`, where the build command runs (frameworks move Vite's root
 * below it: VitePress to `docs/`, Nuxt to `app/`); `start` itself if none does.
 */
export function projectRootOf(start: string): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(resolve(dir, 'package.json'))) return dir
    if (dirname(dir) === dir) return resolve(start)
  }
}

/**
 * The first `cdn.config.*` in `from` (Vite's root), then in each parent folder
 * up to `to` (the project root), and loaded; nothing beyond the project root.
 */
export async function findConfigFile(from: string, to: string): Promise<LoadedFile> {
  const stop = resolve(to)
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const path = CONFIG_FILES.map((name) => resolve(dir, name)).find((p) => existsSync(p))
    if (path) return loadConfigFile(dir, path)
    if (dir === stop || dirname(dir) === dir || !`${dir}/`.startsWith(`${stop}/`)) return { config: undefined }
  }
}

/** `configFile: false` reads nothing; a given path must exist; else the first default name found. */
export async function loadConfigFile(root: string, configFile?: string | false): Promise<LoadedFile> {
  if (configFile === false) return { config: undefined }
  let path: string | undefined
  if (configFile) {
    path = resolve(root, configFile)
    if (!existsSync(path)) throw new CdnDeployError('config', `config file ${path} not found (check configFile)`)
  } else {
    path = CONFIG_FILES.map((name) => resolve(root, name)).find((p) => existsSync(p))
    if (!path) return { config: undefined }
  }
  try {
    const mod = (await nativeImport(path)) ?? (await jitiImport(path))
    const config = mod && typeof mod === 'object' && 'default' in mod ? mod.default : mod
    if (config === null || typeof config !== 'object' || Array.isArray(config)) {
      throw new CdnDeployError(
        'config',
        `${path} exports ${config === null ? 'null' : Array.isArray(config) ? 'an array' : typeof config} as its default: export the config object (export default defineCdnConfig({ domain: '…', storage: { bucket: '…' } }))`,
      )
    }
    return { config, path }
  } catch (error) {
    if (error instanceof CdnDeployError) throw error
    throw new CdnDeployError('config', `could not load ${path}: ${(error as Error).message}`, { cause: error })
  }
}

type Module = Record<string, unknown> | null

async function jitiImport(path: string): Promise<Module> {
  const { createJiti } = await import('jiti')
  return (await createJiti(import.meta.url, { moduleCache: false, fsCache: true, interopDefault: false }).import(path)) as Module
}

/**
 * The config through Node's own loader, or undefined where Node cannot run it
 * as it is (jiti then does). The file's modification time is in the URL: Node
 * keeps a module for the life of the process, so an edited config gets a new
 * URL and is read anew (what it imports stays as Node first loaded it).
 */
async function nativeImport(path: string): Promise<Module | undefined> {
  if (!nodeRunsAsIs(path)) return undefined
  try {
    const { mtimeMs, size } = statSync(path)
    return (await import(`${pathToFileURL(path).href}?v=${mtimeMs}-${size}`)) as Module
  } catch {
    return undefined
  }
}

/** An ES module by its extension or its package's `"type"` (no format guessing, no warning), TypeScript only where Node strips types. */
function nodeRunsAsIs(path: string): boolean {
  const ext = extname(path)
  if (/^\.[cm]?ts$/.test(ext) && !(process.features as { typescript?: unknown }).typescript) return false
  if (ext === '.mjs' || ext === '.mts') return true
  try {
    const pkg = JSON.parse(readFileSync(resolve(projectRootOf(dirname(path)), 'package.json'), 'utf8')) as { type?: unknown }
    return pkg.type === 'module'
  } catch {
    return false
  }
}

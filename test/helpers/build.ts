/**
 * Real builds for the integration tests: Vite 8 (`vite`), Vite 7, 6 and 5 (npm
 * aliases) and plain Rollup 4, each writing into its own temp directory.
 */
import { mkdtemp, readFile, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { InlineConfig, PluginOption } from 'vite'

export const EXAMPLES = resolve(import.meta.dirname, '../../examples')
export const VITE_VERSIONS = ['vite', 'vite7', 'vite6', 'vite5'] as const
export type ViteName = (typeof VITE_VERSIONS)[number]

export async function tempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `cdn-deploy-${label}-`))
}

export interface ViteBuildOptions {
  root?: string
  plugins?: PluginOption[]
  mode?: string
  /** Extra inline config merged at the top level. */
  config?: InlineConfig
}

/**
 * Build with the given Vite major into a fresh temp dir, as `vite build` does
 * (Vite 7+: a builder running `buildApp`; older: `build()`); returns the outDir.
 */
export async function viteBuild(vite: ViteName, options: ViteBuildOptions = {}): Promise<string> {
  const outDir = await tempDir(vite)
  const { build, createBuilder } = (await import(vite)) as typeof import('vite')
  const cli = vite === 'vite' || vite === 'vite7' ? async (config: InlineConfig) => (await createBuilder(config, null)).buildApp() : build
  await cli({
    root: options.root ?? join(EXAMPLES, 'basic'),
    configFile: false,
    logLevel: 'silent',
    mode: options.mode ?? 'production',
    plugins: options.plugins ?? [],
    ...options.config,
    build: { outDir, emptyOutDir: true, ...options.config?.build },
  })
  return outDir
}

/** Every file under dir (relative, `/`-separated, sorted). */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile())
    .map((e) =>
      join(e.parentPath, e.name)
        .slice(dir.length + 1)
        .split('\\')
        .join('/'),
    )
    .sort()
}

/** The whole tree as rel → bytes, for byte-for-byte comparisons. */
export async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const tree = new Map<string, Buffer>()
  for (const rel of await listTree(dir)) tree.set(rel, await readFile(join(dir, rel)))
  return tree
}

export async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T
}

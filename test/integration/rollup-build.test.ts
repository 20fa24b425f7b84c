/**
 * A real plain-Rollup 4 build of examples/rollup: hashed entry names (Rollup's
 * default has none), terser and lightningcss on the raw output, absolute CDN
 * file URLs, the manifest, and no second minification when one is configured.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { rollup, type Plugin as RollupPlugin } from 'rollup'
import { describe, expect, it } from 'vitest'
import cdn, { type CdnManifest } from '../../src/index.js'
import { EXAMPLES, listTree, readJson, tempDir } from '../helpers/build.js'
// @ts-expect-error the example's helper plugin is plain JS
import cssAsset from '../../examples/rollup/css-asset.mjs'

const ROOT = join(EXAMPLES, 'rollup')
const BASE = 'https://cdn.example.com/widgets/'
const options = { domain: 'https://cdn.example.com', prefix: 'widgets/', deploy: false, configFile: false } as const

async function build(plugins: RollupPlugin[], output: { sourcemap?: boolean; plugins?: RollupPlugin[] } = {}): Promise<string> {
  const dir = await tempDir('rollup')
  const bundle = await rollup({ input: join(ROOT, 'src/main.js'), plugins, logLevel: 'silent' })
  await bundle.write({ dir, format: 'es', ...output })
  await bundle.close()
  return dir
}

describe('plain Rollup build of examples/rollup', () => {
  it('hashes every name, minifies JS and CSS, and points file URLs at the CDN', async () => {
    const dir = await build([cssAsset(), ...(cdn(options) as RollupPlugin[])], { sourcemap: true })
    const files = await listTree(dir)
    const entry = files.find((f) => f.startsWith('main-') && f.endsWith('.js'))!
    expect(entry).toMatch(/^main-[\w-]{8}\.js$/)
    expect(files).toContain(`${entry}.map`)
    const js = await readFile(join(dir, entry), 'utf8')
    expect(js.split('\n').filter(Boolean)).toHaveLength(2) // code + sourceMappingURL
    expect(js).not.toContain('// A separate chunk')
    const css = files.find((f) => f.endsWith('.css'))!
    expect(css).toMatch(/^assets\/styles-[\w-]{8}\.css$/)
    expect(await readFile(join(dir, css), 'utf8')).toBe(
      '.report{color:#234;padding:1rem 2rem;font-family:system-ui,sans-serif}.report li+li{margin-top:.25rem}',
    )
    expect(js).toContain(`"${BASE}${css}"`)
    expect(js).toMatch(/import\("\.\/report-[\w-]{8}\.js"\)/)
  })

  it('writes a manifest matching the bytes, keyed by source path', async () => {
    const dir = await build([cssAsset(), ...(cdn(options) as RollupPlugin[])])
    const manifest = await readJson<CdnManifest>(join(dir, '.vite/cdn-manifest.json'))
    const outputs = (await listTree(dir)).filter((f) => !f.startsWith('.vite/'))
    expect(Object.keys(manifest.files).sort()).toEqual(outputs)
    for (const rel of outputs) {
      const bytes = await readFile(join(dir, rel))
      expect(manifest.files[rel]!.sha256).toBe(createHash('sha256').update(bytes).digest('hex'))
      expect(manifest.files[rel]!.immutable).toBe(true)
    }
    // Under plain Rollup the root is the working directory, as Rollup's own paths are.
    const key = (src: string) => relative(process.cwd(), join(ROOT, src))
    const main = manifest.entries[key('src/main.js')]!
    expect(main).toMatchObject({ isEntry: true, dynamicImports: [key('src/report.js')], url: BASE + main.file })
    expect(manifest.entries[key('src/report.js')]).toMatchObject({ isDynamicEntry: true })
  })

  it('does not minify twice when the build already runs a minifier', async () => {
    const marker: RollupPlugin = { name: 'terser' } // stands in for @rollup/plugin-terser
    const dir = await build([cssAsset(), ...(cdn(options) as RollupPlugin[])], { plugins: [marker] })
    const entry = (await listTree(dir)).find((f) => f.startsWith('main-'))!
    expect(await readFile(join(dir, entry), 'utf8')).toContain('// A separate chunk')
  })

  it('keeps a user pattern with [hash], and adds [hash] to one without', async () => {
    const dir = await tempDir('rollup-names')
    const bundle = await rollup({ input: join(ROOT, 'src/main.js'), plugins: [cssAsset(), ...(cdn(options) as RollupPlugin[])], logLevel: 'silent' })
    await bundle.write({ dir, format: 'es', entryFileNames: 'js/[name].mjs', chunkFileNames: 'js/[name].[hash].mjs' })
    const files = await listTree(dir)
    expect(files.filter((f) => f.startsWith('js/'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^js\/main-[\w-]{8}\.mjs$/), expect.stringMatching(/^js\/report\.[\w-]{8}\.mjs$/)]),
    )
  })

  it('with enabled: false, builds exactly what Rollup builds without the plugin', async () => {
    const plain = await build([cssAsset()])
    const disabled = await build([cssAsset(), ...(cdn({ ...options, enabled: false }) as RollupPlugin[])])
    expect(await listTree(disabled)).toEqual(await listTree(plain))
    for (const rel of await listTree(plain)) {
      expect((await readFile(join(disabled, rel))).equals(await readFile(join(plain, rel))), rel).toBe(true)
    }
  })
})

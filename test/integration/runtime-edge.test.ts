/**
 * The runtime bundled the way an edge/browser target bundles it (a Vite library
 * build for the browser): no Node built-in gets pulled in or externalized, and the
 * bundle then works with nothing but web globals — a manifest from `fetch`, tags out.
 */
import { join, resolve } from 'node:path'
import { runInNewContext } from 'node:vm'
import { expect, it } from 'vitest'
import type { Rollup } from 'vite'

const ROOT = resolve(import.meta.dirname, '../..')

it('bundles for the browser without Node built-ins and runs on web globals only', async () => {
  const { build, createLogger } = await import('vite')
  const warnings: string[] = []
  const logger = createLogger('silent')
  logger.warn = (msg) => void warnings.push(msg)
  logger.warnOnce = (msg) => void warnings.push(msg)
  const out = (await build({
    root: ROOT,
    configFile: false,
    logLevel: 'silent',
    customLogger: logger,
    build: {
      write: false,
      minify: false,
      lib: { entry: join(ROOT, 'src/runtime/index.ts'), formats: ['iife'], name: 'cdnRuntime' },
      rollupOptions: { onwarn: (w) => void warnings.push(w.message) },
    },
  })) as Rollup.RollupOutput[]
  const code = out
    .flatMap((o) => o.output)
    .map((c) => ('code' in c ? c.code : ''))
    .join('\n')
  expect(warnings).toEqual([])
  // Vite swaps a Node built-in for a stub that throws on use, silently: look for the stub.
  expect(code).not.toMatch(/vite[-_]browser[-_]external|externalized for browser compatibility|\brequire\(|\bBuffer\b|\bprocess\./)

  // A bare context: only what a worker has (fetch, Response, URL), no process/require.
  const manifest = {
    version: 1,
    release: 'r1',
    base: 'https://cdn.example.com/app/',
    generatedAt: '2026-01-01T00:00:00.000Z',
    entries: {
      'index.html': {
        file: 'assets/index-A.js',
        url: 'https://cdn.example.com/app/assets/index-A.js',
        integrity: 'sha384-x',
        css: [],
        assets: [],
        imports: [],
        dynamicImports: [],
      },
    },
    files: {},
    public: {},
  }
  const context: Record<string, unknown> = { URL, Response, fetch: async () => new Response(JSON.stringify(manifest)) }
  runInNewContext(`${code}\nglobalThis.cdnRuntime = cdnRuntime`, context)
  const runtime = context.cdnRuntime as typeof import('../../src/runtime/index.js')
  expect('process' in context || 'require' in context).toBe(false)
  const assets = runtime.createAssets(await runtime.loadManifest('https://cdn.example.com/app/.vite/cdn-manifest.json'))
  expect(assets.tags('index.html')).toBe(
    '<script type="module" src="https://cdn.example.com/app/assets/index-A.js" integrity="sha384-x" crossorigin="anonymous"></script>',
  )
  await expect(runtime.loadManifest('dist')).rejects.toThrow(/no file system here\. Pass \{ readFile \}/)
})

/**
 * `cdn:build` — the build-time hooks of a client environment (never a server
 * one): content-hashed output names, Rollup's file URLs, minify what the
 * bundler left raw (plain Rollup), emit hashed copies of public files, add SRI
 * to HTML (and the chunk-reload script, with `reloadOnChunkError`), and write
 * the CDN manifest from the final bytes. Each hook gathers inputs and calls a
 * pure module; the work itself lives in src/emit.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, extname, join, resolve } from 'node:path'
import type { Plugin } from 'vite'
import { sri } from '../emit/hash.js'
import { addSriToHtml } from '../emit/html-sri.js'
import { createManifest, MANIFEST_PATH, type OutputFileInput } from '../emit/manifest.js'
import { looksMinified, minifyCss, minifyJs } from '../emit/minify.js'
import { isHtml } from '../plan/content-type.js'
import { urlFor } from '../plan/paths.js'
import { describeBundle, isAsset, isChunk, type Bundle } from './bundle.js'
import { chunkReloadCsp, withChunkReload } from './chunk-reload.js'
import { pluginNames } from './config-plugin.js'
import { hashedNames } from './names.js'
import { envFor, loadResolvedConfig, type PluginState } from './state.js'
import { listFiles } from '../walk.js'

const MINIFIER = /terser|esbuild|swc|uglify|minify/i
type ConfigContext = { environment?: { config: { root: string; publicDir: string; build: { outDir: string; copyPublicDir: boolean } } } }

/** Client environments only: a server bundle's names and bytes are the framework's business. */
export const clientOnly = { applyToEnvironment: (environment: { config: { consumer?: string } }) => environment.config.consumer === 'client' }

async function minifyText(rel: string, text: string): Promise<string> {
  if (looksMinified(text)) return text
  if (/\.m?js$/.test(rel)) return (await minifyJs(text, rel, { module: rel.endsWith('.mjs'), sourcemap: false })).code
  if (rel.endsWith('.css')) return minifyCss(text, rel)
  return text
}

export function buildPlugin(state: PluginState): Plugin {
  return {
    name: 'cdn:build',
    apply: 'build',
    enforce: 'post',
    sharedDuringBuild: true,
    ...clientOnly,

    async options(input) {
      if (state.isVite) return null
      // Plain Rollup: no config hook, so resolve here, before any build work.
      await loadResolvedConfig(state, process.env.CDN_ENV)
      state.info = (message) => this.info(message)
      state.warn = (message) => this.warn(message)
      state.otherJsMinifier = pluginNames(input.plugins).some((name) => !name.startsWith('cdn:') && MINIFIER.test(name))
      return null
    },

    buildStart() {
      const env = envFor(state, this)
      if (!env) return
      env.written = false
      env.manifest = undefined
      env.publicHashed.clear()
      // Where this environment writes: its own config under Vite 6+, else the one config.
      const config = (this as ConfigContext).environment?.config ?? state.resolved
      if (!config) return
      env.outDir = resolve(config.root, config.build.outDir)
      env.publicDir = config.build.copyPublicDir && config.publicDir ? config.publicDir : undefined
    },

    outputOptions(output) {
      const env = envFor(state, this)
      if (!env) return null
      const { changed, patterns, warnings } = hashedNames(output, state.isVite)
      env.patterns = patterns
      for (const warning of warnings) state.warn(warning)
      if (!state.isVite && pluginNames(output.plugins).some((name) => MINIFIER.test(name))) state.otherJsMinifier = true
      return Object.keys(changed).length ? { ...output, ...changed } : null
    },

    resolveFileUrl({ fileName }) {
      // Vite writes its own asset URLs from `base`; plain Rollup gets absolute CDN URLs here.
      if (state.isVite || !envFor(state, this)) return null
      return JSON.stringify(urlFor(fileName, state.config!.publicBase))
    },

    async renderChunk(code, chunk, output) {
      // Under Vite its own minifier stays in charge; plain Rollup output is raw.
      const config = state.config
      if (!envFor(state, this) || state.isVite || !config?.minify.js || state.otherJsMinifier || looksMinified(code)) return null
      const result = await minifyJs(code, chunk.fileName, { module: output.format === 'es', sourcemap: !!output.sourcemap })
      return result.map ? { code: result.code, map: result.map } : { code: result.code, map: null }
    },

    generateBundle: {
      order: 'post',
      async handler(_output, rawBundle) {
        const env = envFor(state, this)
        if (!env) return
        const config = state.config!
        const bundle = rawBundle as unknown as Bundle
        if (!state.isVite && config.minify.css) {
          for (const asset of Object.values(bundle).filter(isAsset)) {
            if (extname(asset.fileName) !== '.css') continue
            const text = Buffer.from(asset.source).toString('utf8')
            if (!looksMinified(text)) asset.source = await minifyCss(text, asset.fileName)
          }
        }
        if (config.hashPublic && env.publicDir) {
          for (const rel of await listFiles(env.publicDir)) {
            let source: string | Uint8Array = await readFile(join(env.publicDir, rel))
            if (config.minify.public && /\.(m?js|css)$/.test(rel)) source = await minifyText(rel, source.toString())
            const ref = this.emitFile({ type: 'asset', name: rel.slice(rel.lastIndexOf('/') + 1), source })
            env.publicHashed.set(rel, this.getFileName(ref))
          }
        }
        if (config.reloadOnChunkError) {
          for (const asset of Object.values(bundle).filter(isAsset)) {
            if (isHtml(asset.fileName)) asset.source = withChunkReload(Buffer.from(asset.source).toString('utf8'))
          }
        }
        if (config.sri) {
          const lookup = (url: string): string | undefined => {
            if (!url.startsWith(config.publicBase)) return undefined
            const output = bundle[decodeURIComponent(url.slice(config.publicBase.length))]
            if (!output) return undefined
            if (isChunk(output)) return sri(output.code)
            return isAsset(output) ? sri(output.source) : undefined
          }
          for (const asset of Object.values(bundle).filter(isAsset)) {
            if (!isHtml(asset.fileName)) continue
            asset.source = addSriToHtml(Buffer.from(asset.source).toString('utf8'), lookup).html
          }
        }
      },
    },

    writeBundle: {
      order: 'post',
      async handler(output, rawBundle) {
        const env = envFor(state, this)
        if (!env) return
        const config = state.config!
        const outDir = resolve(output.dir ?? env.outDir ?? dirname(output.file ?? 'dist/x'))
        const { files, chunks } = describeBundle(rawBundle as unknown as Bundle, state.root, env.patterns)
        const inBundle = new Set(files.map((f) => f.rel))
        for (const file of files) {
          const original = [...env.publicHashed].find(([, hashed]) => hashed === file.rel)?.[0]
          if (original) Object.assign(file, { original, immutable: true })
        }
        // Vite copied public/ into outDir before writing; those files keep their names.
        const publicFiles: OutputFileInput[] = []
        for (const rel of env.publicDir ? await listFiles(env.publicDir) : []) {
          if (inBundle.has(rel) || rel.startsWith('.vite/')) continue
          const path = join(outDir, rel)
          let bytes: string | Uint8Array = await readFile(path)
          if (config.minify.public && /\.(m?js|css)$/.test(rel)) {
            const minified = await minifyText(rel, bytes.toString())
            if (minified !== bytes.toString()) await writeFile(path, (bytes = minified))
          }
          publicFiles.push({ rel, bytes, immutable: false, source: 'public' })
        }
        const csp = chunkReloadCsp(state, rawBundle as unknown as Bundle)
        const manifest = createManifest({
          files: [...files, ...publicFiles],
          chunks,
          publicBase: config.publicBase,
          cacheControl: config.cacheControl,
          precompress: config.precompress,
          csp,
        })
        const target = join(outDir, MANIFEST_PATH)
        await mkdir(dirname(target), { recursive: true })
        await writeFile(target, JSON.stringify(manifest, null, 2) + '\n')
        env.manifest = manifest
        env.outDir = outDir
        env.written = true
        state.info(
          `[cdn-deploy] ${Object.keys(manifest.files).length} files for ${config.publicBase} (release ${manifest.release}); manifest: ${MANIFEST_PATH}`,
        )
      },
    },
  }
}

/**
 * One `vite build` of the generated app in its own process, with or without
 * our plugin (deploy off). Prints one JSON line: the time of Vite's build()
 * call, the process's module-loading time, and with `phases` on, the time spent
 * in each of our plugin's hooks and in its sha256 / sha384 digests.
 *
 * Usage: node vite-build.mjs '{"root": "...", "outDir": "...", "plugin": true, "phases": false, "control": false}'
 */
import { createRequire, syncBuiltinESMExports } from 'node:module'

const o = JSON.parse(process.argv[2])
const t0 = performance.now()

// Phase timing (a separate run, not one of the timed ones): digests by algorithm
// while one of our hooks runs. hash.js imports createHash from node:crypto, an
// ESM binding of the builtin, which syncBuiltinESMExports() repoints at the wrapper.
const digests = { sha256: { calls: 0, ms: 0 }, sha384: { calls: 0, ms: 0 } }
let inOurHook = 0
if (o.phases) {
  const crypto = createRequire(import.meta.url)('node:crypto')
  const original = crypto.createHash
  crypto.createHash = function (algorithm, ...rest) {
    const hash = original.call(this, algorithm, ...rest)
    const slot = inOurHook > 0 ? digests[algorithm] : undefined
    if (!slot) return hash
    slot.calls++
    const update = hash.update.bind(hash)
    const digest = hash.digest.bind(hash)
    hash.update = (...a) => {
      const s = performance.now()
      const r = update(...a)
      slot.ms += performance.now() - s
      return r
    }
    hash.digest = (...a) => {
      const s = performance.now()
      const r = digest(...a)
      slot.ms += performance.now() - s
      return r
    }
    return hash
  }
  syncBuiltinESMExports()
}

const { build } = await import('vite')
const plugins = []
const hooks = {}
if (o.plugin) {
  const { cdn } = await import('../../dist/index.js')
  plugins.push(...cdn({ domain: 'https://cdn.bench.invalid', deploy: false, configFile: false }))
  if (o.phases) for (const p of plugins) wrapHooks(p)
}
// Control: a plugin with the same hooks doing nothing, to tell what merely having
// JS hooks in the build costs (the bundle crossing into JS) from what ours does in them.
if (o.control) {
  plugins.push({
    name: 'control',
    apply: 'build',
    enforce: 'post',
    buildStart() {},
    renderStart() {},
    renderChunk() {
      return null
    },
    generateBundle: { order: 'post', handler() {} },
    writeBundle: { order: 'post', sequential: true, handler() {} },
    closeBundle() {},
  })
}
const loaded = performance.now()
const b0 = performance.now()
await build({
  root: o.root,
  configFile: false,
  logLevel: 'silent',
  plugins,
  build: { outDir: o.outDir, emptyOutDir: true, reportCompressedSize: false },
})
const buildMs = performance.now() - b0
process.stdout.write(
  JSON.stringify({ loadMs: loaded - t0, buildMs, ...(o.phases ? { hooks, digests } : {}), maxRSS: process.resourceUsage().maxRSS * 1024 }) + '\n',
)

function wrapHooks(plugin) {
  for (const name of [
    'config',
    'configResolved',
    'outputOptions',
    'buildStart',
    'renderStart',
    'renderChunk',
    'generateBundle',
    'writeBundle',
    'closeBundle',
  ]) {
    const hook = plugin[name]
    if (!hook) continue
    const fn = typeof hook === 'function' ? hook : hook.handler
    const key = `${plugin.name}:${name}`
    const timed = async function (...args) {
      const s = performance.now()
      inOurHook++
      try {
        return await fn.apply(this, args)
      } finally {
        inOurHook--
        const slot = (hooks[key] ??= { calls: 0, ms: 0 })
        slot.calls++
        slot.ms += performance.now() - s
      }
    }
    // config/outputOptions may be called synchronously by some bundlers; keep them sync.
    const wrapped =
      name === 'config' || name === 'outputOptions' || name === 'configResolved'
        ? function (...args) {
            const s = performance.now()
            const done = () => {
              const slot = (hooks[key] ??= { calls: 0, ms: 0 })
              slot.calls++
              slot.ms += performance.now() - s
            }
            const result = fn.apply(this, args)
            if (result && typeof result.then === 'function') return result.finally(done)
            done()
            return result
          }
        : timed
    plugin[name] = typeof hook === 'function' ? wrapped : { ...hook, handler: wrapped }
  }
}

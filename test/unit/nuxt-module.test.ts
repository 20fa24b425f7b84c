/**
 * The Nuxt module without Nuxt: a fake Nuxt instance records the hooks the
 * module registers, so each decision (when it acts, which URL options it sets,
 * when the deploy runs) is checked here; test/frameworks/nuxt.test.ts builds a
 * real app.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { resolveConfig } from '../../src/config/resolve.js'
import type { CdnPluginOptions } from '../../src/config/types.js'
import cdnDeployModule, { moduleOptions, nuxtUrls, type NitroLike, type NuxtLike } from '../../src/frameworks/nuxt.js'

const cdn = (options: CdnPluginOptions) => resolveConfig({ inline: { domain: 'https://cdn.example.com', prefix: 'app/', deploy: false, ...options }, env: {} })

describe('nuxtUrls: the app options for each topology', () => {
  it.each([
    ['the whole site: a path base', {}, { baseURL: '/', cdnURL: '' }, { baseURL: '/app/' }],
    ['the whole site, the same baseURL set by the user', {}, { baseURL: '/app', cdnURL: '' }, { baseURL: '/app/' }],
    ['the whole site, cdnURL already the CDN', {}, { baseURL: '/', cdnURL: 'https://cdn.example.com/app/' }, { baseURL: '/app/' }],
    ['HTML at the origin: the absolute asset URL', { htmlAtOrigin: true }, { baseURL: '/', cdnURL: '' }, { cdnURL: 'https://cdn.example.com/app' }],
    [
      "HTML at the origin keeps the origin's baseURL",
      { htmlAtOrigin: true },
      { baseURL: '/shop/', cdnURL: 'https://cdn.example.com/app/' },
      { cdnURL: 'https://cdn.example.com/app' },
    ],
  ])('%s', (_label, options, app, wanted) => {
    expect(nuxtUrls(cdn(options), app)).toEqual(wanted)
  })

  it.each([
    [
      'a different baseURL',
      {},
      { baseURL: '/shop/', cdnURL: '' },
      'nuxt.config app.baseURL: "/shop/" does not match the CDN (the whole site on the CDN: app.baseURL "/app/"); remove it (and NUXT_APP_BASE_URL)',
    ],
    [
      'a cdnURL elsewhere',
      {},
      { baseURL: '/', cdnURL: 'https://other.example.com' },
      'app.cdnURL: "https://other.example.com" does not match the CDN (the whole site on the CDN: app.cdnURL (unset))',
    ],
    [
      'a different cdnURL',
      { htmlAtOrigin: true },
      { baseURL: '/', cdnURL: 'https://other.example.com' },
      'HTML at your origin, assets on the CDN (htmlAtOrigin: true): app.cdnURL "https://cdn.example.com/app"',
    ],
  ])('a scoped config error for %s', (_label, options, app, message) => {
    expect(() => nuxtUrls(cdn(options), app)).toThrow(message)
    expect(() => nuxtUrls(cdn(options), app)).toThrow(/^\[cdn-deploy\] \[config\] /)
  })
})

describe('moduleOptions: inline options over the cdnDeploy key', () => {
  it.each([
    [
      'inline wins, nested objects merge',
      { prefix: 'a/', storage: { bucket: 'b', region: 'r' } },
      { prefix: 'c/', storage: { region: 's' } },
      { prefix: 'c/', storage: { bucket: 'b', region: 's' } },
    ],
    [
      'environments merge by mode',
      { environments: { staging: { prefix: 's/' } } },
      { environments: { prod: { prefix: 'p/' } } },
      { environments: { staging: { prefix: 's/' }, prod: { prefix: 'p/' } } },
    ],
    ['no key', undefined, { prefix: 'c/' }, { prefix: 'c/' }],
    ['no inline options', { prefix: 'a/' }, undefined, { prefix: 'a/' }],
  ])('%s', (_label, fromKey, inline, wanted) => {
    expect(moduleOptions(fromKey, inline as CdnPluginOptions)).toEqual(wanted)
  })
})

/** A Nuxt instance that only records hooks, and a Nitro one that fires `compiled`. */
function fakeNuxt(options: Partial<NuxtLike['options']> & Record<string, unknown> = {}) {
  const hooks = new Map<string, Array<(...args: unknown[]) => unknown>>()
  const urls = () => ({ baseURL: '/', cdnURL: '', buildAssetsDir: '/_nuxt/' })
  const nuxt = {
    options: { dev: false, rootDir: process.cwd(), envName: 'production', app: urls(), runtimeConfig: { app: urls() }, ...options },
    hook: (name: string, fn: (...args: unknown[]) => unknown) => void hooks.set(name, [...(hooks.get(name) ?? []), fn]),
  }
  const call = async (name: string, ...args: unknown[]) => {
    for (const fn of hooks.get(name) ?? []) await fn(...args)
  }
  const nitro = (dev: boolean, isStatic: boolean): NitroLike => ({
    options: { dev, static: isStatic, output: { publicDir: '/app/.output/public' } },
    hooks: { hook: (name, fn) => void hooks.set(`nitro:${name}`, [...(hooks.get(`nitro:${name}`) ?? []), fn as (...args: unknown[]) => unknown]) },
  })
  /** Nitro starts, compiles (or not), then Nuxt closes. */
  const build = async (compiled?: { dev: boolean; static: boolean }) => {
    const instance = nitro(compiled?.dev ?? false, compiled?.static ?? true)
    await call('nitro:init', instance)
    if (compiled) await call('nitro:compiled', instance)
    await call('close')
  }
  return { nuxt: nuxt as unknown as NuxtLike, hooks, build }
}

describe('the module', () => {
  const inline: CdnPluginOptions = { configFile: false, domain: 'https://cdn.example.com', prefix: 'app/', deploy: false }
  let lines: string[]
  beforeEach(() => {
    lines = []
    vi.spyOn(console, 'info').mockImplementation((line: string) => void lines.push(`info ${line}`))
    vi.spyOn(console, 'warn').mockImplementation((line: string) => void lines.push(`warn ${line}`))
  })
  afterEach(() => vi.restoreAllMocks())

  it('names itself and its config key for Nuxt', async () => {
    expect(await cdnDeployModule.getMeta()).toEqual({ name: 'vite-plugin-cdn-deploy', configKey: 'cdnDeploy' })
  })

  it.each([
    ['nuxi dev', { dev: true }, []],
    ['nuxi prepare', { _prepare: true }, []],
    ['nuxi analyze', { build: { analyze: { enabled: true } } }, ['info [cdn-deploy] nuxi analyze: not building for the CDN, not deploying']],
  ])('leaves %s alone', async (_label, options, said) => {
    const { nuxt, hooks } = fakeNuxt(options)
    await cdnDeployModule(inline, nuxt)
    expect({ hooks: [...hooks.keys()], app: nuxt.options.app.baseURL, lines }).toEqual({ hooks: [], app: '/', lines: said })
  })

  it('says so in one line when disabled, and changes nothing', async () => {
    const { nuxt, hooks } = fakeNuxt()
    await cdnDeployModule({ ...inline, enabled: false }, nuxt)
    expect({ hooks: hooks.size, app: nuxt.options.app.baseURL, lines }).toEqual({
      hooks: 0,
      app: '/',
      lines: ['info [cdn-deploy] disabled (enabled: false or CDN_ENABLED=0): building without the CDN, not deploying'],
    })
  })

  it.each([
    ['the whole site', {}, { baseURL: '/app/', cdnURL: '' }],
    ['HTML at the origin', { htmlAtOrigin: true }, { baseURL: '/', cdnURL: 'https://cdn.example.com/app' }],
  ])('sets both copies of the URL options for %s, from the cdnDeploy key under inline options', async (_label, more, wanted) => {
    const { nuxt } = fakeNuxt({ cdnDeploy: { prefix: 'ignored/', ...more } })
    await cdnDeployModule(inline, nuxt)
    expect(nuxt.options.app).toEqual({ ...wanted, buildAssetsDir: '/_nuxt/' })
    expect(nuxt.options.runtimeConfig.app).toEqual({ ...wanted, buildAssetsDir: '/_nuxt/' })
  })

  it('notes a custom buildAssetsDir', async () => {
    const { nuxt } = fakeNuxt({ app: { baseURL: '/', cdnURL: '', buildAssetsDir: '/assets/' } })
    await cdnDeployModule(inline, nuxt)
    expect(lines).toEqual([expect.stringContaining('app.buildAssetsDir is /assets/: files there are cached as immutable when their names carry a hash')])
  })

  const built = 'info [cdn-deploy] built for the CDN; not deploying (deploy: false)'
  it.each([
    ['close without a compiled Nitro (nothing built, or a step failed)', {}, undefined, []],
    ['a dev Nitro compiling', {}, { dev: true, static: true }, []],
    ['nuxi generate', {}, { dev: false, static: true }, [built]],
    ['nuxi build, HTML at the origin', { htmlAtOrigin: true }, { dev: false, static: false }, [built]],
    [
      'nuxi build, the whole site',
      {},
      { dev: false, static: false },
      [expect.stringMatching(/^warn \[cdn-deploy\] not deploying: pages are rendered by the Nitro server/)],
    ],
  ])('at close: %s', async (_label, more, compiled, said) => {
    const { nuxt, build } = fakeNuxt()
    await cdnDeployModule({ ...inline, ...more }, nuxt)
    lines.length = 0
    await build(compiled)
    expect(lines).toEqual(said)
  })

  it('acts at the first close only', async () => {
    const { nuxt, build } = fakeNuxt()
    await cdnDeployModule(inline, nuxt)
    await build({ dev: false, static: true })
    await build()
    expect(lines.filter((line) => line === built)).toHaveLength(1)
  })
})

/**
 * The VitePress adapter's decisions, without VitePress: detection, the base per
 * CDN config and user base, and what configResolved does to the site config
 * (site base, one buildEnd wrapper that runs the user's first, MPA mode).
 * test/frameworks/vitepress.test.ts builds the real thing.
 */
import type { Plugin, ResolvedConfig, UserConfig } from 'vite'
import { describe, expect, it } from 'vitest'
import type { CdnPluginOptions } from '../../src/config/types.js'
import { resolveConfig } from '../../src/config/resolve.js'
import { vitePress, vitePressBase, type VitePressSite } from '../../src/frameworks/vitepress.js'
import { createState, type PluginState } from '../../src/vite/state.js'

const cdn = (options: CdnPluginOptions = {}) =>
  resolveConfig({ inline: { domain: 'https://cdn.example.com', prefix: 'docs/', deploy: false, ...options }, env: {} })
const plugins = [{ name: 'vitepress' }, { name: 'vitepress:rewrites' }, { name: 'cdn:config' }] as Plugin[]
const adapter = () => vitePress(plugins)!

function setup(options: CdnPluginOptions = {}) {
  const logged: string[] = []
  const calls: string[] = []
  const site: VitePressSite = {
    site: { base: '/' },
    outDir: '/app/docs/.vitepress/dist',
    logger: { info: (m) => logged.push(m), warn: (m) => logged.push(`warn: ${m}`) },
    buildEnd: () => void calls.push('user'),
  }
  const state: PluginState = { ...createState({}), config: cdn(options), active: true }
  const resolved = (ssr: boolean, base = ssr ? site.site.base : '/docs/') => ({ base, build: { ssr }, vitepress: site }) as unknown as ResolvedConfig
  return { site, state, logged, calls, resolved }
}

describe('detection', () => {
  it.each<[string, Plugin[], boolean]>([
    ["VitePress's own plugin in the build", plugins, true],
    ['a plain Vite app', [{ name: 'vite:react-babel' }, { name: 'cdn:config' }] as Plugin[], false],
  ])('%s', (_name, list, found) => {
    expect(vitePress(list)?.deploys).toBe(found ? 'self' : undefined)
  })
})

describe('vitePressBase', () => {
  it.each<[string, string | undefined, string]>([
    ['no base set: the CDN path', undefined, '/docs/'],
    ["VitePress's default '/': the CDN path", '/', '/docs/'],
    ['the same base set by the user: kept', '/docs/', '/docs/'],
  ])('%s', (_name, current, base) => {
    expect(vitePressBase(cdn(), current)).toBe(base)
  })

  it.each<[string, CdnPluginOptions, string, RegExp]>([
    ['a base elsewhere', {}, '/elsewhere/', /\[cdn-deploy\] \[config\] VitePress base "\/elsewhere\/" .*does not match the CDN .*base "\/docs\/"/],
    [
      'HTML at an origin',
      { htmlAtOrigin: true },
      '/',
      /\[cdn-deploy\] \[config\] htmlAtOrigin: true is not supported under VitePress.*Serve the whole site from the CDN/,
    ],
  ])('refuses %s', (_name, options, current, message) => {
    expect(() => vitePressBase(cdn(options), current)).toThrow(message)
  })

  it('changes the client build only (VitePress marks its server build build.ssr)', () => {
    const { state } = setup()
    expect(adapter().config!({ base: '/' } as UserConfig, cdn(), state)).toEqual({ base: '/docs/' })
    expect(adapter().config!({ base: '/docs/', build: { ssr: true } } as UserConfig, cdn(), state)).toBeUndefined()
  })
})

describe('configResolved', () => {
  it('sets the site base and wraps buildEnd once, the user hook first, across repeated resolves', async () => {
    const { site, state, logged, calls, resolved } = setup()
    const vp = adapter()
    vp.configResolved!(resolved(false), state)
    const wrapped = site.buildEnd
    vp.configResolved!(resolved(false), state)
    vp.configResolved!(resolved(true), state)
    expect(site.site.base).toBe('/docs/')
    expect(site.buildEnd).toBe(wrapped)
    await site.buildEnd!(site)
    expect(calls).toEqual(['user'])
    // Through the site's logger (Vite's is at 'warn' under VitePress).
    expect(logged).toEqual(['[cdn-deploy] built for the CDN; not deploying (deploy: false)'])
  })

  it.each<[string, boolean, string[]]>([
    ['the user buildEnd throws: no deploy attempted', true, []],
    // No client build ran here, so the deploy it reaches stops at the missing manifest.
    [
      'the user buildEnd succeeds: the deploy runs',
      false,
      ['[cdn-deploy] not deploying: the client build wrote no manifest; deploy with npx cdn-deploy deploy /app/docs/.vitepress/dist'],
    ],
  ])('%s', async (_name, fails, lines) => {
    const { site, state, logged, resolved } = setup({ deploy: true, storage: { bucket: 'docs-bucket' } })
    site.buildEnd = () => {
      if (fails) throw new Error('user failed')
    }
    adapter().configResolved!(resolved(false), state)
    if (fails) await expect(site.buildEnd(site)).rejects.toThrow('user failed')
    else await site.buildEnd(site)
    expect(logged).toEqual(lines)
  })

  it('refuses a vite.base merged over the CDN base', () => {
    const { state, resolved } = setup()
    expect(() => adapter().configResolved!(resolved(false, '/other/'), state)).toThrow(/Vite base "\/other\/" .*does not match the CDN/)
  })

  it('MPA mode: one line saying what to do, no deploy', async () => {
    const { site, state, logged, calls, resolved } = setup()
    site.mpa = true
    const userBuildEnd = site.buildEnd
    adapter().configResolved!(resolved(true), state)
    adapter().configResolved!(resolved(true), state)
    expect(site.buildEnd).toBe(userBuildEnd)
    expect(calls).toEqual([])
    expect(logged).toHaveLength(1)
    expect(logged[0]).toMatch(/MPA mode .*npx cdn-deploy deploy \/app\/docs\/.vitepress\/dist/)
  })
})

/**
 * The Astro integration's decisions without Astro: which URL options it asks
 * Astro for, when it refuses the user's, and which commands and outputs it
 * leaves alone. The real builds are in test/frameworks/astro.test.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveConfig } from '../../src/config/resolve.js'
import type { CdnPluginOptions } from '../../src/config/types.js'
import cdnDeploy, {
  astroUrls,
  type AstroConfigLike,
  type AstroConfigUpdate,
  type AstroIntegrationLike,
  type IntegrationEntry,
} from '../../src/frameworks/astro.js'

type BuildDone = AstroIntegrationLike['hooks']['astro:build:done']

const cdn = (options: CdnPluginOptions = {}) =>
  resolveConfig({ inline: { domain: 'https://cdn.example.com', prefix: 'app/', deploy: false, ...options }, env: {} })
const astro = (over: Partial<AstroConfigLike> = {}): AstroConfigLike => ({ root: new URL('file:///app/'), base: '/', output: 'static', build: {}, ...over })

describe('astroUrls', () => {
  it.each<[string, CdnPluginOptions, Partial<AstroConfigLike>, AstroConfigUpdate]>([
    ['whole site: the CDN path as base', {}, {}, { base: '/app/' }],
    ["whole site, trailingSlash: 'never': base as Astro normalizes it", {}, { trailingSlash: 'never', base: '/' }, { base: '/app' }],
    ['whole site: a user base that agrees', {}, { base: '/app' }, { base: '/app/' }],
    [
      'origin: the absolute assetsPrefix, base untouched',
      { htmlAtOrigin: true },
      { base: '/docs/' },
      { build: { assetsPrefix: 'https://cdn.example.com/app' } },
    ],
    [
      'origin + output server: /_image may fetch from the CDN host',
      { htmlAtOrigin: true },
      { output: 'server' },
      { build: { assetsPrefix: 'https://cdn.example.com/app' }, image: { remotePatterns: [{ protocol: 'https', hostname: 'cdn.example.com' }] } },
    ],
    [
      'origin + an adapter (pages may opt out of prerendering), with a port',
      { htmlAtOrigin: true, domain: 'http://127.0.0.1:4569/b/app/' },
      { adapter: { name: '@astrojs/node' } },
      { build: { assetsPrefix: 'http://127.0.0.1:4569/b/app' }, image: { remotePatterns: [{ protocol: 'http', hostname: '127.0.0.1', port: '4569' }] } },
    ],
    [
      'origin: a user assetsPrefix that agrees',
      { htmlAtOrigin: true },
      { build: { assetsPrefix: 'https://cdn.example.com/app' } },
      { build: { assetsPrefix: 'https://cdn.example.com/app' } },
    ],
  ])('%s', (_name, options, config, expected) => {
    expect(astroUrls(cdn(options), astro(config))).toEqual(expected)
  })

  it.each<[string, CdnPluginOptions, Partial<AstroConfigLike>, string]>([
    ['whole site, another base', {}, { base: '/other/' }, 'astro.config base: "/other/" does not match the CDN (the whole site on the CDN: base "/app/")'],
    [
      'whole site, assets elsewhere',
      {},
      { build: { assetsPrefix: 'https://static.example.com' } },
      'astro.config build.assetsPrefix: "https://static.example.com" does not match the CDN (the whole site on the CDN: build.assetsPrefix "(unset)")',
    ],
    [
      'origin, another assetsPrefix',
      { htmlAtOrigin: true },
      { build: { assetsPrefix: { fallback: 'https://x.example.com' } } },
      'astro.config build.assetsPrefix: {"fallback":"https://x.example.com"} does not match the CDN (HTML at your origin, assets on the CDN (htmlAtOrigin: true): build.assetsPrefix "https://cdn.example.com/app")',
    ],
  ])('refuses %s with a scoped config error', (_name, options, config, message) => {
    expect(() => astroUrls(cdn(options), astro(config))).toThrow(`[cdn-deploy] [config] ${message}`)
  })
})

describe('cdnDeploy() hooks', () => {
  let root: string
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cdn-astro-unit-'))
  })
  afterAll(() => rm(root, { recursive: true, force: true }))

  interface Build {
    command?: 'dev' | 'build' | 'preview' | 'sync'
    output?: 'static' | 'server'
    mode?: string
    /** Integrations listed after this one, with the line their astro:build:done writes. */
    after?: Array<{ name: string; writes?: string }>
  }

  /** Run the hooks of one build as Astro does (list order; the list may grow), recording what the integration asked and said. */
  async function lifecycle(options: CdnPluginOptions, { command = 'build', output = 'static', mode = 'production', after = [] }: Build = {}) {
    const updates: AstroConfigUpdate[] = []
    const lines: string[] = []
    const logger = { info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`) }
    const self = cdnDeploy({ configFile: false, domain: 'https://cdn.example.com', prefix: 'app/', ...options })
    const others: IntegrationEntry[] = after.map(({ name, writes }) => ({
      name,
      hooks: writes ? { 'astro:build:done': async () => void lines.push(writes) } : {},
    }))
    // Astro's config validation copies every entry (name and hooks; the functions stay).
    const integrations: IntegrationEntry[] = [self, ...others].map(({ name, hooks }) => ({ name, hooks: { ...hooks } }))
    await self.hooks['astro:config:setup']({ config: astro({ root: pathToFileURL(`${root}/`) }), command, updateConfig: (u) => updates.push(u), logger })
    if (command !== 'build') return { updates, lines, integrations }
    for (const entry of integrations)
      (entry.hooks['astro:config:done'] as AstroIntegrationLike['hooks']['astro:config:done'] | undefined)?.({ config: { integrations }, buildOutput: output })
    await self.hooks['astro:build:setup']({ vite: { mode }, logger })
    for (const entry of integrations) await (entry.hooks['astro:build:done'] as BuildDone | undefined)?.({ dir: pathToFileURL(`${root}/dist/`), logger })
    return { updates, lines, integrations }
  }

  it.each(['dev', 'preview', 'sync'] as const)('`astro %s`: touches nothing, says nothing', async (command) => {
    const seen = await lifecycle({}, { command, after: [{ name: 'sitemap', writes: 'sitemap wrote' }] })
    expect(seen.updates).toEqual([])
    expect(seen.lines).toEqual([])
    expect(seen.integrations).toHaveLength(2)
  })

  it.each<[string, CdnPluginOptions, Build, AstroConfigUpdate[], RegExp]>([
    ['disabled: one line, no URL change', { enabled: false }, {}, [], /^info disabled \(enabled: false or CDN_ENABLED=0\)/],
    ['deploy: false: URLs set, one line', { deploy: false }, {}, [{ base: '/app/' }], /^info built for the CDN; not deploying \(deploy: false\)$/],
    [
      'output server, whole site: not deploying, says how',
      { storage: { bucket: 'my-bucket' } },
      { output: 'server' },
      [{ base: '/app/' }],
      /^warn not deploying: pages rendered on demand come from your server.*set htmlAtOrigin: true.*npx cdn-deploy deploy .*\/dist\/$/,
    ],
    [
      '--mode naming an environment that keeps the URLs: its options apply',
      { storage: { bucket: 'my-bucket' }, environments: { staging: { deploy: false } } },
      { mode: 'staging' },
      [{ base: '/app/' }],
      /^info built for the CDN; not deploying \(deploy: false\)$/,
    ],
  ])('%s', async (_name, options, build, updates, line) => {
    const seen = await lifecycle(options, build)
    expect(seen.updates).toEqual(updates)
    expect(seen.lines).toHaveLength(1)
    expect(seen.lines[0]).toMatch(line)
  })

  it.each<[string, Build['after'], string[]]>([
    ['listed last: deploys from its own hook', [], ['deploy']],
    ['before integrations without astro:build:done: from its own hook', [{ name: 'icons' }], ['deploy']],
    [
      'before a sitemap that writes in astro:build:done: after it, from an appended step',
      [{ name: 'sitemap', writes: 'sitemap wrote' }, { name: 'icons' }],
      ['sitemap wrote', 'deploy'],
    ],
  ])('%s', async (_name, after, order) => {
    const seen = await lifecycle({ deploy: false }, { after })
    expect(seen.lines.map((line) => (line.includes('deploy: false') ? 'deploy' : line))).toEqual(order)
    expect(seen.integrations.map((entry) => entry.name)).toEqual([
      'cdn-deploy',
      ...after!.map((entry) => entry.name),
      ...(order[0] === 'deploy' ? [] : ['cdn-deploy']),
    ])
  })

  it('--mode naming an environment that moves the URLs: a config error naming CDN_ENV', async () => {
    const run = lifecycle({ deploy: false, environments: { staging: { prefix: 'staging/' } } }, { mode: 'staging' })
    await expect(run).rejects.toThrow(
      '[cdn-deploy] [config] astro build --mode staging: cdn.config environments.staging changes the CDN URL (or turns the CDN off), which Astro fixes before it names the mode to integrations; run it as CDN_ENV=staging astro build --mode staging',
    )
  })
})

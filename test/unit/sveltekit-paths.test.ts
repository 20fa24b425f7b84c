import type { Plugin } from 'vite'
import { describe, expect, it } from 'vitest'
import type { ResolvedCdnConfig } from '../../src/config/types.js'
import { kitPaths, svelteKit } from '../../src/frameworks/sveltekit.js'
import type { PluginState } from '../../src/vite/state.js'

const SITE = 'https://cdn.example.com/site/app/'
const cdn = (publicBase: string, htmlAtOrigin = false) => ({ publicBase, htmlAtOrigin }) as ResolvedCdnConfig
const unset = { base: '', assets: '' }

describe('kitPaths: SvelteKit paths from cdn.config', () => {
  it.each<[string, ResolvedCdnConfig, { base: string; assets: string }, { base: string; assets: string } | RegExp]>([
    ['whole site: base is the path of the public base, assets stay relative', cdn(SITE), unset, { base: '/site/app', assets: '' }],
    ['whole site at the root of a domain: no base', cdn('https://cdn.example.com/'), unset, { base: '', assets: '' }],
    ['whole site: a base that agrees is kept', cdn(SITE), { base: '/site/app', assets: '' }, { base: '/site/app', assets: '' }],
    [
      'whole site: a base that disagrees is an error',
      cdn(SITE),
      { base: '/elsewhere', assets: '' },
      /^\[cdn-deploy\] \[config\] sveltekit\(\{ paths: \{ base: "\/elsewhere" \} \}\) does not match the CDN \(the whole site on the CDN: base "\/site\/app"\)/,
    ],
    [
      'whole site: an assets URL is an error (the pages are on the CDN too)',
      cdn(SITE),
      { base: '', assets: 'https://other.example.com' },
      /paths: \{ assets: "https:\/\/other.example.com" \}.*the whole site on the CDN: assets ""/,
    ],
    ['HTML at the origin: assets is the absolute CDN URL without the slash', cdn(SITE, true), unset, { base: '', assets: 'https://cdn.example.com/site/app' }],
    [
      "HTML at the origin: the user's base is the origin's business",
      cdn(SITE, true),
      { base: '/shop', assets: '' },
      { base: '/shop', assets: 'https://cdn.example.com/site/app' },
    ],
    [
      'HTML at the origin: an assets URL that agrees is kept',
      cdn(SITE, true),
      { base: '', assets: 'https://cdn.example.com/site/app' },
      { base: '', assets: 'https://cdn.example.com/site/app' },
    ],
    [
      'HTML at the origin: an assets URL that disagrees is an error',
      cdn(SITE, true),
      { base: '', assets: 'https://old-cdn.example.com' },
      /htmlAtOrigin: true\): assets "https:\/\/cdn.example.com\/site\/app"\); remove it/,
    ],
  ])('%s', (_name, config, current, expected) => {
    if (expected instanceof RegExp) expect(() => kitPaths(config, current)).toThrow(expected)
    else expect(kitPaths(config, current)).toEqual(expected)
  })
})

/** A stand-in for SvelteKit's setup plugin and its adapter; `writes` are the adapter's calls. */
function kit(writes: Array<['writeClient' | 'writePrerendered', string]>, paths = { ...unset }) {
  const adapter = {
    name: 'adapter-test',
    adapt(builder: Record<string, (dest: string) => void>) {
      for (const [method, dest] of writes) builder[method]!(dest)
    },
  }
  const options = { paths, adapter }
  return { options, setup: { name: 'vite-plugin-sveltekit-setup', api: { options } } as Plugin }
}
const builder = () => ({ writeClient: () => {}, writePrerendered: () => {} })
const state = (htmlAtOrigin = false) => ({ config: { htmlAtOrigin } }) as PluginState

describe('svelteKit: the adapter for the Vite plugin', () => {
  it.each<[string, Array<['writeClient' | 'writePrerendered', string]>, boolean, { dir: string } | RegExp]>([
    [
      'adapter-static: pages and assets in one directory',
      [
        ['writeClient', '/app/build'],
        ['writePrerendered', '/app/build'],
      ],
      false,
      { dir: '/app/build' },
    ],
    [
      'pages elsewhere, whole site on the CDN: not deployed, says why',
      [
        ['writeClient', '/app/build/client'],
        ['writePrerendered', '/app/build/prerendered'],
      ],
      false,
      /wrote pages to \/app\/build\/prerendered and assets to \/app\/build\/client/,
    ],
    [
      'pages elsewhere, HTML at the origin: the client files are deployed',
      [
        ['writeClient', '/app/build/client'],
        ['writePrerendered', '/app/build/prerendered'],
      ],
      true,
      { dir: '/app/build/client' },
    ],
    ['no client files written', [['writePrerendered', '/app/build']], false, /adapter \(adapter-test\) wrote no client files/],
    [
      'client files in two directories',
      [
        ['writeClient', '/a'],
        ['writeClient', '/b'],
      ],
      false,
      /to 2 directories/,
    ],
  ])('%s', async (_name, writes, htmlAtOrigin, expected) => {
    const { options, setup } = kit(writes)
    const framework = svelteKit(setup)
    expect(framework.config!({}, cdn(SITE, htmlAtOrigin), state(htmlAtOrigin))).toBeUndefined()
    expect(options.paths).toEqual(htmlAtOrigin ? { base: '', assets: 'https://cdn.example.com/site/app' } : { base: '/site/app', assets: '' })
    await options.adapter.adapt(builder())
    const final = framework.finalDir!(state(htmlAtOrigin))
    if (expected instanceof RegExp) expect('why' in final ? final.why : final.dir).toMatch(expected)
    else expect(final).toEqual(expected)
  })

  it('is idempotent (the worker threads run the config hook again) and records into the latest build', async () => {
    const { options, setup } = kit([['writeClient', '/app/build']])
    const first = svelteKit(setup)
    first.config!({}, cdn(SITE), state())
    const second = svelteKit(setup)
    second.config!({}, cdn(SITE), state())
    expect(options.paths).toEqual({ base: '/site/app', assets: '' })
    await options.adapter.adapt(builder())
    expect(second.finalDir!(state())).toEqual({ dir: '/app/build' })
    expect(first.finalDir!(state())).toHaveProperty('why')
  })

  it('refuses an older SvelteKit whose setup plugin has no paths options', () => {
    const framework = svelteKit({ name: 'vite-plugin-sveltekit-setup', api: { options: { kit: { paths: unset } } } } as Plugin)
    expect(() => framework.config!({}, cdn(SITE), state())).toThrow(/\[config\] cdn\(\) supports SvelteKit 3/)
  })
})

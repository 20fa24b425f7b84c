/**
 * Nuxt module: `modules: ['vite-plugin-cdn-deploy/nuxt']` in nuxt.config, with
 * inline options as `['vite-plugin-cdn-deploy/nuxt', { … }]` or under the
 * `cdnDeploy` key of nuxt.config (inline wins). Reads `cdn.config.*` at the
 * project root (`rootDir`, not Vite's root, which Nuxt sets to `app/`).
 *
 * URLs go through Nuxt's own options, never Vite's `base` (Nuxt derives it):
 * `app.baseURL` (the CDN URL's path) for the whole site on the CDN,
 * `app.cdnURL` (the absolute CDN URL) for HTML from an origin. Nuxt copies
 * `app` into `runtimeConfig.app` when it resolves its config, before modules
 * run, and renders from that copy: both are set.
 *
 * The deploy runs in Nuxt's `close` hook, which `nuxi build`/`nuxi generate`
 * call last, after `build:done`, where Nitro prerenders, copies the public
 * files and writes the server; only if the main Nitro instance reported
 * `compiled` in this process (the prerenderer is another instance and never
 * reaches our hook). A failed Vite build, prerender or Nitro build throws
 * before that, so no release is committed. Its directory is Nitro's
 * `output.publicDir` (`.output/public`): never `.nuxt/dist/` (intermediate),
 * `.output/server` or `nitro.json`.
 *
 * No Vite plugin: Nuxt names every file under `buildAssetsDir` by content
 * hash (`_nuxt/`, immutable in src/plan/rules.ts, except the fixed-URL
 * `builds/latest.json`), minifies, and renders its HTML in Nitro, outside the
 * client bundle; our manifest would describe `.nuxt/dist/client`, not what is
 * deployed. So `sri`, `hashPublic` and `minify` do not apply under Nuxt.
 *
 * No runtime import from nuxt or @nuxt/kit: Nuxt accepts a plain function as a
 * module (`@nuxt/kit` `callModule` calls it with the inline options and the
 * Nuxt instance; `getMeta` gives it a name and a config key). The parts of
 * Nuxt and Nitro it touches are declared here.
 */
import type { CdnPluginOptions, ResolvedCdnConfig } from '../config/types.js'
import { mergeOptions } from '../config/resolve.js'
import { CdnDeployError } from '../errors.js'
import { deployFinalOutput, resolveForProject, topology, type IntegrationLog } from './shared.js'

/** Nuxt's `app` URL options (`nuxt.options.app`, copied to `runtimeConfig.app`). */
export interface NuxtAppUrls {
  baseURL: string
  cdnURL: string
  buildAssetsDir: string
}

export interface NitroLike {
  options: { dev: boolean; static: boolean; output: { publicDir: string } }
  hooks: { hook(name: 'compiled', fn: (nitro: NitroLike) => void): unknown }
}

/** The parts of the Nuxt instance this module reads and writes. */
export interface NuxtLike {
  options: {
    dev: boolean
    _prepare?: boolean
    rootDir: string
    /** `nuxi build --envName`; `production` by default in a build. */
    envName?: string
    app: NuxtAppUrls
    runtimeConfig: { app: Partial<NuxtAppUrls> }
    build?: { analyze?: boolean | { enabled?: boolean } }
  }
  hook(name: 'nitro:init', fn: (nitro: NitroLike) => void): unknown
  hook(name: 'close', fn: () => Promise<void>): unknown
}

export const CONFIG_KEY = 'cdnDeploy'
const META = { name: 'vite-plugin-cdn-deploy', configKey: CONFIG_KEY }
const DEFAULT_ASSETS_DIR = '/_nuxt/'
const TOPOLOGY = { site: 'the whole site on the CDN', assets: 'HTML at your origin, assets on the CDN (htmlAtOrigin: true)' }
const slashless = (url: string) => url.replace(/\/+$/, '')

/**
 * The `app` options Nuxt needs for the CDN, or a scoped error when nuxt.config
 * (or NUXT_APP_BASE_URL / NUXT_APP_CDN_URL) already sets them otherwise.
 */
export function nuxtUrls(cdn: ResolvedCdnConfig, app: Pick<NuxtAppUrls, 'baseURL' | 'cdnURL'>): { baseURL?: string; cdnURL?: string } {
  const wanted = topology(cdn)
  const clash = (option: 'baseURL' | 'cdnURL', want: string) =>
    new CdnDeployError(
      'config',
      `nuxt.config app.${option}: ${JSON.stringify(app[option])} does not match the CDN (${TOPOLOGY[wanted.kind]}: app.${option} ${want}); remove it (and NUXT_APP_${option === 'baseURL' ? 'BASE' : 'CDN'}_URL) and the module sets it from cdn.config`,
    )
  const cdnURL = app.cdnURL ? slashless(app.cdnURL) : ''
  if (wanted.kind === 'site') {
    if (slashless(app.baseURL) !== '' && slashless(app.baseURL) !== slashless(wanted.base)) throw clash('baseURL', JSON.stringify(wanted.base))
    // Assets on another host would not be the ones this deploy uploads with the pages.
    if (cdnURL && cdnURL !== slashless(cdn.publicBase)) throw clash('cdnURL', '(unset)')
    return { baseURL: wanted.base }
  }
  if (cdnURL && cdnURL !== wanted.assetsPrefix) throw clash('cdnURL', JSON.stringify(wanted.assetsPrefix))
  return { cdnURL: wanted.assetsPrefix }
}

/** Inline options over the `cdnDeploy` key of nuxt.config. */
export function moduleOptions(fromKey: unknown, inline: CdnPluginOptions | undefined): CdnPluginOptions {
  const base = fromKey && typeof fromKey === 'object' ? (fromKey as CdnPluginOptions) : {}
  const over = inline ?? {}
  const merged: CdnPluginOptions = mergeOptions(base, over)
  if (base.environments || over.environments) merged.environments = { ...base.environments, ...over.environments }
  return merged
}

const log: IntegrationLog = {
  info: (message) => console.info(`[cdn-deploy] ${message}`),
  warn: (message) => console.warn(`[cdn-deploy] ${message}`),
}
const installed = new WeakSet<object>()

/**
 * The module. Acts only in `nuxi build` / `nuxi generate`: dev, `nuxi prepare`
 * and `nuxi analyze` (unhashed chunk names) are left alone.
 */
async function cdnDeployModule(inline: CdnPluginOptions, nuxt: NuxtLike): Promise<void> {
  const options = nuxt.options
  if (options.dev || options._prepare || installed.has(nuxt)) return
  installed.add(nuxt)
  const analyze = options.build?.analyze
  if (analyze === true || (typeof analyze === 'object' && analyze.enabled)) return log.info('nuxi analyze: not building for the CDN, not deploying')

  // Nuxt names its environment `--envName` (default `production`); CDN_ENV wins, as for the CLI.
  const mode = process.env.CDN_ENV || options.envName || 'production'
  const cdn = await resolveForProject(options.rootDir, moduleOptions((options as unknown as Record<string, unknown>)[CONFIG_KEY], inline), mode)
  if (!cdn.enabled) return log.info('disabled (enabled: false or CDN_ENABLED=0): building without the CDN, not deploying')

  const urls = nuxtUrls(cdn, options.app)
  Object.assign(options.app, urls)
  Object.assign(options.runtimeConfig.app, urls)
  if (options.app.buildAssetsDir !== DEFAULT_ASSETS_DIR) {
    // Only `_nuxt/` is known to hold nothing but hashed names (src/plan/rules.ts); a custom
    // folder may share its name with one in public/, so its files are judged by name.
    log.info(
      `app.buildAssetsDir is ${options.app.buildAssetsDir}: files there are cached as immutable when their names carry a hash (Nuxt's are hashed); add a cacheControl rule to cache the whole folder`,
    )
  }

  /** Nitro's public output, once the main Nitro instance compiled in this run. */
  let finished: { publicDir: string; static: boolean } | undefined
  nuxt.hook('nitro:init', (nitro) => {
    nitro.hooks.hook('compiled', (n) => {
      if (!n.options.dev) finished = { publicDir: n.options.output.publicDir, static: n.options.static }
    })
  })
  nuxt.hook('close', async () => {
    const done = finished
    finished = undefined
    // No `compiled`: nothing was built (or a step failed, and threw before `close`).
    if (!done) return
    if (!done.static && !cdn.htmlAtOrigin) {
      return log.warn(
        `not deploying: pages are rendered by the Nitro server, not served from the CDN; use nuxi generate for a static site, set htmlAtOrigin: true (assets on the CDN through app.cdnURL), or deploy the public files yourself: npx cdn-deploy deploy ${done.publicDir}`,
      )
    }
    if (!cdn.deploy) return log.info('built for the CDN; not deploying (deploy: false)')
    // A throw here rejects Nuxt's build(), and nuxi exits 1 (citty's runMain): no exit-code trick needed.
    await deployFinalOutput(done.publicDir, cdn, options.rootDir, log)
  })
}

/** Nuxt reads the module's name (deduplication, devtools) and config key (`cdnDeploy: {…}`, `cdnDeploy: false` turns it off). */
cdnDeployModule.getMeta = async () => META

export default cdnDeployModule

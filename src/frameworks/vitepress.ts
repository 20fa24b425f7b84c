/**
 * VitePress (1.x, on Vite 5) under `cdn()`. `vitepress build` runs two Vite
 * builds with the same plugin objects — the client one into
 * `<srcDir>/.vitepress/dist`, then a server one into `.vitepress/.temp` —, then
 * renders every page to HTML, writes `vp-icons.css`, `hashmap.json` and the
 * sitemap, and last awaits the site's `buildEnd`. That is the one point where
 * the output is final, so the deploy runs there, after the user's own
 * `buildEnd` (which may still write, and whose failure must stop the deploy).
 * A failure before it (a page that throws, a dead link) exits 1 and never gets
 * there, so nothing is released. The client build's own closeBundle never deploys.
 *
 * URLs: VitePress renders its pages' tags, its router and the server build from
 * the site's `base` (`siteConfig.site.base`), while the client bundle's asset
 * URLs come from Vite's `base`; both get the path of the CDN URL (an absolute
 * Vite `base` breaks VitePress's client routing). There is no VitePress option
 * for an asset prefix alone, so HTML from an origin (`htmlAtOrigin`) is refused.
 * MPA mode (`mpa: true`) builds its client without the user's Vite plugins: the
 * plugin says so and does not deploy.
 */
import type { Plugin, ResolvedConfig } from 'vite'
import type { ResolvedCdnConfig } from '../config/types.js'
import { CdnDeployError } from '../errors.js'
import { deployFinalOutput, topology } from './shared.js'
import type { FrameworkHost, ViteFramework } from './types.js'

/** The parts of VitePress's SiteConfig the adapter reads or changes. */
export interface VitePressSite {
  site: { base: string }
  outDir: string
  mpa?: boolean
  buildEnd?: (siteConfig: VitePressSite) => unknown
  logger: { info(message: string): void; warn(message: string): void }
}

/** VitePress's own plugin, in every build it runs. */
const PLUGIN = 'vitepress'
/** Site configs whose buildEnd already deploys (VitePress resolves a Vite config per build). */
const wrapped = new WeakSet<object>()

/** The path base the whole site is served under on the CDN (`https://cdn/site/app/` → `/site/app/`). */
export function sitePathBase(cdn: ResolvedCdnConfig): string {
  const wanted = topology(cdn)
  if (wanted.kind === 'site') return wanted.base
  throw new CdnDeployError(
    'config',
    'htmlAtOrigin: true is not supported under VitePress: VitePress writes the script and stylesheet tags of its pages from the site base alone (it has no asset URL prefix option), ' +
      'so pages served from an origin would load their assets from the origin. Serve the whole site from the CDN (remove htmlAtOrigin); cdn() then sets the base and deploys the pages too',
  )
}

/** The base the client build needs, or a scoped error when the site's own base disagrees with the CDN. */
export function vitePressBase(cdn: ResolvedCdnConfig, current: string | undefined): string {
  const wanted = sitePathBase(cdn)
  if (current && current !== '/' && current !== wanted) {
    throw new CdnDeployError(
      'config',
      `VitePress base ${JSON.stringify(current)} (\`base\` in .vitepress/config or --base) does not match the CDN (the whole site at ${cdn.publicBase}: base ${JSON.stringify(wanted)}); remove it and cdn() sets it from cdn.config`,
    )
  }
  return wanted
}

/** Deploy the final output, after the user's buildEnd has succeeded. */
async function deployFinal(state: FrameworkHost, site: VitePressSite): Promise<void> {
  const config = state.config
  if (!state.active || !config) return
  if (!config.deploy) return state.info('[cdn-deploy] built for the CDN; not deploying (deploy: false)')
  const client = state.envs.get('client')
  if (!client?.written) return state.info(`[cdn-deploy] not deploying: the client build wrote no manifest; deploy with npx cdn-deploy deploy ${site.outDir}`)
  await deployFinalOutput(site.outDir, config, state.projectRoot, state, client.manifest)
}

/** VitePress, when its plugins are in the build. */
export function vitePress(plugins: Plugin[]): ViteFramework | undefined {
  if (!plugins.some((p) => p.name === PLUGIN)) return undefined
  return {
    name: 'VitePress',
    deploys: 'self',
    config(user, cdn) {
      // VitePress sets `build.ssr` itself; its server build takes the site base set below.
      if (user.build?.ssr) return undefined
      // `user.base` is the site's base here (VitePress passes `site.base`, from its config or --base).
      return { base: vitePressBase(cdn, user.base) }
    },
    configResolved(resolved: ResolvedConfig, state: FrameworkHost) {
      const site = (resolved as ResolvedConfig & { vitepress?: VitePressSite }).vitepress
      if (!site || !state.config?.enabled) return
      // Vite's logger is at 'warn' under VitePress; the site's logger prints info.
      state.info = (message) => site.logger.info(message)
      state.warn = (message) => site.logger.warn(message)
      // VitePress quiets Vite's logger to 'warn' for its own output; its site logger prints info.
      state.level = 'info'
      if (resolved.build.ssr) {
        if (site.mpa && !wrapped.has(site)) {
          wrapped.add(site)
          state.info(
            `[cdn-deploy] not deploying: VitePress MPA mode (mpa: true) builds its client without Vite plugins, so cdn() cannot prepare it; set base to ${JSON.stringify(sitePathBase(state.config))} and run npx cdn-deploy deploy ${site.outDir} after the build`,
          )
        }
        return
      }
      const base = sitePathBase(state.config)
      // A `vite.base` in the VitePress config is merged after our config hook.
      if (resolved.base !== base)
        throw new CdnDeployError(
          'config',
          `Vite base ${JSON.stringify(resolved.base)} (\`vite.base\` in .vitepress/config?) does not match the CDN (base ${JSON.stringify(base)}); remove it and cdn() sets it from cdn.config`,
        )
      // Read later for the pages' tags, __VP_SITE_DATA__ (the router) and the server build's base.
      site.site.base = base
      if (wrapped.has(site)) return
      wrapped.add(site)
      const userBuildEnd = site.buildEnd
      site.buildEnd = async (siteConfig) => {
        await userBuildEnd?.call(siteConfig, siteConfig)
        await deployFinal(state, siteConfig)
      }
    },
  }
}

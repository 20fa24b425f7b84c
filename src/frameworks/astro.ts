/**
 * Astro integration: `import cdnDeploy from 'vite-plugin-cdn-deploy/astro'`,
 * `integrations: [cdnDeploy()]`. Reads `cdn.config.*` at the project root like
 * `cdn()`, with the same inline options.
 *
 * URLs go through Astro's own options, never Vite's `base` (Astro owns it, and
 * its image pipeline breaks when a plugin changes it): `base` (the CDN URL's
 * path) for the whole site on the CDN, `build.assetsPrefix` (the absolute CDN
 * URL) for HTML from an origin server. They are set in `astro:config:setup`,
 * before Astro builds anything.
 *
 * The deploy runs in `astro:build:done`, Astro's last build hook: every page is
 * rendered and the adapter (first in Astro's list) has run; when integrations
 * listed after this one have that hook too (a sitemap, a search index writing
 * to dist/), it runs after theirs. Astro does not call it when a page fails to
 * render or a build step throws, so a failed build commits no release. `dir` is
 * the final output for the browser: `dist/` for a static site, the client
 * directory (`dist/client/`) beside an adapter's server bundle, which is never
 * published.
 *
 * No Vite plugin: Astro already hashes every file it emits under `_astro/` (the
 * deploy marks that folder immutable, src/plan/rules.ts) and minifies JS and
 * CSS, and it writes its HTML outside Vite's bundle, where `cdn()` could not see it.
 *
 * No runtime import from 'astro': the hook parameters are declared here, as
 * much of them as this file reads, so this package needs no Astro installed.
 */
import { fileURLToPath } from 'node:url'
import type { CdnPluginOptions, ResolvedCdnConfig } from '../config/types.js'
import { CdnDeployError } from '../errors.js'
import { deployFinalOutput, resolveForProject, topology } from './shared.js'

/** Astro's integration logger (it prefixes each line with the integration's name). */
export interface AstroLogger {
  info(message: string): void
  warn(message: string): void
}

/** The parts of Astro's resolved config this integration reads. */
export interface AstroConfigLike {
  root: URL
  base: string
  output: 'static' | 'server'
  trailingSlash?: 'always' | 'never' | 'ignore'
  adapter?: { name: string }
  build: { assetsPrefix?: string | Record<string, string> }
}

/** What this integration passes to Astro's `updateConfig`. */
export interface AstroConfigUpdate {
  base?: string
  build?: { assetsPrefix?: string }
  image?: { remotePatterns?: Array<{ protocol?: string; hostname?: string; port?: string }> }
}

/** An entry of Astro's integration list, as far as this file looks at it. */
export interface IntegrationEntry {
  name: string
  hooks: Partial<Record<string, unknown>>
}

export interface AstroIntegrationLike {
  name: string
  hooks: {
    'astro:config:setup': (options: {
      config: AstroConfigLike
      command: 'dev' | 'build' | 'preview' | 'sync'
      updateConfig: (config: AstroConfigUpdate) => unknown
      logger: AstroLogger
    }) => Promise<void>
    'astro:config:done': (options: { config: { integrations?: IntegrationEntry[] }; buildOutput: 'static' | 'server' }) => void
    'astro:build:setup': (options: { vite: { mode?: string }; logger: AstroLogger }) => Promise<void>
    'astro:build:done': (options: { dir: URL; logger: AstroLogger }) => Promise<void>
  }
}

const NAME = 'cdn-deploy'
const slashless = (path: string) => path.replace(/\/+$/, '') || '/'
const TOPOLOGY = { site: 'the whole site on the CDN', assets: 'HTML at your origin, assets on the CDN (htmlAtOrigin: true)' }

/**
 * The config changes Astro needs for the CDN, or a scoped error when the user's
 * astro.config already sets `base` or `build.assetsPrefix` to something else.
 */
export function astroUrls(cdn: ResolvedCdnConfig, astro: AstroConfigLike): AstroConfigUpdate {
  const wanted = topology(cdn)
  const clash = (option: string, current: unknown, want: string) =>
    new CdnDeployError(
      'config',
      `astro.config ${option}: ${JSON.stringify(current)} does not match the CDN (${TOPOLOGY[wanted.kind]}: ${option} ${JSON.stringify(want)}); remove it and cdnDeploy() sets it from cdn.config`,
    )
  const prefix = astro.build.assetsPrefix
  if (wanted.kind === 'site') {
    // Astro normalizes `base` when it validates the config, which an update skips: pass it as Astro would have.
    const base = astro.trailingSlash === 'never' ? slashless(wanted.base) : wanted.base
    if (slashless(astro.base) !== '/' && slashless(astro.base) !== slashless(base)) throw clash('base', astro.base, base)
    // Assets on another host would not be the ones this deploy uploads with the pages.
    if (prefix !== undefined && prefix !== cdn.publicBase.replace(/\/$/, '')) throw clash('build.assetsPrefix', prefix, '(unset)')
    return { base }
  }
  if (prefix !== undefined && prefix !== wanted.assetsPrefix) throw clash('build.assetsPrefix', prefix, wanted.assetsPrefix)
  const update: AstroConfigUpdate = { build: { assetsPrefix: wanted.assetsPrefix } }
  // Pages rendered on demand optimize images through /_image, which then fetches
  // the source image from the CDN: Astro fetches only from allowed hosts.
  if (astro.output === 'server' || astro.adapter) {
    const url = new URL(wanted.assetsPrefix)
    update.image = { remotePatterns: [{ protocol: url.protocol.slice(0, -1), hostname: url.hostname, ...(url.port ? { port: url.port } : {}) }] }
  }
  return update
}

type BuildDone = (options: { dir: URL; logger: AstroLogger }) => Promise<void>

/**
 * The Astro integration. Acts only in `astro build`: `astro dev`, `preview`
 * and `sync` are left alone.
 * @param options inline options over `cdn.config.*` (found at the project root, or `configFile`)
 */
export default function cdnDeploy(options: CdnPluginOptions = {}): AstroIntegrationLike {
  /** Set in a build with the CDN enabled. */
  let cdn: ResolvedCdnConfig | undefined
  let root = process.cwd()
  let serverOutput = false
  /** The integration list, and the deploy step appended to it when integrations after this one still write output. */
  let integrations: IntegrationEntry[] = []
  let tail: IntegrationEntry | undefined

  const deploy: BuildDone = async ({ dir, logger }) => {
    if (!cdn) return
    if (!cdn.deploy) return logger.info('built for the CDN; not deploying (deploy: false)')
    const out = fileURLToPath(dir)
    if (serverOutput && !cdn.htmlAtOrigin) {
      return logger.warn(
        `not deploying: pages rendered on demand come from your server, not the CDN; set htmlAtOrigin: true (assets on the CDN through build.assetsPrefix), or deploy the client files yourself: npx cdn-deploy deploy ${out}`,
      )
    }
    await deployFinalOutput(out, cdn, root, logger)
  }

  const self: AstroIntegrationLike = {
    name: NAME,
    hooks: {
      async 'astro:config:setup'({ config, command, updateConfig, logger }) {
        // One state per build: a script may run Astro's build() twice with this instance.
        cdn = tail = undefined
        if (command !== 'build') return
        root = fileURLToPath(config.root)
        // Astro names its mode (`astro build --mode`) only to Vite, after the URLs are
        // fixed; CDN_ENV names it here, and astro:build:setup checks that they agree.
        const resolved = await resolveForProject(root, options, process.env.CDN_ENV || 'production')
        if (!resolved.enabled) {
          logger.info('disabled (enabled: false or CDN_ENABLED=0): building without the CDN, not deploying')
          return
        }
        updateConfig(astroUrls(resolved, config))
        cdn = resolved
      },

      'astro:config:done'({ config, buildOutput }) {
        serverOutput = buildOutput === 'server'
        if (!cdn) return
        // Astro runs each integration's astro:build:done in list order, and those after
        // this one may still write to dist/ there: then the deploy runs from a step
        // appended to the list (appended, not moved, so the loop now running over the
        // list skips no one). Astro's config validation copies each entry but not the
        // hook functions: ours is found by one.
        integrations = config.integrations ?? []
        const at = integrations.findIndex((entry) => entry.hooks['astro:config:done'] === self.hooks['astro:config:done'])
        if (at >= 0 && integrations.slice(at + 1).some((entry) => typeof entry.hooks['astro:build:done'] === 'function')) {
          tail = { name: NAME, hooks: { 'astro:build:done': deploy } }
          integrations.push(tail)
        }
      },

      async 'astro:build:setup'({ vite }) {
        const mode = vite.mode
        if (!cdn || process.env.CDN_ENV || !mode || mode === cdn.mode) return
        const again = await resolveForProject(root, options, mode)
        const same = again.enabled && again.publicBase === cdn.publicBase && again.htmlAtOrigin === cdn.htmlAtOrigin
        if (!same)
          throw new CdnDeployError(
            'config',
            `astro build --mode ${mode}: cdn.config environments.${mode} changes the CDN URL (or turns the CDN off), which Astro fixes before it names the mode to integrations; run it as CDN_ENV=${mode} astro build --mode ${mode}`,
          )
        cdn = again
      },

      async 'astro:build:done'(params) {
        // Deferred to the appended step, as long as Astro still lists it.
        if (tail && integrations.includes(tail)) return
        await deploy(params)
      },
    },
  }
  return self
}

/**
 * React Router framework mode (`reactRouter()` from @react-router/dev: 8.x, and
 * 7.x with or without `future.v8_viteEnvironmentApi`) under `cdn()`.
 *
 * With Vite's builder (8.x, 7.x with the flag), React Router builds the client
 * and the server environments in its own `buildApp`, then writes the SPA
 * `index.html` and the prerendered pages, then calls the config's `buildEnd`;
 * the deploy runs after all of it, at the end of Vite's buildApp, on the client
 * environment's outDir (`build/client`). Any of those steps failing rejects
 * buildApp before our step: nothing is deployed.
 *
 * React Router 7 without the flag (the 7.x default): `react-router build`
 * resolves the Vite config once (the "CLI resolve"), then runs two separate
 * `vite.build()` calls — client, then server, each evaluating vite.config anew,
 * so each with its own `cdn()` instance —, the server one prerendering and
 * writing the SPA HTML in its `writeBundle`; then the CLI removes Vite's
 * manifests and calls the `buildEnd` of the React Router config it read from the
 * CLI resolve's plugin context. No Vite hook follows, but that `buildEnd` is the
 * last step: in the CLI resolve the adapter hands React Router a `buildEnd` that
 * runs the user's, then deploys `build/client` (the client build's manifest
 * read from disk, as that build ran in another instance). A failed build,
 * prerender or user `buildEnd` never reaches the deploy. Each `vite.build()`
 * also passes the CLI's context along; the adapter checks that it carries the
 * adapter's `buildEnd` (else it does not deploy, and says so).
 *
 * URLs: React Router takes its `publicPath` from the Vite `base` it is given (so
 * cdn:config, `enforce: 'pre'`, returns it, in every build: a path base for the
 * whole site on the CDN, the absolute CDN URL for HTML at an origin), and
 * routes under its own `basename` (react-router.config.ts). React Router has no
 * public way to set the basename from a plugin; it keeps its resolved config on
 * the private plugin context it hands to Vite (`__reactRouterPluginContext`),
 * where an unset basename is filled in from cdn.config (a set one must agree
 * with it). In a 7.x `vite.build()` Vite merges the CLI's context with the
 * plugin's into a copy React Router never reads; React Router takes only the
 * route manifest from the CLI's (which, with `ssr: false`, it computes the same
 * itself), so the adapter removes it before React Router's config hook runs,
 * and the basename set on the context reaches the server bundle and the pages.
 */
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import type { Plugin, ResolvedConfig } from 'vite'
import { MANIFEST_PATH, readBuildManifest } from '../emit/manifest.js'
import type { ResolvedCdnConfig } from '../config/types.js'
import { CdnDeployError } from '../errors.js'
import { listFiles } from '../walk.js'
import { deployFinalOutput, topology } from './shared.js'
import type { FrameworkHost, ViteFramework } from './types.js'

/** The part of React Router's resolved config (deep-frozen) that matters here. */
export interface RouterConfig {
  basename: string
  ssr: boolean
  buildDirectory: string
  future?: Record<string, unknown>
  buildEnd?: (args: unknown) => unknown
}
interface RouterContext {
  reactRouterConfig?: RouterConfig
}
/** What React Router 7's CLI passes to each of its `vite.build()` calls (no Vite builder). */
interface LegacyBuildConfig {
  __reactRouterPluginContext?: RouterContext
  __reactRouterEnvironmentBuildContext?: unknown
}

/**
 * Marks the `buildEnd` the adapter hands React Router's CLI in a 7.x build
 * without the Vite builder (the deploy step); `setsBasename`: the builds must
 * route under the basename cdn() sets.
 */
const LEGACY_DEPLOY = Symbol.for('vite-plugin-cdn-deploy.react-router.deploy')
interface LegacyMark {
  setsBasename: boolean
}
type MarkedBuildEnd = ((args: unknown) => Promise<void>) & { [LEGACY_DEPLOY]?: LegacyMark }

const LEGACY_HINT =
  "React Router 7 without future.v8_viteEnvironmentApi deploys from `react-router build`'s last step, and this build did not run cdn()'s there; add `future: { v8_viteEnvironmentApi: true }` to react-router.config.ts, or deploy when the build is done: npx cdn-deploy deploy build/client"

/** A basename without its trailing slash, for comparing `/app` with `/app/`. */
const trimmed = (path: string) => (path.length > 1 ? path.replace(/\/+$/, '') : path)

/** React Router 7 building the client and the server in two `vite.build()` calls (no Vite builder). */
export function isLegacyBuild(config: Pick<RouterConfig, 'future'>): boolean {
  const future = config.future ?? {}
  const flags = ['v8_viteEnvironmentApi', 'unstable_viteEnvironmentApi'].filter((flag) => flag in future)
  return flags.length > 0 && !flags.some((flag) => future[flag] === true)
}

/** The Vite `base` React Router must build with: the path of the CDN URL, or the whole URL for HTML at an origin. */
export function viteBase(cdn: ResolvedCdnConfig): string {
  const where = topology(cdn)
  return where.kind === 'site' ? where.base : cdn.publicBase
}

/**
 * The basename cdn() sets, or `undefined` to keep the user's. The whole site on
 * the CDN routes under the CDN URL's path; HTML at an origin keeps its own routes.
 * React Router's default basename `/` counts as unset.
 */
export function basenameFor(cdn: ResolvedCdnConfig, current: string): string | undefined {
  if (cdn.htmlAtOrigin) return undefined
  const wanted = viteBase(cdn)
  if (trimmed(current) === trimmed(wanted)) return undefined
  if (current === '/') return wanted
  throw new CdnDeployError(
    'config',
    `react-router.config.ts basename ${JSON.stringify(current)} does not match the CDN (the whole site on the CDN at ${cdn.publicBase}: basename ${JSON.stringify(wanted)}); set basename: '${wanted}', or remove it and cdn() sets it`,
  )
}

/**
 * React Router writes prerendered pages at their URL path including the
 * basename (`build/client/<basename>/about/index.html`, remix-run/react-router#14587)
 * while the assets, and the CDN prefix, start at `build/client/`. Move them up
 * to where their URLs point. When the prerendered home page comes up, the SPA
 * fallback React Router named `index.html` (it found none) becomes
 * `__spa-fallback.html`, as React Router names it when it finds one.
 * Returns the files moved (relative to `client`), or [] when nothing was nested.
 */
export async function flattenBasename(client: string, basename: string): Promise<string[]> {
  const segments = basename.split('/').filter(Boolean)
  if (segments.length === 0) return []
  const nested = join(client, ...segments)
  const files = await listFiles(nested)
  if (files.length === 0) return []
  const top = (rel: string) => join(client, rel)
  const fallbackRenamed = files.includes('index.html') && existsSync(top('index.html')) && !existsSync(top('__spa-fallback.html'))
  const clashes = files.filter((rel) => existsSync(top(rel)) && !(fallbackRenamed && rel === 'index.html'))
  if (clashes.length > 0) {
    throw new CdnDeployError(
      'build',
      `React Router wrote pages under ${relative(process.cwd(), nested)}/ (its basename) that would replace ${clashes.map((rel) => relative(process.cwd(), top(rel))).join(', ')} once moved to where their URLs point; rename the route or the file`,
    )
  }
  if (fallbackRenamed) await rename(top('index.html'), top('__spa-fallback.html'))
  // Out of the way first: a route may share its name with the basename's first segment.
  const parked = join(client, `.cdn-deploy-basename-${process.pid}`)
  await rename(nested, parked)
  for (let depth = segments.length - 1; depth > 0; depth--) {
    const dir = join(client, ...segments.slice(0, depth))
    if ((await readdir(dir)).length > 0) break
    await rmdir(dir)
  }
  for (const rel of files) {
    await mkdir(dirname(top(rel)), { recursive: true })
    await rename(join(parked, rel), top(rel))
  }
  await rm(parked, { recursive: true, force: true })
  return files
}

/** Move the prerendered pages out of `<pages>/<basename>/`, and say so when there were any. */
async function flattenPages(state: FrameworkHost, root: string, pages: string, basename: string): Promise<void> {
  const moved = await flattenBasename(pages, basename)
  if (moved.length > 0) {
    state.info(
      `[cdn-deploy] React Router wrote ${moved.length} prerendered file${moved.length === 1 ? '' : 's'} under ${relative(root, pages)}${basename.replace(/\/?$/, '/')} (its basename; remix-run/react-router#14587): moved them up to where their URLs under ${state.config!.publicBase} point`,
    )
  }
}

/**
 * The page a visitor gets at the site's URL routes under `basename`: the SPA
 * fallback React Router rendered (`__spa-fallback.html`, else `index.html`)
 * carries it in `window.__reactRouterContext`. Checked before a 7.x deploy,
 * where the basename reaches the server build through React Router's internals.
 */
export async function routesUnder(client: string, basename: string): Promise<boolean> {
  for (const name of ['__spa-fallback.html', 'index.html']) {
    const html = await readFile(join(client, name), 'utf8').catch(() => undefined)
    if (html !== undefined) return html.includes(`"basename":${JSON.stringify(basename)}`)
  }
  return false
}

/**
 * React Router 7 without the builder: the last step of `react-router build`,
 * after the user's `buildEnd`. Both `vite.build()` calls resolved (else the CLI
 * would not be here); the client one ran in another `cdn()` instance, so its
 * manifest is read from disk, and must have been written in this build.
 */
async function deployLegacy(state: FrameworkHost, router: RouterConfig, client: string, basename: string, since: number): Promise<void> {
  const config = state.config
  if (!state.active || !config) return
  const dir = relative(process.cwd(), client) || '.'
  if (!config.deploy) return state.info('[cdn-deploy] built for the CDN; not deploying (deploy: false)')
  // mtime has a 1–2 s resolution on some filesystems: a manifest from an earlier build is far older.
  const written = await stat(join(client, MANIFEST_PATH)).then(
    (s) => s.mtimeMs >= since - 2000,
    () => false,
  )
  const manifest = written ? await readBuildManifest(client) : undefined
  if (!manifest)
    return state.info(
      `[cdn-deploy] not deploying: the client build wrote no ${MANIFEST_PATH} to ${dir} in this build; deploy with npx cdn-deploy deploy ${dir}`,
    )
  if (!router.ssr && !(await routesUnder(client, basename))) {
    return state.info(
      `[cdn-deploy] not deploying: React Router's SPA page in ${dir} does not route under the basename ${JSON.stringify(basename)} (this React Router version did not take it from cdn()); add basename: '${basename}' to react-router.config.ts, or future: { v8_viteEnvironmentApi: true }`,
    )
  }
  await deployFinalOutput(client, config, state.projectRoot, state, manifest)
}

/** React Router's own plugin (framework mode; the RSC plugin, `react-router/rsc`, is another). */
const PLUGIN = 'react-router'

/** The adapter when React Router framework mode is among the user's plugins. */
export function reactRouter(plugins: readonly Plugin[]): ViteFramework | undefined {
  if (!plugins.some((plugin) => plugin.name === PLUGIN)) return undefined
  /** Where React Router writes its pages, and where the client environment writes its files. */
  const dirs: { pages?: string; client?: string } = {}
  /**
   * In one of React Router 7's `vite.build()` calls (no builder): whether the
   * CLI's context passed in carries the adapter's deploy step (`held`) or not.
   */
  let legacyRun: { held: boolean } | undefined
  const framework: ViteFramework = {
    name: 'React Router',
    deploys: 'buildApp',

    config(user, cdn) {
      const base = viteBase(cdn)
      if (user.base !== undefined && user.base !== base) {
        const topologyName = cdn.htmlAtOrigin ? 'HTML at your origin, assets on the CDN (htmlAtOrigin: true)' : 'the whole site on the CDN'
        throw new CdnDeployError(
          'config',
          `vite.config base ${JSON.stringify(user.base)} does not match the CDN (${topologyName}: base ${JSON.stringify(base)}); remove it and cdn() sets it`,
        )
      }
      const legacy = user as LegacyBuildConfig
      if (legacy.__reactRouterEnvironmentBuildContext) {
        const mark = (legacy.__reactRouterPluginContext?.reactRouterConfig?.buildEnd as MarkedBuildEnd | undefined)?.[LEGACY_DEPLOY]
        legacyRun = { held: !!mark }
        // Before React Router's config hook reads it: without it, the resolved
        // context is React Router's own, where the basename below takes effect.
        if (mark?.setsBasename) delete legacy.__reactRouterPluginContext
      }
      // Returned for the server build too: React Router renders its script and link tags from it.
      return { base }
    },

    configResolved(resolved: ResolvedConfig, state) {
      const cdn = state.config!
      const context = (resolved as unknown as { __reactRouterPluginContext?: RouterContext }).__reactRouterPluginContext
      const router = context?.reactRouterConfig
      if (!context || !router || typeof router.basename !== 'string') {
        throw new CdnDeployError(
          'config',
          "React Router's plugin context (__reactRouterPluginContext) carries no config: this React Router version is not supported by cdn(); remove cdn() and deploy after the build: npx cdn-deploy deploy build/client",
        )
      }
      if (!cdn.htmlAtOrigin && router.ssr !== false) {
        throw new CdnDeployError(
          'config',
          `React Router renders pages on a server (ssr: true in react-router.config.ts), so the whole site cannot be served from the CDN: set ssr: false (SPA mode, prerendering), or htmlAtOrigin: true to serve the pages from your server and the assets from ${cdn.publicBase}`,
        )
      }
      const basename = basenameFor(cdn, router.basename)
      const effective = basename ?? router.basename
      const pages = join(router.buildDirectory, 'client')
      if (isLegacyBuild(router)) {
        if (legacyRun?.held) {
          // One of the two builds: it routes under the basename; the CLI's last step deploys.
          if (basename) context.reactRouterConfig = { ...router, basename }
          framework.deploys = 'self'
          return
        }
        if (legacyRun) {
          if (basename)
            throw new CdnDeployError(
              'config',
              `the whole site on the CDN at ${cdn.publicBase} needs React Router's basename ${JSON.stringify(basename)}: add basename: '${basename}' to react-router.config.ts, or future: { v8_viteEnvironmentApi: true } (then cdn() sets it, and deploys)`,
            )
          Object.assign(framework, { deploys: 'integration', hint: LEGACY_HINT })
          return
        }
        // The CLI's resolve: React Router's CLI calls this context's buildEnd after both builds.
        // (Under a plain `vite build` nothing calls it: the plugin says so at the end of buildApp.)
        const since = Date.now()
        const buildEnd: MarkedBuildEnd = async (args) => {
          if (!cdn.htmlAtOrigin) await flattenPages(state, resolved.root, pages, effective)
          await router.buildEnd?.(args)
          await deployLegacy(state, router, pages, effective, since)
        }
        buildEnd[LEGACY_DEPLOY] = { setsBasename: !!basename }
        context.reactRouterConfig = { ...router, basename: effective, buildEnd }
        Object.assign(framework, { deploys: 'integration', hint: LEGACY_HINT })
        return
      }
      const client = resolved.environments?.client?.build.outDir
      if (client) dirs.client = resolve(resolved.root, client)
      dirs.pages = pages
      if (cdn.htmlAtOrigin) return
      context.reactRouterConfig = {
        ...router,
        basename: effective,
        // React Router's last step, after the SPA fallback and the prerendered pages are written.
        async buildEnd(args: unknown) {
          await flattenPages(state, resolved.root, pages, effective)
          await router.buildEnd?.(args)
        },
      }
    },

    finalDir() {
      if (!dirs.client) return { why: 'React Router built no client environment: nothing to deploy' }
      if (dirs.pages && dirs.pages !== dirs.client)
        return {
          why: `React Router wrote its pages to ${dirs.pages} and the client build to ${dirs.client}: deploy the one directory holding both with npx cdn-deploy deploy <dir>`,
        }
      return { dir: dirs.client }
    },
  }
  return framework
}

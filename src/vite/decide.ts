/**
 * Whether the plugin deploys at this point of the build, and if not, why — in
 * one line, so the plugin is never silently inert. Pure: the hooks gather the
 * facts, this decides, and the table in test/unit/decide.test.ts reads it.
 *
 * The rule: deploy once, on the final output, after everything that writes it.
 * - Under Vite's builder (`vite build` on Vite 7+) that is the end of `buildApp`,
 *   unless a plugin after ours still has a `buildApp` step to run (it may write
 *   more: prerendered pages, an adapter's output), or a framework the plugin
 *   knows deploys from its own last hook.
 * - Without the builder (Vite 5/6's `vite build`, plain Rollup) it is the end of
 *   the client build (`closeBundle`, once every `writeBundle` has succeeded).
 * - Vite 7+ without the builder means a framework or script started the build
 *   through Vite's `build()` API and may write more after it returns: never deploy then.
 */

export type Trigger = 'closeBundle' | 'buildApp'

export interface DeployFacts {
  trigger: Trigger
  /** `deploy` in the resolved config. */
  deploy: boolean
  watchMode: boolean
  /** Plain Rollup (no Vite hook ran). */
  rollup: boolean
  /** Vite's major version when Vite says (7+), else undefined (Vite 5/6). */
  viteMajor: number | undefined
  /** Vite's builder runs the whole app (our buildApp hook ran). */
  appBuild: boolean
  /** A known framework and who deploys there. */
  framework?: { name: string; deploys: 'self' | 'integration' | 'buildApp'; hint?: string }
  /** Client environments whose build finished in this run. */
  clientBuilds: number
  /** Output directory of the client build, for the messages. */
  outDir?: string
  /** Plugins whose `buildApp` step runs after ours. */
  laterBuildApp: readonly string[]
  /** Server environments built in this run (buildApp only). */
  serverBuilds?: number
  /** `htmlAtOrigin`: a server renders the pages, only assets go to the CDN. */
  htmlAtOrigin?: boolean
}

export type Decision = { deploy: true } | { deploy: false; why?: string }

const by = (dir: string | undefined) => `npx cdn-deploy deploy ${dir ?? '<output dir>'}`

export function decideDeploy(f: DeployFacts): Decision {
  // Waiting for a later point is not a decision worth a line: that point decides.
  if (f.trigger === 'closeBundle' && f.appBuild) return { deploy: false }
  if (f.framework?.deploys === 'self') return { deploy: false }
  if (f.framework?.deploys === 'integration') {
    return f.trigger === 'buildApp' || !f.appBuild
      ? { deploy: false, why: `not deploying from the Vite plugin under ${f.framework.name}: ${f.framework.hint ?? 'use the integration'}` }
      : { deploy: false }
  }
  if (!f.deploy) return { deploy: false, why: 'built for the CDN; not deploying (deploy: false)' }
  if (f.watchMode) return { deploy: false, why: 'watch mode: built for the CDN, not deploying' }
  if (f.trigger === 'closeBundle' && !f.rollup && (f.viteMajor ?? 0) >= 7) {
    return {
      deploy: false,
      why: `not deploying: this build was started through Vite's build() API, not \`vite build\`, so more may still be written to ${f.outDir ?? 'the output'}; deploy when it is complete: ${by(f.outDir)}`,
    }
  }
  if (f.clientBuilds === 0) return { deploy: false, why: 'no client build in this run (a server build only): nothing to deploy' }
  if (f.clientBuilds > 1)
    return { deploy: false, why: `${f.clientBuilds} client environments were built: deploy each output directory with npx cdn-deploy deploy <dir>` }
  // A whole site on the CDN whose build also made a server bundle: an SSG step of a
  // framework the plugin does not know may render the pages after this point.
  if (f.trigger === 'buildApp' && !f.framework && !f.htmlAtOrigin && (f.serverBuilds ?? 0) > 0) {
    return {
      deploy: false,
      why: `not deploying: this build also made a server bundle, and a framework may still render pages from it; deploy the final output when the build is done (${by(f.outDir)}), or set htmlAtOrigin: true if your server renders the pages`,
    }
  }
  if (f.trigger === 'buildApp' && f.laterBuildApp.length > 0 && f.framework?.deploys !== 'buildApp') {
    return {
      deploy: false,
      why: `not deploying: ${f.laterBuildApp.join(', ')} still build${f.laterBuildApp.length === 1 ? 's' : ''} after this point and may write more output; deploy when the build is done: ${by(f.outDir)}`,
    }
  }
  return { deploy: true }
}

/**
 * What the framework integrations (Astro, Nuxt) share with the Vite plugin:
 * reading `cdn.config.*` from the project root with the same inline options,
 * the two URL topologies, and one deploy of the final output with progress.
 * No framework is imported here: the integrations are plain objects and
 * functions, so this package needs none of them installed.
 */
import type { CdnPluginOptions, ResolvedCdnConfig } from '../config/types.js'
import type { CdnManifest } from '../emit/manifest.js'
import { findConfigFile, loadConfigFile } from '../config/load.js'
import { resolveConfig } from '../config/resolve.js'
import type { DeployReport } from '../deploy/report.js'

export interface IntegrationLog {
  info(message: string): void
  warn(message: string): void
  /** How much deploy progress to print (Vite's `logLevel` under the plugin). @default 'info' */
  level?: 'info' | 'warn' | 'error' | 'silent'
}

/** `cdn.config.*` at the project root (or `configFile`), resolved for the mode, inline options over the file. */
export async function resolveForProject(root: string, options: CdnPluginOptions, mode: string | undefined): Promise<ResolvedCdnConfig> {
  const { configFile, ...inline } = options
  const file = configFile === undefined ? await findConfigFile(root, root) : await loadConfigFile(root, configFile)
  const source = file.path ? `${file.path}${Object.keys(inline).length ? ' + inline options' : ''}` : 'inline options'
  return resolveConfig({ file: file.config, inline, mode, source })
}

/**
 * The URL options a framework needs for the configured topology:
 * - the whole site on the CDN (default): a path base, the path of the public
 *   base URL (`https://cdn.example.com/app/` → `/app/`), so routers and
 *   root-relative URLs work under it;
 * - HTML from an origin (`htmlAtOrigin: true`): the absolute asset URL prefix,
 *   the public base without its trailing slash, as frameworks want it.
 */
export function topology(config: ResolvedCdnConfig): { kind: 'site'; base: string } | { kind: 'assets'; assetsPrefix: string } {
  if (config.htmlAtOrigin) return { kind: 'assets', assetsPrefix: config.publicBase.replace(/\/$/, '') }
  return { kind: 'site', base: new URL(config.publicBase).pathname }
}

/**
 * Deploy the final output once, with the console progress, and log the summary.
 * `manifest`: the client build's, whose paths are those of `dir` (frameworks copy
 * the client files under the same paths); without it `<dir>/.vite/` is read.
 */
export async function deployFinalOutput(
  dir: string,
  config: ResolvedCdnConfig,
  root: string,
  log: IntegrationLog,
  manifest?: CdnManifest,
): Promise<DeployReport> {
  const [{ deploy }, { createConsoleReporter }, { summaryText }] = await Promise.all([
    import('../deploy/lazy.js'),
    import('../deploy/progress.js'),
    import('../deploy/report.js'),
  ])
  const report = await deploy({ dir, config, root, ...(manifest ? { manifest } : {}), reporter: createConsoleReporter(log.level ? { level: log.level } : {}) })
  log.info(summaryText(report))
  return report
}

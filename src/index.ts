/**
 * vite-plugin-cdn-deploy: the public API.
 *
 * ```ts
 * import cdn from 'vite-plugin-cdn-deploy'
 * export default defineConfig({ plugins: [cdn()] })
 * ```
 */
import { cdn } from './vite/index.js'

export default cdn
export { cdn }
export type { CdnPlugins } from './vite/index.js'
export { defineCdnConfig, DEFAULTS } from './config/types.js'
export type {
  CdnOptions,
  CdnPluginOptions,
  CdnUserConfig,
  DeployFileOptions,
  HeaderRule,
  ServableStorageClass,
  MinifyOptions,
  ProviderOptions,
  ResolvedCdnConfig,
  RetainOptions,
  StorageOptions,
} from './config/types.js'
// The built-in providers' options by name (`ProviderOptions` is their union).
export type { CloudFrontProviderOptions } from './providers/cloudfront.js'
export type { CloudflareProviderOptions } from './providers/cloudflare.js'
export type { GenericProviderOptions } from './providers/generic.js'
export type { NoProviderOptions } from './providers/none.js'
// For your own provider: the adapter interface (test it with vite-plugin-cdn-deploy/testing).
export type { CdnProvider, InvalidateContext, InvalidationResult } from './providers/types.js'
export { resolveConfig, type ResolveInput } from './config/resolve.js'
export { loadConfigFile } from './config/load.js'
export { CdnDeployError } from './errors.js'
export { MANIFEST_PATH, readBuildManifest, type CdnManifest, type ManifestEntry, type ManifestFile } from './emit/manifest.js'
export { CACHE } from './plan/rules.js'
export { deploy, rollback, type DeployOptions, type RollbackOptions } from './deploy/lazy.js'
export type { DeployReport } from './deploy/report.js'
export { summaryText, summaryMarkdown } from './deploy/report.js'
export { createConsoleReporter, type DeployReporter } from './deploy/progress.js'
export { createPlan } from './plan/plan.js'
export type { DeployPlan, Ledger, LedgerEntry, LocalFile, PlannedUpload, Release, ReleaseRecord } from './plan/types.js'
export { scanDir } from './deploy/scan.js'

/**
 * The deploy engine behind a dynamic import. The plugin's entry and its build
 * hooks must not load the S3 SDK (about 200 ms of module loading) on every
 * `vite build`, deploy or not: the bench's build scenario measures it. Static
 * re-exports would load it, so the public `deploy()` is this thin wrapper.
 */
import type { DeployOptions } from './index.js'
import type { DeployReport } from './report.js'

export type { DeployOptions }

/** Scan, plan and ship a build directory; see `./index.ts` for the steps. */
export async function deploy(options: DeployOptions): Promise<DeployReport> {
  const engine = await import('./index.js')
  return engine.deploy(options)
}

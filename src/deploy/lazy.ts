/**
 * The public `deploy()`: the API edge. It loads the engine behind a dynamic
 * import (the plugin's entry and its build hooks must not load the S3 SDK,
 * about 200 ms of module loading, on every `vite build`), and writes what the
 * engine does not: the JSON report file and the CI step summary. The Vite
 * plugin and programmatic users call this; the CLI too.
 */
import type { DeployInternals, DeployOptions } from './options.js'
import { CdnDeployError } from '../errors.js'
import { writeReportOutputs, type DeployReport } from './report.js'

export type { DeployOptions }

/** Scan, plan and ship a build directory; see `./index.ts` for the steps. */
export async function deploy(options: DeployOptions): Promise<DeployReport> {
  return deployWith(options)
}

/**
 * `deploy()` with test seams (`env`, `now`, storage tuning, a purge step).
 * @internal not part of the public API; tests and benchmarks only.
 */
export async function deployWith(options: DeployOptions, internals: DeployInternals = {}): Promise<DeployReport> {
  const engine = await import('./index.js')
  const { report, error } = await engine.deployWith(options, internals)
  try {
    await writeReportOutputs(report, options.reportFile, internals.env ?? process.env)
  } catch (cause) {
    const state = report.committed ? `release ${report.release} is live` : 'the deploy itself finished'
    throw new CdnDeployError('deploy', `${state}, but its report could not be written: ${(cause as Error)?.message ?? String(cause)}`, { cause })
  }
  if (error) throw error
  return report
}

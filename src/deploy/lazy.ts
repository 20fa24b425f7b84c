/**
 * The public `deploy()` and `rollback()`: the API edge. It loads the engine behind a dynamic
 * import (the plugin's entry and its build hooks must not load the S3 SDK,
 * about 200 ms of module loading, on every `vite build`), and writes what the
 * engine does not: the JSON report file and the CI step summary. The Vite
 * plugin and programmatic users call this; the CLI too.
 */
import { CdnDeployError } from '../errors.js'
import type { DeployInternals, DeployOptions, DeployOutcome } from './options.js'
import { writeReportOutputs, type DeployReport } from './report.js'
import type { RollbackOptions } from './rollback.js'

export type { DeployOptions, RollbackOptions }

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
  return finish(await engine.deployWith(options, internals), options.reportFile, internals)
}

/** Serve an earlier release again (default: the one before the live one); see `./rollback.ts`. */
export async function rollback(options: RollbackOptions = {}): Promise<DeployReport> {
  return rollbackWith(options)
}

/** `rollback()` with test seams. @internal */
export async function rollbackWith(options: RollbackOptions, internals: DeployInternals = {}): Promise<DeployReport> {
  const engine = await import('./rollback.js')
  return finish(await engine.rollbackWith(options, internals), options.reportFile, internals)
}

/** The edge's part: the report file and the step summary, then the error of a live but unpurged release. */
async function finish({ report, error }: DeployOutcome, reportFile: string | undefined, internals: DeployInternals): Promise<DeployReport> {
  try {
    await writeReportOutputs(report, reportFile, internals.env ?? process.env)
  } catch (cause) {
    const state = report.committed ? `release ${report.release} is live` : 'the deploy itself finished'
    throw new CdnDeployError('deploy', `${state}, but its report could not be written: ${(cause as Error)?.message ?? String(cause)}`, { cause })
  }
  if (error) throw error
  return report
}

/**
 * Every error the library throws starts with its scope and keeps its cause, so a
 * user sees at once which part failed (`[cdn-deploy] [s3] …`) and a debugger can
 * still reach the SDK error underneath. Library code throws; only the CLI prints.
 */
import { redact } from './secrets.js'

/** A part of the package, or a provider's `type` (the built-in ones are listed; a new provider uses its own). */
export type ErrorScope =
  | 'config'
  | 'vite'
  | 'build'
  | 'manifest'
  | 'scan'
  | 'plan'
  | 's3'
  | 'deploy'
  | 'lock'
  | 'cloudfront'
  | 'cloudflare'
  | 'generic'
  | 'cli'
  | 'runtime'
  | (string & {})

export class CdnDeployError extends Error {
  override readonly name = 'CdnDeployError'
  readonly scope: ErrorScope
  /** One line per problem, for errors that gather several (config validation). */
  readonly problems: readonly string[]

  constructor(scope: ErrorScope, message: string, options: { cause?: unknown; problems?: readonly string[] } = {}) {
    // Every message goes through the redaction registry: no known secret survives in it.
    super(redact(`[cdn-deploy] [${scope}] ${message}`), options.cause === undefined ? undefined : { cause: options.cause })
    this.scope = scope
    this.problems = (options.problems ?? [message]).map((problem) => redact(problem))
  }
}

/** A config error listing every problem found, one per line. */
export function configError(problems: readonly string[], source: string): CdnDeployError {
  const head = problems.length === 1 ? `invalid config (${source}): ` : `${problems.length} problems in config (${source}):\n  - `
  return new CdnDeployError('config', head + problems.join('\n  - '), { problems })
}

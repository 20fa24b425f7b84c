/**
 * Exit codes, error printing and secret scrubbing: the light part of the CLI
 * context, loaded before any command (no SDK, no config schema).
 */
import { CdnDeployError } from '../errors.js'
import { printable } from '../printable.js'
import { redact } from '../secrets.js'

export interface GlobalFlags {
  config?: string
  mode?: string
  json?: boolean
  quiet?: boolean
  debug?: boolean
}

/** 0 success, 1 failure (or a failed check), 2 `plan`: changes pending. */
export const EXIT = Object.freeze({ ok: 0, failure: 1, changes: 2 })

/** Everything printed goes through the redaction registry (src/secrets.ts), control characters shown as `\xNN`. */
export function scrub(text: string, env: Record<string, string | undefined> = process.env): string {
  return printable(redact(text, env))
}

function describe(error: unknown, debug: boolean): string {
  if (error instanceof CdnDeployError) {
    if (!debug) return error.message
  } else if (!debug) {
    const name = (error as { name?: string } | undefined)?.name
    if (name === 'CACError') return `[cdn-deploy] [cli] ${(error as Error).message} (run cdn-deploy --help)`
    return `[cdn-deploy] unexpected error: ${(error as Error)?.message ?? String(error)} (run again with --debug for details)`
  }
  const lines: string[] = []
  for (let e: unknown = error, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    lines.push(depth === 0 ? String((e as Error).stack ?? e) : `caused by: ${String((e as Error).stack ?? e)}`)
  }
  return lines.join('\n')
}

/** Print a failure on stderr (scoped message, fix included) and give the exit code. */
export function failureExit(error: unknown, flags: GlobalFlags): number {
  process.stderr.write(`${scrub(describe(error, !!flags.debug))}\n`)
  if (flags.json) {
    // Scripts reading stdout get a JSON answer either way.
    const scope = error instanceof CdnDeployError ? error.scope : 'cli'
    const message = describe(error, false)
    process.stdout.write(`${scrub(JSON.stringify({ ok: false, error: { scope, message } }, null, 2))}\n`)
  }
  return EXIT.failure
}

/**
 * What every command shares: the global flags, config loading (with `--mode`
 * strict, so a typo never deploys to production), the storage for the config,
 * and the printing rules (`--json`: only JSON on stdout; `--quiet`: only errors;
 * errors on stderr, without stack traces unless `--debug`, never with secrets).
 */
import { loadConfigFile } from '../config/load.js'
import { resolveConfig } from '../config/resolve.js'
import type { CdnPluginOptions, ResolvedCdnConfig } from '../config/types.js'
import { CdnDeployError } from '../errors.js'
import { createStorage, type Storage } from '../storage/index.js'
import { scrub, type GlobalFlags } from './exit.js'

export { EXIT, scrub, type GlobalFlags } from './exit.js'

export interface Output {
  readonly flags: GlobalFlags
  /** Human output on stdout (not with --json or --quiet). */
  out(text: string): void
  /** Notes and warnings on stderr (not with --quiet). */
  note(text: string): void
  /** The command's JSON result on stdout (only with --json). */
  json(value: unknown): void
}

export function output(flags: GlobalFlags): Output {
  return {
    flags,
    out: (text) => {
      if (!flags.json && !flags.quiet) process.stdout.write(`${scrub(text)}\n`)
    },
    note: (text) => {
      if (!flags.quiet) process.stderr.write(`${scrub(text)}\n`)
    },
    json: (value) => {
      if (flags.json) process.stdout.write(`${scrub(JSON.stringify(value, null, 2))}\n`)
    },
  }
}

/** The mode from --mode, else CDN_ENV (mri turns `--mode 2` into a number). */
export function modeOf(flags: GlobalFlags, env: Record<string, string | undefined> = process.env): string | undefined {
  const mode = flags.mode === undefined || (flags.mode as unknown) === true ? env.CDN_ENV : String(flags.mode)
  return mode || undefined
}

/**
 * Load and resolve the config like the plugin does, from the current directory.
 * `inline` lets a command ask for deploy-level validation (bucket, provider ids).
 */
export async function loadCliConfig(flags: GlobalFlags, inline?: CdnPluginOptions): Promise<ResolvedCdnConfig> {
  return (await resolveCliConfig(flags, inline)).config
}

/** The config and where it came from (the file, or the environment alone). */
export async function resolveCliConfig(
  flags: GlobalFlags,
  inline?: CdnPluginOptions,
  env: Record<string, string | undefined> = process.env,
): Promise<{ config: ResolvedCdnConfig; source: string }> {
  if ((flags.config as unknown) === true) throw new CdnDeployError('cli', '--config needs a file path')
  const file = await loadConfigFile(process.cwd(), flags.config === undefined ? undefined : String(flags.config))
  const mode = modeOf(flags, env)
  const source = file.path ?? 'environment variables (no cdn.config.* found)'
  return { config: resolveConfig({ file: file.config, inline, mode, strictMode: !!mode, env, source }), source }
}

export function storageFor(config: ResolvedCdnConfig): Storage {
  const bucket = config.storage.bucket
  if (!bucket) throw new CdnDeployError('config', 'storage.bucket: required (set it in cdn.config.ts, or CDN_BUCKET)')
  return createStorage({ ...config.storage, bucket, prefix: config.prefix, concurrency: config.concurrency })
}

/** A positive integer flag, or the fallback. */
export function intFlag(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === true) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new CdnDeployError('cli', `--${name}: "${String(value)}" is not a positive integer`)
  return n
}

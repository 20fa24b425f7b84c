#!/usr/bin/env node
/**
 * `cdn-deploy`: the command line. The one place in the package that prints and
 * exits. Each command lives in its own file and is imported only when run, so
 * `cdn-deploy --help` loads neither the AWS SDK nor a provider.
 *
 * Exit codes: 0 success (for `plan`: nothing would change), 1 failure or a
 * failed check, 2 `plan` found changes to deploy.
 */
import { readFileSync } from 'node:fs'
import nodeModule from 'node:module'
import { cac, type CAC } from 'cac'
import { EXIT, failureExit, type GlobalFlags } from './exit.js'

type Flags = GlobalFlags & Record<string, unknown>

// Start-up (issue 15.4): from Node 22.1 on, V8's compiled code of what loads next (the
// AWS SDK, the engine) is kept between runs, keyed by content, in Node's cache folder
// (os.tmpdir()/node-compile-cache; NODE_DISABLE_COMPILE_CACHE=1 turns it off).
;(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.()

/** Each command's module is imported only when that command runs. */
const COMMANDS: Record<string, (args: unknown[], flags: Flags) => Promise<number>> = {
  plan: async ([dir], f) => (await import('./plan.js')).planCommand(dir as string | undefined, f),
  deploy: async ([dir], f) => (await import('./deploy.js')).deployCommand(dir as string | undefined, f),
  invalidate: async ([paths], f) => (await import('./invalidate.js')).invalidateCommand(paths as string[] | undefined, f),
  status: async (_args, f) => (await import('./status.js')).statusCommand(f),
  verify: async ([dir], f) => (await import('./verify.js')).verifyCommand(dir as string | undefined, f),
  releases: async (_args, f) => (await import('./releases.js')).releasesCommand(f),
  unlock: async (_args, f) => (await import('./unlock.js')).unlockCommand(f),
  rollback: async ([release], f) => (await import('./rollback.js')).rollbackCommand(release as string | undefined, f),
  destroy: async (_args, f) => (await import('./destroy.js')).destroyCommand(f),
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

function define(cli: CAC, run: (name: string, args: unknown[], flags: Flags) => void): void {
  // cac calls an action with the positional arguments, then the parsed options.
  const on =
    (name: string) =>
    (...all: unknown[]) =>
      run(name, all.slice(0, -1), all.at(-1) as Flags)
  // `cdn-deploy <command> --help` prints the usage line, not the description: put both there.
  const command = (raw: string, summary: string, details = '') => cli.command(raw, summary).usage(`${raw}\n\n${summary}${details ? `\n${details}` : ''}`)

  command(
    'plan [dir]',
    'Show what a deploy of dir (default: dist) would do; writes nothing',
    'Exit code: 0 nothing would change, 2 a deploy would change something, 1 error.',
  )
    .option('--repair', 'Cross-check the ledger against a listing of the bucket')
    .option('--include-vite', 'Also plan the upload of <dir>/.vite/ (the manifests)')
    .option('--force', 'Plan as `deploy --force` would: past maxDeletes and the nearly-empty-build rule')
    .example('cdn-deploy plan dist --mode staging')
    .action(on('plan'))

  command(
    'deploy [dir]',
    'Upload dir (default: dist) to the bucket, commit the release, invalidate what changed',
    'Reads <dir>/.vite/cdn-manifest.json when present. Exit code: 0 deployed, 1 failed.',
  )
    .option('--dry-run', 'Plan only: read the bucket, write nothing (like `plan`, but exit 0)')
    .option('--repair', 'Cross-check the ledger against a listing of the bucket (adopts or drops keys)')
    .option('--report <file>', 'Write the JSON deploy report to this file')
    .option('--include-vite', 'Also upload <dir>/.vite/ (the manifests, for servers that read them from the CDN)')
    .option('--commit <sha>', 'Git commit recorded on the release (default: $GITHUB_SHA, else git rev-parse HEAD)')
    .option('--force', 'Deploy even if the prune exceeds maxDeletes, or the build is nearly empty next to the last release')
    .example('cdn-deploy deploy dist --report deploy-report.json')
    .action(on('deploy'))

  command(
    'invalidate [...paths]',
    'Purge paths relative to the public base (index.html, docs/, assets/*) through the configured provider',
    'index.html also purges its directory URL; a trailing * is a wildcard.',
  )
    .option('--all', 'Purge everything under the public base')
    .option('--wait [seconds]', 'Wait for completion (CloudFront), at most this long (default 600)')
    .option('--pending', "Purge the paths the ledger lists as pending (a deploy's failed purge) and clear them there, without a deploy")
    .option('--dry-run', 'With --pending: show the paths, write nothing')
    .example('cdn-deploy invalidate index.html docs/')
    .example('cdn-deploy invalidate --all')
    .example('cdn-deploy invalidate --pending --dry-run')
    .action(on('invalidate'))

  command(
    'status',
    'Check config, credentials, bucket, CORS, provider, the last releases and invalidations in progress',
    'Exit code: 0 every check passed (warnings allowed), 1 a check failed (the message says how to fix it).',
  )
    .option('--origin <url>', 'Origin the HTML is served from (checks that the bucket CORS allows it)')
    .option('--releases <n>', 'How many recent releases to show', { default: 3 })
    .action(on('status'))

  command(
    'verify [dir]',
    'Fetch every file of the current release through its public URL and check status, headers and bytes; load every page and the URLs it references',
    'Checks HTTP status, Content-Type, Cache-Control, Content-Encoding, sha256 (and SRI with a manifest); then each HTML page and every same-origin URL it loads (200, fitting Content-Type). Exit code: 0 all match, 1 a mismatch.',
  )
    .option('--manifest <file>', 'Build manifest (.vite/cdn-manifest.json) to check SRI against; default: <dir>/.vite/cdn-manifest.json')
    .option('--concurrency <n>', 'Parallel requests', { default: 8 })
    .option('--timeout <seconds>', 'Timeout per request', { default: 30 })
    .option('--verbose', "List every file and reference (and other origins' URLs), not only the failures")
    .option('--delivery', 'Also report per file: compression served to `Accept-Encoding: br, gzip`, CDN cache header, https, response time')
    .example('cdn-deploy verify dist --delivery')
    .action(on('verify'))

  command('releases', 'The release history, newest first').option('--limit <n>', 'Show at most this many releases').action(on('releases'))

  command(
    'rollback [release]',
    'Serve an earlier release again (default: the one before the live one), as a new release',
    'Its hashed files must still be kept; its pages come back from their kept copies, HTML last, then an exact purge. Asks for confirmation in a terminal. Exit code: 0 rolled back (or planned), 1 refused or failed.',
  )
    .option('--dry-run', 'Print what would come back; write nothing')
    .option('--yes', 'Roll back without asking (CI, scripts)')
    .option('--report <file>', 'Write the JSON report to this file')
    .example('cdn-deploy rollback --dry-run')
    .example('cdn-deploy rollback 20260101T120000Z-1a2b3c4d --yes')
    .action(on('rollback'))

  command(
    'unlock',
    'Show who holds the deploy lock and remove it (for a deploy that died)',
    'Asks for confirmation in a terminal. Refuses the lock of a deploy still running on this machine unless --force. Exit code: 0 removed (or none), 1 refused or failed.',
  )
    .option('--yes', 'Remove without asking (CI, scripts)')
    .option('--force', 'Remove it even if its deploy still runs on this machine')
    .example('cdn-deploy unlock --yes')
    .action(on('unlock'))

  command(
    'destroy',
    "Delete a deployment: every object the ledger owns under the prefix, then the tool's own objects (ledger last); objects the tool did not write stay, listed",
    'Asks for confirmation in a terminal; elsewhere needs --yes. Refuses while a deploy holds the lock. Exit code: 0 destroyed (or nothing there), 1 refused or failed.',
  )
    .option('--prefix <prefix>', 'The deployment to remove (default: the configured prefix, or CDN_PREFIX), e.g. previews/my-branch/')
    .option('--dry-run', 'List what would be deleted and kept; write nothing')
    .option('--yes', 'Delete without asking (CI, scripts)')
    .example('cdn-deploy destroy --prefix previews/my-branch/ --dry-run')
    .example('cdn-deploy destroy --prefix previews/my-branch/ --yes')
    .action(on('destroy'))
}

async function main(argv: string[]): Promise<number> {
  const cli = cac('cdn-deploy')
  cli.option('--config <file>', 'Config file (default: cdn.config.{ts,mts,js,mjs} in the current directory)')
  cli.option('--mode <env>', 'Environment of the config to use (default: $CDN_ENV); an unknown one is an error')
  cli.option('--json', 'Machine-readable JSON on stdout, nothing else there')
  cli.option('--quiet', 'Print only errors')
  cli.option('--debug', 'Print stack traces and error causes')
  cli.help()
  cli.version(version())

  let pending: Promise<number> | undefined
  define(cli, (name, args, flags) => {
    pending = COMMANDS[name]!(args, flags)
  })
  let flags: GlobalFlags = {}
  try {
    const parsed = cli.parse(argv, { run: false })
    flags = parsed.options as GlobalFlags
    if (parsed.options.help) return EXIT.ok
    if (parsed.options.version) {
      // cac prints the version only without a command; `cdn-deploy plan --version` must not plan.
      if (cli.matchedCommand) cli.outputVersion()
      return EXIT.ok
    }
    if (!cli.matchedCommand) {
      const first = parsed.args[0]
      if (first === undefined) {
        cli.outputHelp()
        return EXIT.ok
      }
      process.stderr.write(`[cdn-deploy] [cli] unknown command "${first}" (run cdn-deploy --help for the list)\n`)
      return EXIT.failure
    }
    await cli.runMatchedCommand()
    return await (pending ?? Promise.resolve(EXIT.ok))
  } catch (error) {
    return failureExit(error, flags)
  }
}

const code = await main(process.argv)
process.exitCode = code
// Let stdout drain and the process end on its own; a stray keep-alive socket must not hold it open.
setTimeout(() => process.exit(code), 2_000).unref()

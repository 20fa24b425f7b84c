/**
 * `cdn-deploy deploy [dir]`: the engine the plugin runs after `vite build`, on a
 * directory built earlier (a CI artifact). Progress on stderr (a live line in a
 * terminal, plain lines in CI), the summary (or the JSON report) on stdout.
 * Ctrl-C stops cleanly: in-flight uploads settle, the lock is released, and the
 * previous release stays whole; a second Ctrl-C exits at once.
 */
import type { CdnManifest } from '../emit/manifest.js'
import type { ResolvedCdnConfig } from '../config/types.js'
import { readBuildManifest } from '../emit/manifest.js'
import type { DeployOptions } from '../deploy/index.js'
import { deploy } from '../deploy/lazy.js'
import { createConsoleReporter } from '../deploy/progress.js'
import { summaryText, type DeployReport } from '../deploy/report.js'
import { CdnDeployError } from '../errors.js'
import { EXIT, loadCliConfig, output, type GlobalFlags, type Output } from './context.js'

export interface DeployFlags extends GlobalFlags {
  dryRun?: boolean
  repair?: boolean
  report?: string
  includeVite?: boolean
  commit?: string | number
  force?: boolean
}

/** The build's manifest, with a warning when it was built for another public base. */
export async function manifestFor(dir: string, config: ResolvedCdnConfig, o: Output): Promise<CdnManifest | undefined> {
  const manifest = await readBuildManifest(dir)
  if (manifest && manifest.base && manifest.base !== config.publicBase) {
    o.note(
      `[cdn-deploy] warning: ${dir} was built for ${manifest.base} but this config deploys to ${config.publicBase}; ` +
        'its HTML and chunks point at the other base (build again with the same --mode / CDN_DOMAIN)',
    )
  }
  return manifest
}

/** Run the engine on `dir` with the CLI's config and options. */
export async function runDeploy(dir: string, flags: DeployFlags, extra: Partial<DeployOptions> = {}): Promise<DeployReport> {
  const o = output(flags)
  const config = await loadCliConfig(flags, { deploy: true })
  const manifest = await manifestFor(dir, config, o)
  const commit = flags.commit === undefined || flags.commit === (true as unknown) ? undefined : String(flags.commit)
  return deploy({
    dir,
    config,
    dryRun: !!flags.dryRun,
    repair: !!flags.repair,
    includeVite: !!flags.includeVite,
    force: !!flags.force,
    ...(manifest ? { manifest } : {}),
    ...(typeof flags.report === 'string' ? { reportFile: flags.report } : {}),
    ...(commit ? { commit } : {}),
    ...extra,
  })
}

/** First Ctrl-C aborts the deploy cleanly; the second exits now. */
function interruptible(o: Output): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController()
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130)
    o.note(`[cdn-deploy] ${name}: stopping after the uploads in flight (the previous release stays live); press Ctrl-C again to quit now`)
    controller.abort(
      new CdnDeployError(
        'deploy',
        `interrupted (${name}); nothing is deleted or purged before the release is committed, so running deploy again finishes the job`,
      ),
    )
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}

export async function deployCommand(dir: string | undefined, flags: DeployFlags): Promise<number> {
  const o = output(flags)
  const interrupt = interruptible(o)
  try {
    const report = await runDeploy(dir ?? 'dist', flags, {
      signal: interrupt.signal,
      ...(flags.quiet ? {} : { reporter: createConsoleReporter({ stream: process.stderr }) }),
    })
    o.json(report)
    o.out(summaryText(report))
    return EXIT.ok
  } finally {
    interrupt.dispose()
  }
}

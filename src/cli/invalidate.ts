/**
 * `cdn-deploy invalidate <path...>` / `--all`: a manual purge through the
 * configured provider. Paths are relative to the public base, like the files of
 * the build (`index.html`, `docs/`, `assets/*`); `--all` purges everything
 * under the base. Each run is its own request (a fresh CallerReference), so the
 * same paths can be purged again later.
 */
import { CdnDeployError } from '../errors.js'
import { basePathOf } from '../plan/invalidation.js'
import { createInvalidator, isCustomProvider, loadProvider } from '../providers/index.js'
import { EXIT, loadCliConfig, output, scrub } from './context.js'
import { NO_PROVIDER, waitMs, type InvalidateFlags } from './invalidate-common.js'

export { NO_PROVIDER, waitMs, type InvalidateFlags } from './invalidate-common.js'

/**
 * A path as typed → a path relative to the public base. Accepts the full public
 * URL, the URL path under the base (`/app/index.html` when the base is `/app/`),
 * or a relative path; a leading `/` alone means "from the base".
 */
export function relativeToBase(input: string, publicBase: string): string {
  const path = input.trim()
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    if (!path.startsWith(publicBase)) {
      throw new CdnDeployError('cli', `"${input}" is not under the public base ${publicBase} (give paths relative to it, e.g. index.html)`)
    }
    const rest = path.slice(publicBase.length)
    try {
      return decodeURI(rest)
    } catch {
      return rest
    }
  }
  const base = basePathOf(publicBase)
  if (base !== '/' && path.startsWith(base)) return path.slice(base.length)
  return path.replace(/^\/+/, '')
}

export async function invalidateCommand(paths: string[] | undefined, flags: InvalidateFlags): Promise<number> {
  const o = output(flags)
  const given = (paths ?? []).map(String)
  if (flags.pending) {
    if (flags.all || given.length > 0) throw new CdnDeployError('cli', 'give either --pending, or paths, or --all')
    return (await import('./invalidate-pending.js')).pendingCommand(flags)
  }
  if (flags.dryRun) throw new CdnDeployError('cli', '--dry-run goes with --pending (a purge of given paths sends exactly those)')
  if (flags.all && given.length > 0) throw new CdnDeployError('cli', 'give either paths or --all, not both')
  if (!flags.all && given.length === 0) {
    throw new CdnDeployError('cli', 'nothing to invalidate: give paths relative to the public base (e.g. `cdn-deploy invalidate index.html docs/`) or --all')
  }
  const config = await loadCliConfig(flags, { deploy: true })
  if (!isCustomProvider(config.provider) && config.provider.type === 'none') throw new CdnDeployError('cli', NO_PROVIDER)
  const provider = await loadProvider(config.provider, { publicBase: config.publicBase })
  if (!provider) throw new CdnDeployError('cli', NO_PROVIDER)

  const rels = flags.all ? [''] : [...new Set(given.map((p) => relativeToBase(p, config.publicBase)))]
  const wait = waitMs(flags.wait, config)
  const invalidator = createInvalidator(provider, {
    publicBase: config.publicBase,
    ...config.invalidate,
    purgeEverything: !!flags.all,
    ...(wait ? { waitMs: wait } : {}),
  })
  const result = await invalidator.invalidate(rels, `manual-${new Date().toISOString()}`)
  const completed = wait ? !result.waitError : undefined
  o.json({ provider: provider.name, ids: result.ids, paths: result.paths, publicBase: config.publicBase, ...(wait ? { completed } : {}) })
  const ids = result.ids.length ? ` [${result.ids.join(', ')}]` : ''
  o.out(
    [
      `[cdn-deploy] invalidation ${wait && completed ? 'completed' : 'submitted'} (${provider.name})${ids}: ${result.paths.length} path${result.paths.length === 1 ? '' : 's'}`,
      ...result.paths.map((p) => `  ${p}`),
    ].join('\n'),
  )
  if (result.waitError) {
    // A failure: printed even with --quiet.
    process.stderr.write(`${scrub(result.waitError)}\n`)
    return EXIT.failure
  }
  return EXIT.ok
}

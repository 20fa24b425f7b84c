/**
 * Resolution of the deploy-file options (./deploy-options.ts), pure: defaults,
 * `sourcemaps: 'skip'` as an exclude, redirect sources as keys, and how an
 * environment's rules merge over the top level's.
 */
import { DEFAULTS, type CdnOptions, type ResolvedCdnConfig } from './types.js'
import { redirectKey } from './schema-deploy.js'

/** What `sourcemaps: 'skip'` leaves out. */
const SOURCEMAPS = '**/*.map'

type DeployFields = Pick<ResolvedCdnConfig, 'include' | 'exclude' | 'sourcemaps' | 'headers' | 'redirects' | 'maxDeletes'>

export function resolveDeployFiles(o: CdnOptions, problems: string[]): DeployFields {
  const redirects: Record<string, string> = {}
  const sources = new Map<string, string>()
  for (const [source, target] of Object.entries(o.redirects ?? {})) {
    const key = redirectKey(source)
    const other = sources.get(key)
    if (other !== undefined) problems.push(`redirects[${JSON.stringify(source)}]: names the same object as ${JSON.stringify(other)} (${key}): keep one`)
    sources.set(key, source)
    redirects[key] = target
  }
  return {
    include: o.include ? [...o.include] : undefined,
    exclude: [...(o.exclude ?? []), ...(o.sourcemaps === 'skip' ? [SOURCEMAPS] : [])],
    sourcemaps: o.sourcemaps ?? DEFAULTS.sourcemaps,
    headers: Object.entries(o.headers ?? {}).map(([glob, rule]) => [glob, { ...rule, ...(rule.metadata ? { metadata: { ...rule.metadata } } : {}) }]),
    redirects,
    maxDeletes: o.maxDeletes ?? DEFAULTS.maxDeletes,
  }
}

/**
 * An environment's rules come first (first match wins), then the top level's
 * for globs it does not name, like `cacheControl`; its redirects add to the top level's.
 */
export function mergeDeployFiles(base: CdnOptions, over: CdnOptions, out: CdnOptions): void {
  if (base.headers && over.headers) out.headers = { ...over.headers, ...base.headers, ...over.headers }
  if (base.redirects && over.redirects) out.redirects = { ...base.redirects, ...over.redirects }
}

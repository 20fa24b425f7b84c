/**
 * What to invalidate after a deploy, pure: the URL paths of changed or removed
 * mutable files (with their directory aliases), collapsed into a few `/dir/*`
 * wildcards above a threshold, and each CDN's encoding of them.
 *
 * Paths here are *decoded* URL paths (`/app/docs/é t.html`), so the dry-run
 * plan reads like the file tree. A `*` is always a wildcard, and only ever the
 * last character. Each provider encodes them its own way at the last moment.
 */

/** CloudFront's documented limits and prices for invalidation. */
export const CLOUDFRONT_LIMITS = Object.freeze({
  /** Individual paths in progress at once per distribution. */
  pathsInFlight: 3000,
  /** Wildcard paths in progress at once per distribution (independent of the above). */
  wildcardsInFlight: 15,
  /** Longest path accepted. */
  maxPathLength: 4000,
  /** Free paths per month, per AWS account. */
  freePathsPerMonth: 1000,
  /** USD per path beyond the free ones. */
  usdPerPath: 0.005,
})

const INDEX = 'index.html'

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** The decoded path part of a public base URL, ending in `/` (`https://cdn.x/app/` → `/app/`). */
export function basePathOf(publicBase: string): string {
  const path = new URL(publicBase).pathname.replace(/\/*$/, '/')
  return path.split('/').map(safeDecode).join('/')
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment // a stray `%` in a user-written domain path: keep it as written
  }
}

/**
 * A literal `*` in a file name cannot be told from a wildcard by any CDN, and
 * CloudFront rejects one inside a path: cut the path there and let the wildcard
 * cover the file (`/a*b.js` → `/a*`), which over-covers a little but never misses.
 */
function starSafe(path: string): string {
  const star = path.indexOf('*')
  return star === -1 ? path : path.slice(0, star + 1)
}

/**
 * The URL paths (decoded, sorted, unique) to invalidate for the given output
 * files, under the public base (which may differ from the bucket prefix).
 * `x/index.html` also yields `x/` and `x`, and the root `index.html` yields the
 * base itself (`/` for a root base): every URL a viewer may have cached it under.
 */
export function invalidationPaths(rels: readonly string[], publicBase: string): string[] {
  const base = basePathOf(publicBase)
  const out = new Set<string>()
  for (const rel of rels) {
    const full = base + rel.replace(/^\/+/, '')
    out.add(starSafe(full))
    if (rel === INDEX || rel.endsWith(`/${INDEX}`)) {
      const dir = full.slice(0, -INDEX.length)
      out.add(starSafe(dir))
      if (dir !== '/') out.add(starSafe(dir.slice(0, -1)))
    }
  }
  return [...out].sort(compare)
}

/** Whether a path is a wildcard (ends with `*`). */
export const isWildcard = (path: string) => path.endsWith('*')

/** The directories (ending in `/`) that contain a path, shallowest first, `/` excluded. */
function ancestorDirs(path: string): string[] {
  const s = isWildcard(path) ? path.slice(0, -1) : path
  const dirs: string[] = []
  for (let i = s.indexOf('/', 1); i !== -1; i = s.indexOf('/', i + 1)) dirs.push(s.slice(0, i + 1))
  return dirs
}

export interface CollapseOptions {
  /** At most this many wildcard paths in the result (CloudFront: 15 in flight). @default Infinity */
  maxWildcards?: number
  /**
   * Every file path (decoded) known to be served under the base: this build plus
   * the ledger. With it, a wildcard's cost is the unchanged files it would also
   * purge; without it, the deepest directories are chosen first.
   */
  universe?: readonly string[]
  /** Never collapse above this directory (the base path). `/` itself is never used. @default '/' */
  floor?: string
}

/**
 * Fewest wildcards that bring `paths` within `maxPaths` (and `maxWildcards`),
 * choosing the directories whose wildcard covers the fewest unchanged files per
 * path saved. `dir/*` never replaces the alias `dir` (no slash), which stays
 * exact. Stops when no directory helps (everything at the base level): the
 * result may then still exceed the limit, and never becomes `/*` on its own.
 */
export function collapsePaths(paths: readonly string[], maxPaths: number, options: CollapseOptions = {}): string[] {
  const limit = Math.max(1, Math.floor(maxPaths))
  const maxWildcards = Math.max(1, options.maxWildcards ?? Infinity)
  const floor = options.floor ?? '/'
  const current = new Set(paths)
  const changed = new Set(paths)
  const known = options.universe !== undefined
  // Unchanged files under each directory: what a wildcard there would purge besides.
  const collateral = new Map<string, number>()
  for (const file of options.universe ?? []) {
    if (changed.has(file)) continue
    for (const dir of ancestorDirs(file)) collateral.set(dir, (collateral.get(dir) ?? 0) + 1)
  }
  // Collateral already paid by wildcards this function made (to count only the extra).
  const paid = new Map<string, number>()
  const wildcards = () => [...current].filter(isWildcard).length

  for (;;) {
    const overCount = current.size > limit
    if (!overCount && wildcards() <= maxWildcards) break
    const stats = new Map<string, { n: number; wild: number; paid: number }>()
    for (const path of current) {
      for (const dir of ancestorDirs(path)) {
        if (!dir.startsWith(floor)) continue
        const s = stats.get(dir) ?? { n: 0, wild: 0, paid: 0 }
        s.n++
        if (isWildcard(path)) s.wild++
        s.paid += paid.get(path) ?? 0
        stats.set(dir, s)
      }
    }
    let best: { dir: string; gain: number; cost: number; depth: number } | undefined
    for (const [dir, s] of stats) {
      const gain = overCount ? s.n - 1 : s.wild - 1
      if (gain <= 0) continue
      const cost = ((collateral.get(dir) ?? 0) - s.paid) / gain
      const depth = dir.split('/').length
      const candidate = { dir, gain, cost, depth }
      if (!best || better(candidate, best, known)) best = candidate
    }
    if (!best) break
    const wildcard = `${best.dir}*`
    for (const path of [...current]) {
      if (path.startsWith(best.dir)) {
        current.delete(path)
        paid.delete(path)
      }
    }
    current.add(wildcard)
    paid.set(wildcard, collateral.get(best.dir) ?? 0)
  }
  return [...current].sort(compare)
}

type Candidate = { dir: string; gain: number; cost: number; depth: number }
function better(a: Candidate, b: Candidate, known: boolean): boolean {
  if (a.cost !== b.cost) return a.cost < b.cost
  // With the file list known, equal cost means "covers nothing else": take the
  // biggest saving. Unknown, the smaller scope is the safer guess.
  if (known && a.gain !== b.gain) return a.gain > b.gain
  if (a.depth !== b.depth) return a.depth > b.depth
  if (a.gain !== b.gain) return a.gain > b.gain
  return a.dir < b.dir
}

export interface InvalidationPlanOptions {
  /** Collapse above this many paths (each provider's default: its definition's `invalidation.maxPaths`). */
  maxPaths: number
  /** @default Infinity (CloudFront: pass CLOUDFRONT_LIMITS.wildcardsInFlight) */
  maxWildcards?: number
  /** Purge everything under the base (`<base>*`) instead of the changed paths. @default false */
  purgeEverything?: boolean
  /** Every file (rel) served under the base: this build plus the ledger, to judge wildcards. */
  universe?: readonly string[]
}

export interface InvalidationPlan {
  /** Paths to submit (decoded; a trailing `*` is a wildcard). Empty: no call at all. */
  paths: string[]
  /** Paths before collapsing. */
  exact: number
  wildcards: number
  /** Some paths were replaced by wildcards. */
  collapsed: boolean
  purgeEverything: boolean
  /** Still above maxPaths (or maxWildcards) after collapsing as far as the base allows. */
  overLimit: boolean
}

/** The whole decision for one deploy: paths, aliases, wildcards. Empty rels: nothing. */
export function planInvalidation(rels: readonly string[], publicBase: string, options: InvalidationPlanOptions): InvalidationPlan {
  const exact = invalidationPaths(rels, publicBase)
  const base = basePathOf(publicBase)
  if (exact.length === 0) return { paths: [], exact: 0, wildcards: 0, collapsed: false, purgeEverything: false, overLimit: false }
  if (options.purgeEverything) {
    return { paths: [`${base}*`], exact: exact.length, wildcards: 1, collapsed: true, purgeEverything: true, overLimit: false }
  }
  const universe = options.universe ? options.universe.map((rel) => base + rel) : undefined
  const paths = collapsePaths(exact, options.maxPaths, { maxWildcards: options.maxWildcards, universe, floor: base })
  const wildcards = paths.filter(isWildcard).length
  return {
    paths,
    exact: exact.length,
    wildcards,
    collapsed: paths.length !== exact.length || wildcards > exact.filter(isWildcard).length,
    purgeEverything: false,
    overLimit: paths.length > Math.max(1, options.maxPaths) || wildcards > (options.maxWildcards ?? Infinity),
  }
}

export interface CostEstimate {
  paths: number
  /** Paths beyond the month's free allowance. */
  billablePaths: number
  usd: number
}

/**
 * CloudFront's price for submitting `paths`: 0.005 USD per path beyond the free
 * 1,000 a month (per account); a wildcard counts as one path whatever it covers.
 * `usedThisMonth` is what the account already submitted, when known.
 */
export function estimateCloudFrontCost(paths: readonly string[], freePerMonth: number = CLOUDFRONT_LIMITS.freePathsPerMonth, usedThisMonth = 0): CostEstimate {
  const before = Math.max(0, usedThisMonth - freePerMonth)
  const after = Math.max(0, usedThisMonth + paths.length - freePerMonth)
  const billablePaths = after - before
  return { paths: paths.length, billablePaths, usd: Math.round(billablePaths * CLOUDFRONT_LIMITS.usdPerPath * 1000) / 1000 }
}

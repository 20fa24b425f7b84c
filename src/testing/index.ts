/**
 * `vite-plugin-cdn-deploy/testing`: the contract every CDN adapter keeps, run by
 * the built-in providers' tests and available for yours. It depends on no test
 * framework: it returns the problems it found, one line each, empty when the
 * adapter keeps the contract, so any runner can assert on it:
 *
 *   expect(await checkProviderContract({ provider, broken, secrets: [token] })).toEqual([])
 *
 * Point the adapter at a test endpoint (a local fake of the CDN's API, or a
 * throwaway real target): the contract purges a few paths through it.
 */
import type { CdnProvider, InvalidationResult } from '../providers/types.js'
import { isCustomProvider } from '../providers/types.js'

export interface ProviderContractOptions {
  /** The adapter under test, reachable and with valid credentials. */
  provider: CdnProvider
  /** The public base the purged paths are under. @default 'https://cdn.example.com/app/' */
  publicBase?: string
  /** The same adapter with a rejected credential or an unknown target: its `check()` and `invalidate()` must fail. */
  broken?: CdnProvider
  /** Values no error message and no result may contain (tokens, header values). */
  secrets?: readonly string[]
  /** Passed to `wait()`, when the adapter has one. @default 10_000 */
  waitMs?: number
}

/** Paths as the planner hands them over: decoded, under the base path, a trailing `*` a wildcard. */
export function contractPaths(publicBase: string): string[] {
  const base = decodeURIComponent(new URL(publicBase).pathname)
  return [base, `${base}index.html`, `${base}docs/é t.html`, `${base}assets/*`]
}

const describe = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : `a non-Error (${String(err)})`)

/** Runs the contract against `options.provider` (and `options.broken`); resolves to the problems found. */
export async function checkProviderContract(options: ProviderContractOptions): Promise<string[]> {
  const { provider, broken, secrets = [] } = options
  const publicBase = options.publicBase ?? 'https://cdn.example.com/app/'
  const problems: string[] = []
  const leaks = (where: string, text: string) => {
    for (const secret of secrets) if (secret && text.includes(secret)) problems.push(`${where} contains a secret ("${secret.slice(0, 3)}…")`)
  }

  if (!isCustomProvider(provider)) problems.push('the adapter needs invalidate() and check() functions (the config takes it as `provider` only then)')
  if (typeof provider.name !== 'string' || !provider.name) problems.push('name must be a non-empty string (reports and logs show it)')
  for (const method of ['status', 'wait'] as const) {
    if (provider[method] !== undefined && typeof provider[method] !== 'function') problems.push(`${method}, when present, must be a function`)
  }
  if (problems.length) return problems

  try {
    await provider.check()
  } catch (err) {
    problems.push(`check() rejected against a working target: ${describe(err)}`)
  }

  const paths = contractPaths(publicBase)
  let result: InvalidationResult | undefined
  try {
    result = await provider.invalidate(paths, { release: `contract-${Date.now()}`, publicBase })
  } catch (err) {
    problems.push(`invalidate(${JSON.stringify(paths)}) rejected: ${describe(err)}`)
  }
  if (result) {
    const { ids, paths: submitted, requests } = result as Partial<InvalidationResult>
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) problems.push('invalidate() must resolve to { ids: string[] } (may be empty)')
    if (!Array.isArray(submitted) || submitted.length === 0 || !submitted.every((p) => typeof p === 'string')) {
      problems.push("invalidate() must resolve to { paths: string[] }: what was submitted, in the provider's own form (not empty when paths were given)")
    }
    if (!Number.isInteger(requests) || (requests as number) < 1)
      problems.push('invalidate() must resolve to { requests }: the API calls that submitted something (at least 1 here)')
    leaks("invalidate()'s result", JSON.stringify(result))
    const first = Array.isArray(ids) ? ids[0] : undefined
    if (first !== undefined && provider.status) {
      try {
        const status = await provider.status(first)
        if (typeof status !== 'string' || !status) problems.push(`status(${first}) must resolve to a non-empty string ('InProgress', 'Completed'…)`)
      } catch (err) {
        problems.push(`status(${first}) rejected for an id invalidate() returned: ${describe(err)}`)
      }
    }
    if (Array.isArray(ids) && ids.length > 0 && provider.wait) {
      try {
        await provider.wait(ids, options.waitMs ?? 10_000)
      } catch (err) {
        if (!(err instanceof Error) || !err.message) problems.push(`wait() may time out, but must then reject with an Error that says so: got ${describe(err)}`)
        else leaks("wait()'s error", err.message)
      }
    }
  }

  if (broken) {
    const failing: Array<[string, () => Promise<unknown>]> = [
      ['check()', () => broken.check()],
      ['invalidate()', () => broken.invalidate(paths, { release: `contract-broken-${Date.now()}`, publicBase })],
    ]
    for (const [call, run] of failing) {
      try {
        await run()
        problems.push(`${call} resolved with a rejected credential or an unknown target: it must reject, saying what to fix`)
      } catch (err) {
        if (!(err instanceof Error) || !err.message) problems.push(`${call} must reject with an Error that has a message: got ${describe(err)}`)
        else leaks(`${call}'s error message`, err.message)
      }
    }
  }
  return problems
}

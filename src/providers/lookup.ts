/**
 * The built-in providers (./registry.ts) seen alike, for the code that handles
 * any of them: the config schema and resolution, loading, the docs table.
 */
import { PROVIDERS, type ResolvedProvider } from './registry.js'
import type { AnyProviderDefinition } from './types.js'

/** Each definition's own types were checked by defineProvider in its file; here they are handled alike. */
export const DEFINITIONS = PROVIDERS as unknown as readonly AnyProviderDefinition[]

/** Names of the built-in providers, `none` included. */
export const PROVIDER_TYPES = DEFINITIONS.map((d) => d.type) as ReadonlyArray<ResolvedProvider['type']>

/** The definition of the built-in provider `type`, if there is one. */
export function providerDefinition(type: string): AnyProviderDefinition | undefined {
  return DEFINITIONS.find((d) => d.type === type)
}

const code = (text: string) => `\`${text}\``

/** The table of docs/providers.md, from the definitions (scripts/providers-table.mjs writes it there). */
export function providerTable(): string {
  const rows = DEFINITIONS.map((d) => {
    const defaults = d.defaults ?? {}
    const options = Object.keys(d.options).map((name) => (name in defaults ? `${code(name)} (${code(JSON.stringify(defaults[name]))})` : code(name)))
    const env = (d.env ?? []).map((b) => `${code(b.name)} → ${code(b.option)}${b.selects ? ' (also picks this provider)' : ''}`)
    const cells = [
      code(d.type),
      d.title,
      options.join(', ') || '—',
      env.join(', ') || '—',
      d.credentials ?? '—',
      d.load ? String(d.invalidation?.maxPaths ?? 1000) : '—',
      d.peer ? code(`npm i -D ${d.peer.name}@${d.peer.range}`) : '—',
    ]
    return `| ${cells.join(' | ')} |`
  })
  return [
    '| `type` | Purges through | Options (default) | Env vars | Credentials | `maxPaths` default | Needs |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n')
}

/**
 * A small validator, just the combinators the config schema needs. Pure.
 *
 * Why not zod: the config is validated on every build, so the validator loads with
 * the plugin, and importing zod alone took ~100-130 ms against a budget of ~60 ms for
 * the whole plugin (the bench's build scenario, bench/RESULTS.md). Where it shapes messages this
 * follows zod's semantics: every problem is reported (not just the first), the unknown
 * keys of a strict object make one issue, an optional key given as `undefined` is kept,
 * and a union that fails reports the problems of the one option whose type matched
 * (`minify.html: unknown option`), else its own message.
 */

export type Path = Array<string | number>
/**
 * One problem, at `path` from the value parsed. `keys`: the unknown keys of a strict
 * object. `fatal`: the value has the wrong type, so a union should not report it.
 */
export type Issue = { path: Path; fatal?: boolean } & ({ message: string; keys?: never } | { keys: string[]; message?: never })

export interface Schema<T> {
  /** Check `value` (found at `path`), append its issues, return the output (objects and records are fresh copies). */
  run(value: unknown, path: Path, issues: Issue[]): T
  /** Set by `optional()`: an absent key is fine. */
  readonly optional?: boolean
}
export type Infer<S> = S extends Schema<infer T> ? T : never
/** A check on a value of the right type: call `fail` once per problem. */
export type Refine<T> = (value: T, fail: (message: string) => void) => void

type Shape = Record<string, Schema<unknown>>
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { optional: true } ? K : never }[keyof S]
type ObjectOut<S extends Shape> = { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> }
type Flat<T> = { [K in keyof T]: T[K] } & {}

export type Result<T> = { success: true; data: T } | { success: false; issues: Issue[] }

export function safeParse<T>(schema: Schema<T>, value: unknown): Result<T> {
  const issues: Issue[] = []
  const data = schema.run(value, [], issues)
  return issues.length ? { success: false, issues } : { success: true, data }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Like zod's: a `{}` literal or null-prototype object, also from another realm (a config loaded in a vm context). */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (!isObject(v)) return false
  const ctor = (v as { constructor?: unknown }).constructor
  if (typeof ctor !== 'function') return true
  const proto: unknown = ctor.prototype
  return isObject(proto) && Object.hasOwn(proto, 'isPrototypeOf')
}

/** A value of one JS type, then its refinements (all run, so every problem is reported). */
function typed<T>(is: (v: unknown) => v is T, message: string, refines: Array<Refine<T>>): Schema<T> {
  return {
    run(value, path, issues) {
      if (!is(value)) issues.push({ path, message, fatal: true })
      else for (const refine of refines) refine(value, (m) => issues.push({ path, message: m }))
      return value as T
    },
  }
}

export const string = (message: string, ...refines: Array<Refine<string>>): Schema<string> => typed((v): v is string => typeof v === 'string', message, refines)

export const boolean = (message: string): Schema<boolean> => typed((v): v is boolean => typeof v === 'boolean', message, [])

/** A string matching `re`; the message may quote the value. */
export const matches =
  (re: RegExp, message: string | ((value: string) => string)): Refine<string> =>
  (value, fail) => {
    if (!re.test(value)) fail(typeof message === 'string' ? message : message(value))
  }

/**
 * A finite whole number within [min, max]. A fraction fails alone (fatal, like a wrong
 * type); an integer beyond 2^53 fails `whole` and is still range-checked, as in zod.
 */
export function integer(m: { type: string; whole: string; min?: [number, string]; max?: [number, string] }): Schema<number> {
  return {
    run(value, path, issues) {
      if (typeof value !== 'number' || !Number.isFinite(value)) issues.push({ path, message: m.type, fatal: true })
      else if (!Number.isInteger(value)) issues.push({ path, message: m.whole, fatal: true })
      else {
        if (!Number.isSafeInteger(value)) issues.push({ path, message: m.whole })
        if (m.min && value < m.min[0]) issues.push({ path, message: m.min[1] })
        if (m.max && value > m.max[0]) issues.push({ path, message: m.max[1] })
      }
      return value as number
    },
  }
}

export function oneOf<const T extends readonly string[]>(values: T, message: string): Schema<T[number]> {
  return typed((v): v is T[number] => values.includes(v as string), message, [])
}

export function literal<const T extends string | boolean>(value: T): Schema<T> {
  return typed((v): v is T => v === value, `must be ${JSON.stringify(value)}`, [])
}

export function optional<T>(schema: Schema<T>): Schema<T | undefined> & { optional: true } {
  return { optional: true, run: (value, path, issues) => (value === undefined ? undefined : schema.run(value, path, issues)) }
}

/** An object with exactly these keys: others are reported together as one `keys` issue, after the known keys' issues. */
export function object<S extends Shape>(shape: S, message = 'must be an object'): Schema<Flat<ObjectOut<S>>> {
  return {
    run(value, path, issues) {
      if (!isObject(value)) {
        issues.push({ path, message, fatal: true })
        return value as never
      }
      const out: Record<string, unknown> = {}
      for (const [key, schema] of Object.entries(shape)) {
        if (!(key in value) && schema.optional) continue
        out[key] = schema.run(value[key], [...path, key], issues)
      }
      const unknown: string[] = []
      for (const key in value) if (!Object.hasOwn(shape, key)) unknown.push(key)
      if (unknown.length) issues.push({ path, keys: unknown })
      return out as never
    },
  }
}

/** A plain object of string keys (each checked by `key`, if given) to values of one schema. */
export function record<T>(values: Schema<T>, message: string, key?: Schema<string>): Schema<Record<string, T>> {
  return {
    run(value, path, issues) {
      if (!isPlainObject(value)) {
        issues.push({ path, message, fatal: true })
        return value as never
      }
      const out: Record<string, T> = {}
      for (const k of Object.keys(value)) {
        if (k === '__proto__') continue // never copied: it would replace the output's prototype
        const before = issues.length
        key?.run(k, [...path, k], issues)
        if (issues.length > before) continue
        out[k] = values.run(value[k], [...path, k], issues)
      }
      return out
    },
  }
}

/** An array of values of one schema (each checked at its index), with at least `min[0]` items. */
export function array<T>(items: Schema<T>, message: string, min?: [number, string]): Schema<T[]> {
  return {
    run(value, path, issues) {
      if (!Array.isArray(value)) {
        issues.push({ path, message, fatal: true })
        return value as never
      }
      if (min && value.length < min[0]) issues.push({ path, message: min[1] })
      return value.map((item, i) => items.run(item, [...path, i], issues))
    },
  }
}

/** `schema`, then `check` on its output once it passed: rules across fields (reported at the object). */
export function refined<T>(schema: Schema<T>, check: Refine<T>): Schema<T> {
  return {
    run(value, path, issues) {
      const before = issues.length
      const out = schema.run(value, path, issues)
      if (issues.length === before) check(out, (message) => issues.push({ path, message }))
      return out
    },
  }
}

/**
 * The first option that passes. If none does: the issues of the only option whose
 * type matched (no fatal issue), if exactly one did, else one issue with `message`.
 */
export function union<const O extends ReadonlyArray<Schema<unknown>>>(options: O, message: string): Schema<Infer<O[number]>> {
  return {
    run(value, path, issues) {
      const results: Issue[][] = []
      for (const option of options) {
        const own: Issue[] = []
        const out = option.run(value, path, own)
        if (!own.length) return out as never
        results.push(own)
      }
      const matched = results.filter((own) => !own.some((issue) => issue.fatal))
      if (matched.length === 1) issues.push(...matched[0]!)
      else issues.push({ path, message, fatal: true })
      return value as never
    },
  }
}

/** An object whose `key` picks its schema from `options` (by value); an unknown or missing value is reported at `key`. */
export function discriminated<O extends Record<string, Schema<unknown>>>(key: string, options: O, message: string): Schema<Infer<O[keyof O]>> {
  return {
    run(value, path, issues) {
      if (!isObject(value)) {
        issues.push({ path, message, fatal: true })
        return value as never
      }
      const tag = value[key]
      if (typeof tag === 'string' && Object.hasOwn(options, tag)) return options[tag]!.run(value, path, issues) as never
      issues.push({ path: [...path, key], message, fatal: true })
      return value as never
    },
  }
}

/**
 * The config schema (on our own small validator, ./validate.ts) and the translation
 * of its issues into one clear line per problem: which field, what was wrong, what
 * would be right. Pure.
 */
import { httpUrl, SECRETS_IN_ENV, shown } from './checks.js'
import { deployFilesShape, HEADER_KEYS, headerKeyHint } from './schema-deploy.js'
import {
  boolean,
  discriminated,
  integer,
  literal,
  matches,
  object,
  oneOf,
  optional,
  record,
  string,
  union,
  type Issue,
  type Path,
  type Schema,
} from './validate.js'
import { DEFINITIONS, PROVIDER_TYPES, providerDefinition } from '../providers/lookup.js'
import type { ProviderOptions } from '../providers/registry.js'

const SECRET_HINTS = {
  aws: 'AWS credentials do not belong in the config file: use the AWS credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY env vars, a profile, SSO, or OIDC web identity in CI)',
  other: SECRETS_IN_ENV,
}
const AWS_SECRET_KEYS = new Set(['accessKeyId', 'secretAccessKey', 'sessionToken', 'credentials', 'awsAccessKeyId', 'awsSecretAccessKey'])
const OTHER_SECRET_KEYS = new Set(['apiToken', 'token', 'apiKey', 'key', 'password', 'secret', 'authorization', 'bearer'])

const LOOPBACK = /^(localhost|127(\.\d+){3}|\[::1\])$/

/** The public base: https (http only on loopback, for tests), no query or fragment. */
const domain = httpUrl('CDN', (value, fail) => {
  if (!URL.canParse(value)) return
  const url = new URL(value)
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) {
    fail(`"${shown(value)}" must use https:// (an http asset on an https page is blocked as mixed content)`)
  }
  if (url.search || url.hash) {
    fail(`"${shown(value)}" must not have a query or fragment (write the base URL only, e.g. "${url.origin}${url.pathname}")`)
  }
})

const prefix = string('must be a string such as "app/"', (value, fail) => {
  const problem = value.startsWith('/')
    ? `"${value}" must not start with "/" (bucket keys are relative: write "${value.replace(/^\/+/, '')}")`
    : value.split('/').some((s) => s === '..' || s === '.')
      ? `"${value}" must not contain "." or ".." segments`
      : value.includes('//')
        ? `"${value}" must not contain "//"`
        : value.includes('\\')
          ? `"${value}" must use "/" not "\\"`
          : undefined
  if (problem) fail(problem)
})

const BUCKET = /^[a-z0-9][a-z0-9.\-_]{1,61}[a-z0-9]$/
const TRUE_OR_FALSE = 'must be true or false'
const flag = () => optional(boolean(TRUE_OR_FALSE))

/** A bucket name; also checks `CDN_BUCKET`. */
const bucket = string(
  'must be a string',
  matches(BUCKET, (value) => `"${value}" is not a valid bucket name (3-63 lowercase letters, digits, dots and hyphens; no "s3://" and no path)`),
)

const storage = object(
  {
    bucket: optional(bucket),
    region: optional(
      string(
        'must be a string',
        matches(/^[a-z]{2}(-[a-z0-9]+){1,3}$|^auto$/, (value) => `"${value}" is not a region name (e.g. "eu-west-1", or "auto" for R2)`),
      ),
    ),
    endpoint: optional(httpUrl('S3 endpoint')),
    forcePathStyle: flag(),
    accelerate: flag(),
    acl: optional(
      oneOf(
        ['private', 'public-read', 'bucket-owner-full-control'],
        'must be "private", "public-read" or "bucket-owner-full-control" (or left out: modern buckets disable ACLs)',
      ),
    ),
    statePrefix: optional(prefix),
  },
  'must be an object such as { bucket: "my-assets", region: "eu-west-1" }',
)

/** `provider`: the schema of each built-in provider's options, picked by `type` (src/providers/registry.ts). */
const provider = discriminated(
  'type',
  Object.fromEntries(DEFINITIONS.map((d) => [d.type, object({ type: literal(d.type), ...d.options })])),
  `must be an object whose "type" is one of ${PROVIDER_TYPES.map((t) => `"${t}"`).join(', ')}`,
) as Schema<ProviderOptions>

const cacheControl = record(
  string(
    'must be a Cache-Control header value such as "public, max-age=300"',
    matches(/^[\x20-\x7e]+$/, 'must be a one-line ASCII header value such as "public, max-age=300"'),
  ),
  'must be an object of glob -> header value, e.g. { "**/*.json": "public, max-age=60" }',
  string('a glob must be a string', (glob, fail) => {
    // Globs match paths relative to the prefix (`assets/*.js`); these shapes never match one.
    const problem = !glob
      ? 'a glob must not be empty'
      : glob.startsWith('/') || glob.startsWith('./')
        ? `glob "${glob}" never matches: paths are relative to the prefix, with no leading "/" or "./" (write "${glob.replace(/^\.?\/+/, '')}")`
        : glob.includes('\\')
          ? `glob "${glob}" never matches: paths use "/", not "\\"`
          : unbalanced(glob)
            ? `glob "${glob}" has an unclosed "{" or "[", so it never matches what it seems to`
            : undefined
    if (problem) fail(problem)
  }),
)

/** A `{` or `[` left open (or closed without opening) in a glob. */
function unbalanced(glob: string): boolean {
  for (const [open, close] of [
    ['{', '}'],
    ['[', ']'],
  ] as const) {
    let depth = 0
    for (const c of glob) {
      if (c === open) depth++
      else if (c === close && --depth < 0) return true
    }
    if (depth !== 0) return true
  }
  return false
}

const minify = union([boolean(TRUE_OR_FALSE), object({ js: flag(), css: flag(), public: flag() })], 'must be true, false, or { js, css, public } booleans')

const precompress = union([boolean(TRUE_OR_FALSE), object({ gzip: flag(), brotli: flag() })], 'must be true, false, or { gzip, brotli } booleans')

const invalidate = object(
  {
    maxPaths: optional(
      integer({
        type: 'must be a number',
        whole: 'must be a whole number',
        min: [1, 'must be at least 1'],
        max: [3000, 'must be at most 3000 (CloudFront accepts 3,000 paths per invalidation)'],
      }),
    ),
    purgeEverything: flag(),
  },
  'must be an object such as { maxPaths: 50, purgeEverything: false }',
)

const count = (what: string, max: number) =>
  integer({
    type: `must be a number (${what})`,
    whole: `must be a whole number (${what})`,
    min: [0, `must be 0 or more (${what})`],
    max: [max, `must be at most ${max} (${what})`],
  })

export const optionsShape = {
  enabled: flag(),
  domain: optional(domain),
  prefix: optional(prefix),
  storage: optional(storage),
  provider: optional(provider),
  invalidate: optional(invalidate),
  precompress: optional(precompress),
  cacheControl: optional(cacheControl),
  minify: optional(minify),
  sri: flag(),
  hashPublic: flag(),
  htmlAtOrigin: flag(),
  reloadOnChunkError: flag(),
  retain: optional(
    object({ releases: optional(count('releases', 10_000)), days: optional(count('days', 36_500)) }, 'must be an object such as { releases: 3, days: 7 }'),
  ),
  concurrency: optional(
    integer({
      type: 'must be a number',
      whole: 'must be a whole number',
      min: [1, 'must be at least 1'],
      max: [256, 'must be at most 256 (S3 throttles beyond that)'],
    }),
  ),
  deploy: flag(),
  ...deployFilesShape,
}

/** What the env vars CDN_DOMAIN, CDN_PREFIX and CDN_BUCKET are checked with. */
export const envChecks = { domain, prefix, bucket }

export const optionsSchema = object(optionsShape, 'must be an object of options (the same ones as at the top level)')
export const userConfigSchema = object(
  {
    ...optionsShape,
    environments: optional(record(optionsSchema, 'must be an object of mode name -> options')),
    // Accepted here so inline plugin options validate in one pass; resolve() strips it.
    configFile: optional(union([string('must be a string'), literal(false)], 'must be a path string, or false')),
  },
  'the config must be an object (export default defineCdnConfig({ ... }))',
)

/**
 * Nested option names users often write at the top level, with where they belong:
 * the bucket's, and each provider option an env var fills (the target's id).
 */
const NESTED: Record<string, string> = {
  bucket: 'storage.bucket',
  region: 'storage.region',
  endpoint: 'storage.endpoint',
  ...Object.fromEntries(DEFINITIONS.flatMap((d) => (d.env ?? []).map((b) => [b.option, `provider.${b.option}`]))),
}
const KNOWN = [...Object.keys(optionsShape), 'environments', 'configFile', ...Object.keys(NESTED)]
/** Option names one level down, so "did you mean" suggests a name from the right level. */
const LEVEL_KEYS: Record<string, string[]> = {
  storage: ['bucket', 'region', 'endpoint', 'forcePathStyle', 'accelerate', 'acl', 'statePrefix'],
  provider: ['type', ...new Set(DEFINITIONS.flatMap((d) => Object.keys(d.options)))],
  retain: ['releases', 'days'],
  minify: ['js', 'css', 'public'],
  invalidate: ['maxPaths', 'purgeEverything'],
  precompress: ['gzip', 'brotli'],
}

const NAME = /^[A-Za-z_$][\w$-]*$/

/** `headers["**\/*.pdf"].Content-Type`: names dotted, other keys (globs, paths) quoted, indexes in brackets. */
export function pathText(path: Path, root = ''): string {
  let out = root
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else if (NAME.test(segment)) out += out ? `.${segment}` : segment
    else out += `[${JSON.stringify(segment)}]`
  }
  return out
}

/** Turn issues into one readable line each; `input` (the parsed value) sharpens secret hints. */
export function formatIssues(issues: Issue[], root = '', input?: unknown): string[] {
  const lines: string[] = []
  for (const issue of issues) {
    const at = pathText(issue.path, root)
    if (issue.keys) {
      const owner = issue.path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), input)
      const type = owner && typeof owner === 'object' ? (owner as { type?: unknown }).type : undefined
      for (const key of issue.keys) lines.push(unknownKey(issue.path, root, key, type))
    } else {
      lines.push(`${at || '(config)'}: ${issue.message}`)
    }
  }
  return lines
}

function unknownKey(path: Path, root: string, key: string, ownerType?: unknown): string {
  const field = pathText([...path, key], root)
  if (AWS_SECRET_KEYS.has(key)) return `${field}: ${SECRET_HINTS.aws}`
  if (OTHER_SECRET_KEYS.has(key)) return `${field}: ${(typeof ownerType === 'string' && providerDefinition(ownerType)?.secretHint) || SECRET_HINTS.other}`
  // A `headers` rule: its level is a glob.
  const inRule = path.at(-2) === 'headers'
  const hint = inRule ? headerKeyHint(key) : undefined
  if (hint) return `${field}: ${hint}`
  const level = String(path.at(-1) ?? '')
  let guess = closest(key, inRule ? HEADER_KEYS : Object.hasOwn(LEVEL_KEYS, level) ? LEVEL_KEYS[level]! : KNOWN)
  // At an options level, `bucket` & co. belong one level down: say where.
  if (guess && NESTED[guess] && (path.length === 0 || (path.length === 2 && path[0] === 'environments'))) guess = NESTED[guess]
  return `${field}: unknown ${inRule ? `header (known: ${HEADER_KEYS.join(', ')})` : 'option'}${guess ? ` (did you mean "${guess}"?)` : ''}`
}

/** The known name within edit distance 2, if any. */
function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined
  let bestDistance = 3
  for (const candidate of candidates) {
    const d = distance(word.toLowerCase(), candidate.toLowerCase())
    if (d < bestDistance) [best, bestDistance] = [candidate, d]
  }
  return best
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = row
  }
  return prev[b.length]!
}

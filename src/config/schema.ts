/**
 * The config schema (zod) and the translation of its issues into one clear line
 * per problem: which field, what was wrong, what would be right. Pure.
 */
import { z } from 'zod'

const SECRET_HINTS: Record<string, string> = {
  aws: 'AWS credentials do not belong in the config file: use the AWS credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY env vars, a profile, SSO, or OIDC web identity in CI)',
  cloudflare: 'the Cloudflare token does not belong in the config file: set the CLOUDFLARE_API_TOKEN env var',
  other: 'secrets do not belong in the config file: keep them in env vars (generic provider headers may reference them as "${NAME}")',
}
const AWS_SECRET_KEYS = new Set(['accessKeyId', 'secretAccessKey', 'sessionToken', 'credentials', 'awsAccessKeyId', 'awsSecretAccessKey'])
const OTHER_SECRET_KEYS = new Set(['apiToken', 'token', 'apiKey', 'key', 'password', 'secret', 'authorization', 'bearer'])

const LOOPBACK = /^(localhost|127(\.\d+){3}|\[::1\])$/

/** A URL as shown in a message: any `user:password@` part masked, so no secret is echoed. */
const shown = (value: string) => value.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^@]*@/i, '$1***@')

const httpUrl = (what: string) =>
  z.string({ error: `must be a string: the ${what} URL` }).superRefine((value, ctx) => {
    let url: URL
    try {
      // `localhost:9000` or `cdn.example.com:443` parse as a scheme; they still lack one.
      if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) throw new TypeError('no scheme')
      url = new URL(value)
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${shown(value)}" is not an absolute URL (write it as "https://${shown(value).replace(/^\/+/, '')}")` })
      return
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({ code: 'custom', message: `"${shown(value)}" must use https:// (got ${url.protocol})` })
    } else if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: `"${url.host}…" must not carry credentials in the URL: ${SECRET_HINTS.other}` })
    }
  })

/** The public base: https (http only on loopback, for tests), no query or fragment. */
const domain = httpUrl('CDN').superRefine((value, ctx) => {
  if (!URL.canParse(value)) return
  const url = new URL(value)
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) {
    ctx.addIssue({ code: 'custom', message: `"${shown(value)}" must use https:// (an http asset on an https page is blocked as mixed content)` })
  }
  if (url.search || url.hash) {
    ctx.addIssue({ code: 'custom', message: `"${shown(value)}" must not have a query or fragment (write the base URL only, e.g. "${url.origin}${url.pathname}")` })
  }
})

const prefix = z.string({ error: 'must be a string such as "app/"' }).superRefine((value, ctx) => {
  const problem =
    value.startsWith('/') ? `"${value}" must not start with "/" (bucket keys are relative: write "${value.replace(/^\/+/, '')}")`
    : value.split('/').some((s) => s === '..' || s === '.') ? `"${value}" must not contain "." or ".." segments`
    : value.includes('//') ? `"${value}" must not contain "//"`
    : value.includes('\\') ? `"${value}" must use "/" not "\\"`
    : undefined
  if (problem) ctx.addIssue({ code: 'custom', message: problem })
})

const BUCKET = /^[a-z0-9][a-z0-9.\-_]{1,61}[a-z0-9]$/
export const DISTRIBUTION_ID = /^[A-Z0-9]{8,20}$/
export const ZONE_ID = /^[a-f0-9]{32}$/
const storage = z.strictObject({
  bucket: z.string({ error: 'must be a string' }).regex(BUCKET, {
    error: (iss) => `"${String(iss.input)}" is not a valid bucket name (3-63 lowercase letters, digits, dots and hyphens; no "s3://" and no path)`,
  }).optional(),
  region: z.string({ error: 'must be a string' }).regex(/^[a-z]{2}(-[a-z0-9]+){1,3}$|^auto$/, {
    error: (iss) => `"${String(iss.input)}" is not a region name (e.g. "eu-west-1", or "auto" for R2)`,
  }).optional(),
  endpoint: httpUrl('S3 endpoint').optional(),
  forcePathStyle: z.boolean({ error: 'must be true or false' }).optional(),
  accelerate: z.boolean({ error: 'must be true or false' }).optional(),
  acl: z.enum(['private', 'public-read', 'bucket-owner-full-control'], {
    error: 'must be "private", "public-read" or "bucket-owner-full-control" (or left out: modern buckets disable ACLs)',
  }).optional(),
}, { error: 'must be an object such as { bucket: "my-assets", region: "eu-west-1" }' })

const providerTypes = ['cloudfront', 'cloudflare', 'generic', 'none'] as const
const provider = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('cloudfront'),
    distributionId: z.string().regex(DISTRIBUTION_ID, {
      error: (iss) => `"${String(iss.input)}" is not a CloudFront distribution id (like "E2EXAMPLE1234", not the domain name)`,
    }).optional(),
    endpoint: httpUrl('CloudFront endpoint').optional(),
    wait: z.union([z.boolean(), z.number().int().positive()], { error: 'must be true, false, or a number of seconds' }).optional(),
  }),
  z.strictObject({
    type: z.literal('cloudflare'),
    zoneId: z.string().regex(ZONE_ID, {
      error: (iss) => `"${String(iss.input)}" is not a Cloudflare zone id (32 hex characters, from the zone's Overview page)`,
    }).optional(),
    baseURL: httpUrl('Cloudflare API').optional(),
    batchSize: z.number({ error: 'must be a number' }).int().min(1, { error: 'must be at least 1' }).max(1000, { error: 'must be at most 1000' }).optional(),
  }),
  z.strictObject({
    type: z.literal('generic'),
    url: httpUrl('webhook').optional(),
    method: z.enum(['POST', 'PUT'], { error: 'must be "POST" or "PUT"' }).optional(),
    headers: z.record(z.string(), z.string({ error: 'header values must be strings' })).optional(),
  }),
  z.strictObject({ type: z.literal('none') }),
], { error: `must be an object whose "type" is one of ${providerTypes.map((t) => `"${t}"`).join(', ')}` })

const cacheControl = z.record(
  z.string().min(1, { error: 'a glob must not be empty' }),
  z.string({ error: 'must be a Cache-Control header value such as "public, max-age=300"' }).regex(/^[\x20-\x7e]+$/, {
    error: 'must be a one-line ASCII header value such as "public, max-age=300"',
  }),
  { error: 'must be an object of glob -> header value, e.g. { "**/*.json": "public, max-age=60" }' },
)

const minify = z.union([
  z.boolean(),
  z.strictObject({ js: z.boolean().optional(), css: z.boolean().optional(), public: z.boolean().optional() }),
], { error: 'must be true, false, or { js, css, public } booleans' })

const precompress = z.union([
  z.boolean(),
  z.strictObject({ gzip: z.boolean().optional(), brotli: z.boolean().optional() }),
], { error: 'must be true, false, or { gzip, brotli } booleans' })

const invalidate = z.strictObject({
  maxPaths: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' }).max(3000, { error: 'must be at most 3000 (CloudFront accepts 3,000 paths per invalidation)' }).optional(),
  purgeEverything: z.boolean({ error: 'must be true or false' }).optional(),
}, { error: 'must be an object such as { maxPaths: 50, purgeEverything: false }' })

const count = (what: string, max: number) =>
  z.number({ error: `must be a number (${what})` }).int({ error: `must be a whole number (${what})` })
    .min(0, { error: `must be 0 or more (${what})` }).max(max, { error: `must be at most ${max} (${what})` })

export const optionsShape = {
  enabled: z.boolean({ error: 'must be true or false' }).optional(),
  domain: domain.optional(),
  prefix: prefix.optional(),
  storage: storage.optional(),
  provider: provider.optional(),
  invalidate: invalidate.optional(),
  precompress: precompress.optional(),
  cacheControl: cacheControl.optional(),
  minify: minify.optional(),
  sri: z.boolean({ error: 'must be true or false' }).optional(),
  hashPublic: z.boolean({ error: 'must be true or false' }).optional(),
  htmlAtOrigin: z.boolean({ error: 'must be true or false' }).optional(),
  retain: z.strictObject({ releases: count('releases', 10_000).optional(), days: count('days', 36_500).optional() }, {
    error: 'must be an object such as { releases: 3, days: 7 }',
  }).optional(),
  concurrency: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' }).max(256, { error: 'must be at most 256 (S3 throttles beyond that)' }).optional(),
  deploy: z.boolean({ error: 'must be true or false' }).optional(),
}

export const optionsSchema = z.strictObject(optionsShape)
export const userConfigSchema = z.strictObject({
  ...optionsShape,
  environments: z.record(z.string(), optionsSchema, { error: 'must be an object of mode name -> options' }).optional(),
  // Accepted here so inline plugin options validate in one pass; resolve() strips it.
  configFile: z.union([z.string(), z.literal(false)]).optional(),
}, { error: 'the config must be an object (export default defineCdnConfig({ ... }))' })

/** Nested option names users often write at the top level, with where they belong. */
const NESTED: Record<string, string> = {
  bucket: 'storage.bucket', region: 'storage.region', endpoint: 'storage.endpoint', distributionId: 'provider.distributionId', zoneId: 'provider.zoneId',
}
const KNOWN = [...Object.keys(optionsShape), 'environments', 'configFile', ...Object.keys(NESTED)]
/** Option names one level down, so "did you mean" suggests a name from the right level. */
const LEVEL_KEYS: Record<string, string[]> = {
  storage: ['bucket', 'region', 'endpoint', 'forcePathStyle', 'accelerate', 'acl'],
  provider: ['type', 'distributionId', 'endpoint', 'wait', 'zoneId', 'baseURL', 'batchSize', 'url', 'method', 'headers'],
  retain: ['releases', 'days'],
  minify: ['js', 'css', 'public'],
  invalidate: ['maxPaths', 'purgeEverything'],
  precompress: ['gzip', 'brotli'],
}

/** Turn zod issues into one readable line each; `input` (the parsed value) sharpens secret hints. */
export function formatIssues(error: z.ZodError, root = '', input?: unknown): string[] {
  const lines: string[] = []
  for (const issue of error.issues) {
    const at = [root, ...issue.path.map(String)].filter(Boolean).join('.')
    if (issue.code === 'unrecognized_keys') {
      const owner = issue.path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), input)
      const type = owner && typeof owner === 'object' ? (owner as { type?: unknown }).type : undefined
      for (const key of issue.keys) lines.push(unknownKey(at, key, type))
    } else {
      lines.push(`${at || '(config)'}: ${issue.message}`)
    }
  }
  return lines
}

function unknownKey(at: string, key: string, ownerType?: unknown): string {
  const field = at ? `${at}.${key}` : key
  if (AWS_SECRET_KEYS.has(key)) return `${field}: ${SECRET_HINTS.aws}`
  if (OTHER_SECRET_KEYS.has(key)) return `${field}: ${ownerType === 'cloudflare' ? SECRET_HINTS.cloudflare : SECRET_HINTS.other}`
  let guess = closest(key, LEVEL_KEYS[at.slice(at.lastIndexOf('.') + 1)] ?? KNOWN)
  // At an options level, `bucket` & co. belong one level down: say where.
  if (guess && NESTED[guess] && (!at || /^environments\.[^.]+$/.test(at))) guess = NESTED[guess]
  return `${field}: unknown option${guess ? ` (did you mean "${guess}"?)` : ''}`
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

/**
 * Config resolution, pure: file + inline options → environment for the mode →
 * env vars → defaults, validated into one list of problems before any build work.
 */
import { configError } from '../errors.js'
import { DISTRIBUTION_ID, ZONE_ID, envChecks, formatIssues, userConfigSchema } from './schema.js'
import { safeParse, type Schema } from './validate.js'
import { mergeDeployFiles, resolveDeployFiles } from './resolve-deploy.js'
import { DEFAULTS, type CdnOptions, type CdnPluginOptions, type ResolvedCdnConfig, type ResolvedProvider } from './types.js'
import { publicBaseFor, normalizePrefix } from '../plan/paths.js'
import { STATE_DIR } from '../plan/types.js'
import { isCustomProvider, type CustomProvider } from '../providers/types.js'

export interface ResolveInput {
  /** Parsed `cdn.config.*` default export, if a file was found. */
  file?: unknown
  /** Inline options given to the plugin or the API (override the file). */
  inline?: CdnPluginOptions
  /** Vite's mode or `CDN_ENV`: picks `environments[mode]`. */
  mode?: string
  /** Fail when `mode` names no environment (the CLI's `--mode`, where a typo must not deploy to prod). */
  strictMode?: boolean
  /** The environment variables to read. @default process.env */
  env?: Record<string, string | undefined>
  /** Where the config came from, for messages. */
  source?: string
}

export function resolveConfig(input: ResolveInput): ResolvedCdnConfig {
  const source = input.source ?? 'inline options'
  const env = input.env ?? process.env
  const problems: string[] = []

  const file = validate(input.file ?? {}, problems)
  const inline = validate(stripPluginKeys(input.inline ?? {}), problems)
  if (problems.length) throw configError(problems, source)

  let merged = mergeOptions(file, inline)
  const environments = { ...file.environments, ...inline.environments }
  if (input.mode && Object.hasOwn(environments, input.mode)) {
    merged = mergeOptions(merged, environments[input.mode]!)
  } else if (input.mode && input.strictMode) {
    const known = Object.keys(environments)
    problems.push(`mode "${input.mode}" names no environment (known: ${known.length ? known.join(', ') : 'none'})`)
  }
  merged = applyEnv(merged, env, problems)
  if (problems.length) throw configError(problems, source)

  const resolved = finish(merged, input.mode, env, problems)
  if (problems.length) throw configError(problems, source)
  return resolved
}

type Validated = CdnOptions & { environments?: Record<string, CdnOptions> }

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Custom adapter objects hold functions (and may be class instances): they are
 * taken out before schema validation and put back untouched, never cloned or merged.
 */
function takeCustomProviders(raw: unknown, found: Map<string, CustomProvider>): unknown {
  if (!isRecord(raw)) return raw
  const strip = (level: string, options: unknown): unknown => {
    if (!isRecord(options) || !isCustomProvider(options.provider)) return options
    found.set(level, options.provider)
    const { provider: _adapter, ...rest } = options
    return rest
  }
  const out = strip('', raw) as Record<string, unknown>
  if (isRecord(out.environments)) {
    out.environments = Object.fromEntries(Object.entries(out.environments).map(([mode, o]) => [mode, strip(mode, o)]))
  }
  return out
}

function validate(raw: unknown, problems: string[]): Validated {
  const customs = new Map<string, CustomProvider>()
  const stripped = takeCustomProviders(raw, customs)
  const parsed = safeParse(userConfigSchema, stripped)
  if (!parsed.success) {
    problems.push(...formatIssues(parsed.issues, '', stripped))
    return {}
  }
  const data = parsed.data as Validated
  for (const [level, adapter] of customs) {
    if (level === '') data.provider = adapter
    else if (data.environments?.[level]) data.environments[level].provider = adapter
  }
  const levels: Array<[string, CdnOptions]> = [['', parsed.data], ...Object.entries(parsed.data.environments ?? {}).map(([mode, o]): [string, CdnOptions] => [`environments.${mode}.`, o])]
  for (const [at, options] of levels) {
    const provider = options.provider
    const headers = provider && !isCustomProvider(provider) && provider.type === 'generic' ? provider.headers : undefined
    for (const [name, value] of Object.entries(headers ?? {})) {
      if (/auth|token|key|secret|password/i.test(name) && !value.includes('${')) {
        problems.push(`${at}provider.headers.${name}: secrets do not belong in the config file: write "\${MY_ENV_VAR}" and set the variable in the environment`)
      }
    }
  }
  return data
}

function stripPluginKeys(options: CdnPluginOptions): CdnPluginOptions {
  const { configFile: _ignored, ...rest } = options
  return rest
}

/** Deep-merge the nested option objects; `over` wins. Its cacheControl rules come first. */
export function mergeOptions<T extends CdnOptions>(base: T, over: CdnOptions): T {
  const out: CdnOptions = { ...base, ...over }
  if (base.storage || over.storage) out.storage = { ...base.storage, ...over.storage }
  if (base.retain || over.retain) out.retain = { ...base.retain, ...over.retain }
  if (base.invalidate || over.invalidate) out.invalidate = { ...base.invalidate, ...over.invalidate }
  if (typeof base.minify === 'object' && typeof over.minify === 'object') out.minify = { ...base.minify, ...over.minify }
  if (typeof base.precompress === 'object' && typeof over.precompress === 'object') out.precompress = { ...base.precompress, ...over.precompress }
  const builtIn = (p: CdnOptions['provider']) => (p && !isCustomProvider(p) ? p : undefined)
  const [baseP, overP] = [builtIn(base.provider), builtIn(over.provider)]
  if (baseP && overP && baseP.type === overP.type) {
    out.provider = { ...base.provider, ...over.provider } as CdnOptions['provider']
  }
  if (base.cacheControl && over.cacheControl) out.cacheControl = { ...over.cacheControl, ...base.cacheControl, ...over.cacheControl }
  mergeDeployFiles(base, over, out)
  return out as T
}

const BOOL: Record<string, boolean> = { '1': true, true: true, yes: true, on: true, '0': false, false: false, no: false, off: false }

function applyEnv(options: CdnOptions, env: Record<string, string | undefined>, problems: string[]): CdnOptions {
  const out: CdnOptions = { ...options, storage: { ...options.storage } }
  const bool = (name: string): boolean | undefined => {
    const raw = env[name]
    if (raw === undefined || raw === '') return undefined
    const value = BOOL[raw.trim().toLowerCase()]
    if (value === undefined) problems.push(`${name}: "${raw}" is not a boolean (use 1/0, true/false)`)
    return value
  }
  const str = (name: string, check: Schema<string>): string | undefined => {
    const raw = env[name]
    if (raw === undefined || raw === '') return undefined
    const parsed = safeParse(check, raw)
    if (!parsed.success) problems.push(...formatIssues(parsed.issues, name))
    return raw
  }
  out.enabled = bool('CDN_ENABLED') ?? out.enabled
  out.deploy = bool('CDN_DEPLOY') ?? out.deploy
  out.domain = str('CDN_DOMAIN', envChecks.domain) ?? out.domain
  out.prefix = str('CDN_PREFIX', envChecks.prefix) ?? out.prefix
  const bucket = str('CDN_BUCKET', envChecks.bucket)
  if (bucket) out.storage!.bucket = bucket
  out.storage!.accelerate = bool('AWS_S3_USE_ACCELERATE') ?? out.storage!.accelerate

  const distributionId = env.CDN_DISTRIBUTION_ID
  if (distributionId && !DISTRIBUTION_ID.test(distributionId)) {
    problems.push(`CDN_DISTRIBUTION_ID: "${distributionId}" is not a CloudFront distribution id (like "E2EXAMPLE1234", not the domain name)`)
  }
  if (env.CLOUDFLARE_ZONE_ID && !ZONE_ID.test(env.CLOUDFLARE_ZONE_ID)) {
    problems.push(`CLOUDFLARE_ZONE_ID: "${env.CLOUDFLARE_ZONE_ID}" is not a Cloudflare zone id (32 hex characters, from the zone's Overview page)`)
  }
  if (distributionId) {
    if (out.provider && isCustomProvider(out.provider)) {
      problems.push('CDN_DISTRIBUTION_ID is set but provider is a custom adapter (unset one of them)')
    } else if (out.provider && out.provider.type !== 'cloudfront' && out.provider.type !== 'none') {
      problems.push(`CDN_DISTRIBUTION_ID is set but provider.type is "${out.provider.type}" (unset one of them)`)
    } else {
      out.provider = { ...(out.provider?.type === 'cloudfront' ? out.provider : {}), type: 'cloudfront', distributionId }
    }
  }
  if (env.CLOUDFLARE_ZONE_ID && out.provider && !isCustomProvider(out.provider) && out.provider.type === 'cloudflare') {
    out.provider = { ...out.provider, zoneId: env.CLOUDFLARE_ZONE_ID }
  }
  return out
}

function finish(o: CdnOptions, mode: string | undefined, env: Record<string, string | undefined>, problems: string[]): ResolvedCdnConfig {
  const enabled = o.enabled ?? DEFAULTS.enabled
  const deploy = enabled && (o.deploy ?? DEFAULTS.deploy)
  const prefix = normalizePrefix(o.prefix ?? DEFAULTS.prefix)
  if (enabled && !o.domain) problems.push('domain: required: the public base URL of the CDN, e.g. "https://cdn.example.com" (or set CDN_DOMAIN, or enabled: false)')
  if (deploy && !o.storage?.bucket) problems.push('storage.bucket: required to deploy (set it, or CDN_BUCKET, or deploy: false to only build)')
  const provider = resolveProvider(o.provider ?? DEFAULTS.provider, deploy, env, problems)
  const statePrefix = o.storage?.statePrefix === undefined ? `${prefix}${STATE_DIR}` : normalizePrefix(o.storage.statePrefix)
  if (!statePrefix || statePrefix === prefix) problems.push(`storage.statePrefix: "${o.storage?.statePrefix}" must name a folder of its own (e.g. "_cdn-deploy/${prefix}"), not the site's prefix`)
  const minify = o.minify === false ? { js: false, css: false, public: false }
    : o.minify === true || o.minify === undefined ? { ...DEFAULTS.minify }
    : { ...DEFAULTS.minify, ...o.minify }
  return {
    enabled,
    mode,
    domain: o.domain ?? '',
    prefix,
    publicBase: o.domain ? publicBaseFor(o.domain, prefix) : '/',
    storage: { ...o.storage, forcePathStyle: o.storage?.forcePathStyle ?? false, accelerate: o.storage?.accelerate ?? false, statePrefix },
    provider,
    invalidate: { ...(o.invalidate?.maxPaths ? { maxPaths: o.invalidate.maxPaths } : {}), purgeEverything: o.invalidate?.purgeEverything ?? false },
    cacheControl: Object.entries(o.cacheControl ?? {}),
    minify,
    sri: o.sri ?? DEFAULTS.sri,
    hashPublic: o.hashPublic ?? DEFAULTS.hashPublic,
    htmlAtOrigin: o.htmlAtOrigin ?? DEFAULTS.htmlAtOrigin,
    reloadOnChunkError: o.reloadOnChunkError ?? DEFAULTS.reloadOnChunkError,
    retain: { ...DEFAULTS.retain, ...o.retain },
    precompress: o.precompress === true ? { gzip: true, brotli: false }
      : !o.precompress ? { gzip: false, brotli: false }
      : { gzip: o.precompress.gzip ?? false, brotli: o.precompress.brotli ?? false },
    concurrency: o.concurrency ?? DEFAULTS.concurrency,
    deploy,
    ...resolveDeployFiles(o, problems),
  }
}

function resolveProvider(p: NonNullable<CdnOptions['provider']>, deploy: boolean, env: Record<string, string | undefined>, problems: string[]): ResolvedProvider | CustomProvider {
  if (isCustomProvider(p)) return p
  const need = (ok: unknown, message: string) => {
    if (deploy && !ok) problems.push(message)
  }
  switch (p.type) {
    case 'cloudfront':
      need(p.distributionId, 'provider.distributionId: required for CloudFront (set it, or CDN_DISTRIBUTION_ID)')
      return { ...p, distributionId: p.distributionId ?? '' }
    case 'cloudflare': {
      const apiToken = env.CLOUDFLARE_API_TOKEN ?? ''
      need(p.zoneId, 'provider.zoneId: required for Cloudflare (set it, or CLOUDFLARE_ZONE_ID)')
      need(apiToken, 'CLOUDFLARE_API_TOKEN: required for Cloudflare: set the env var to a token with the "Zone.Cache Purge" permission')
      return { ...p, zoneId: p.zoneId ?? '', apiToken, baseURL: p.baseURL ?? DEFAULTS.cloudflare.baseURL, batchSize: p.batchSize ?? DEFAULTS.cloudflare.batchSize }
    }
    case 'generic':
      need(p.url, 'provider.url: required for the generic provider (the webhook to call)')
      return { ...p, url: p.url ?? '', method: p.method ?? 'POST', headers: p.headers ?? {} }
    case 'none':
      return { type: 'none' }
  }
}

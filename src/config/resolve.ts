/**
 * Config resolution, pure: file + inline options → environment for the mode →
 * env vars → defaults, validated into one list of problems before any build work.
 */
import { configError } from '../errors.js'
import { envChecks, formatIssues, userConfigSchema } from './schema.js'
import { safeParse, type Schema } from './validate.js'
import { mergeDeployFiles, resolveDeployFiles } from './resolve-deploy.js'
import { DEFAULTS, type CdnOptions, type CdnPluginOptions, type ResolvedCdnConfig, type ResolvedProvider } from './types.js'
import { publicBaseFor, normalizePrefix } from '../plan/paths.js'
import { STATE_DIR } from '../plan/types.js'
import { DEFINITIONS, providerDefinition } from '../providers/lookup.js'
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
  const levels: Array<[string, CdnOptions]> = [
    ['', parsed.data],
    ...Object.entries(parsed.data.environments ?? {}).map(([mode, o]): [string, CdnOptions] => [`environments.${mode}.`, o]),
  ]
  for (const [at, options] of levels) {
    const provider = options.provider
    if (!provider || isCustomProvider(provider)) continue
    for (const line of providerDefinition(provider.type)?.lint?.(provider) ?? []) problems.push(`${at}provider.${line}`)
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

  // Provider options from env vars (CDN_DISTRIBUTION_ID, CLOUDFLARE_ZONE_ID…): each
  // checked with its option's schema whatever the provider, then applied.
  const bound = DEFINITIONS.flatMap((d) => (d.env ?? []).map((b) => ({ type: d.type, ...b, check: d.options[b.option]!, value: env[b.name] }))).filter(
    (b): b is typeof b & { value: string } => !!b.value,
  )
  for (const b of bound) {
    const parsed = safeParse(b.check, b.value)
    if (!parsed.success) problems.push(...formatIssues(parsed.issues, b.name))
  }
  for (const b of bound) {
    const p = out.provider
    if (p && isCustomProvider(p)) {
      if (b.selects) problems.push(`${b.name} is set but provider is a custom adapter (unset one of them)`)
    } else if (p?.type === b.type) {
      out.provider = { ...p, [b.option]: b.value } as CdnOptions['provider']
    } else if (b.selects && (!p || p.type === 'none')) {
      // Picks its provider, so that setting one env var in CI is enough.
      out.provider = { type: b.type, [b.option]: b.value } as CdnOptions['provider']
    } else if (b.selects && p) {
      problems.push(`${b.name} is set but provider.type is "${p.type}" (unset one of them)`)
    }
  }
  return out
}

function finish(o: CdnOptions, mode: string | undefined, env: Record<string, string | undefined>, problems: string[]): ResolvedCdnConfig {
  const enabled = o.enabled ?? DEFAULTS.enabled
  const deploy = enabled && (o.deploy ?? DEFAULTS.deploy)
  const prefix = normalizePrefix(o.prefix ?? DEFAULTS.prefix)
  if (enabled && !o.domain)
    problems.push('domain: required: the public base URL of the CDN, e.g. "https://cdn.example.com" (or set CDN_DOMAIN, or enabled: false)')
  if (deploy && !o.storage?.bucket) problems.push('storage.bucket: required to deploy (set it, or CDN_BUCKET, or deploy: false to only build)')
  const provider = resolveProvider(o.provider ?? DEFAULTS.provider, deploy, env, problems)
  const statePrefix = o.storage?.statePrefix === undefined ? `${prefix}${STATE_DIR}` : normalizePrefix(o.storage.statePrefix)
  if (!statePrefix || statePrefix === prefix)
    problems.push(`storage.statePrefix: "${o.storage?.statePrefix}" must name a folder of its own (e.g. "_cdn-deploy/${prefix}"), not the site's prefix`)
  const minify =
    o.minify === false
      ? { js: false, css: false, public: false }
      : o.minify === true || o.minify === undefined
        ? { ...DEFAULTS.minify }
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
    precompress:
      o.precompress === true
        ? { gzip: true, brotli: false }
        : !o.precompress
          ? { gzip: false, brotli: false }
          : { gzip: o.precompress.gzip ?? false, brotli: o.precompress.brotli ?? false },
    concurrency: o.concurrency ?? DEFAULTS.concurrency,
    deploy,
    ...resolveDeployFiles(o, problems),
  }
}

function resolveProvider(
  p: NonNullable<CdnOptions['provider']>,
  deploy: boolean,
  env: Record<string, string | undefined>,
  problems: string[],
): ResolvedProvider | CustomProvider {
  if (isCustomProvider(p)) return p
  const need = (ok: unknown, message: string) => {
    if (deploy && !ok) problems.push(message)
  }
  // The schema admitted only the registry's types.
  return providerDefinition(p.type)!.resolve(p, { env, need }) as ResolvedProvider
}

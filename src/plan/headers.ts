/**
 * Headers and S3 parameters per object, pure: `headers` rules by glob (first
 * match wins, dot files included, as for `cacheControl`) and `redirects`
 * (zero-byte objects carrying `WebsiteRedirectLocation`). What they give is
 * recorded in the ledger, so a change re-uploads and purges exactly the
 * objects it touches.
 */
import picomatch from 'picomatch'
import type { HeaderRule } from '../config/deploy-options.js'
import { CdnDeployError } from '../errors.js'
import { contentTypeFor } from './content-type.js'
import type { LocalFile, ObjectParams } from './types.js'

export type HeaderRuleEntry = [glob: string, rule: HeaderRule]

/** What the rules give one object: a Content-Type override and/or parameters. */
export interface ObjectHeaders {
  contentType?: string
  params?: ObjectParams
}

export interface HeaderInputs {
  /** `headers`, in order. @default [] */
  headers?: readonly HeaderRuleEntry[]
  /** `redirects`: key relative to the prefix → target. @default {} */
  redirects?: Readonly<Record<string, string>>
}

/** sha256 of zero bytes: the body of every redirect object. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
/** A browser reaching a redirect object through a REST endpoint gets an empty page, not a download. */
const REDIRECT_TYPE = 'text/html; charset=utf-8'

function paramsOf(rule: HeaderRule): ObjectParams | undefined {
  const params: ObjectParams = {}
  if (rule['Content-Disposition'] !== undefined) params.ContentDisposition = rule['Content-Disposition']
  if (rule['Content-Language'] !== undefined) params.ContentLanguage = rule['Content-Language']
  if (rule.metadata && Object.keys(rule.metadata).length) params.Metadata = { ...rule.metadata }
  for (const name of ['StorageClass', 'ServerSideEncryption', 'SSEKMSKeyId', 'WebsiteRedirectLocation'] as const) {
    if (rule[name] !== undefined) params[name] = rule[name]
  }
  return Object.keys(params).length ? params : undefined
}

/** Compile once; the returned function is called per object (by its rel, or its source's for a brotli sibling). */
export function compileObjectHeaders(inputs: HeaderInputs): (rel: string) => ObjectHeaders {
  const rules = (inputs.headers ?? []).map(([glob, rule]) => ({
    test: picomatch(glob, { dot: true }),
    contentType: rule['Content-Type'],
    params: paramsOf(rule),
  }))
  const redirects = new Map(Object.entries(inputs.redirects ?? {}))
  return (rel) => {
    const rule = rules.find((r) => r.test(rel))
    const out: ObjectHeaders = {}
    if (rule?.contentType) out.contentType = rule.contentType
    const target = redirects.get(rel)
    const params = target === undefined ? rule?.params : { ...rule?.params, WebsiteRedirectLocation: target }
    if (params) out.params = params
    return out
  }
}

/** The redirect objects, as files of the build: zero bytes, nothing on disk (`path` empty). */
export function redirectObjects(redirects: Readonly<Record<string, string>> | undefined, local: readonly LocalFile[]): LocalFile[] {
  const onDisk = new Set(local.map((f) => f.rel))
  return Object.keys(redirects ?? {}).map((rel) => {
    if (onDisk.has(rel)) throw new CdnDeployError('plan', `redirects: ${JSON.stringify(rel)} is also a file of the build: remove the redirect or the file`)
    return { rel, path: '', size: 0, sha256: EMPTY_SHA256, contentType: REDIRECT_TYPE, immutable: false }
  })
}

/** A stable text of the parameters (sorted keys), to compare two of them. */
export function paramsKey(params: ObjectParams | undefined): string {
  if (!params) return ''
  const sorted = (o: object): unknown =>
    Object.fromEntries(
      Object.entries(o)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, v && typeof v === 'object' ? sorted(v as object) : v]),
    )
  return JSON.stringify(sorted(params))
}

const SHOWN: Record<keyof ObjectParams, string> = {
  ContentDisposition: 'Content-Disposition',
  ContentLanguage: 'Content-Language',
  Metadata: 'metadata',
  StorageClass: 'StorageClass',
  ServerSideEncryption: 'ServerSideEncryption',
  SSEKMSKeyId: 'SSEKMSKeyId',
  WebsiteRedirectLocation: 'WebsiteRedirectLocation',
}

/**
 * What the plan shows for an upload: its parameters under the names the config
 * uses, and its Content-Type when a rule replaced the one its name implies.
 */
export function shownHeaders(upload: {
  rel: string
  contentType: string
  contentEncoding?: string | undefined
  params?: ObjectParams | undefined
}): Record<string, string> | undefined {
  const out: Record<string, string> = {}
  const redirect = upload.params?.WebsiteRedirectLocation !== undefined
  const named = upload.contentEncoding === 'br' ? upload.rel.replace(/\.br$/, '') : upload.rel
  if (!redirect && upload.contentType !== contentTypeFor(named)) out['Content-Type'] = upload.contentType
  for (const [name, value] of Object.entries(upload.params ?? {}) as Array<[keyof ObjectParams, string | Record<string, string>]>) {
    if (typeof value === 'string') out[SHOWN[name]] = value
    else for (const [k, v] of Object.entries(value)) out[`metadata.${k}`] = v
  }
  return Object.keys(out).length ? out : undefined
}

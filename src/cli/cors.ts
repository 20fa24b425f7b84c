/**
 * The CORS part of `cdn-deploy status`. Module scripts (`<script type="module">`),
 * SRI-checked tags (`crossorigin`) and fonts are fetched in CORS mode: when the
 * HTML comes from another origin than the assets, the bucket (or the CDN in
 * front of it) must answer with `Access-Control-Allow-Origin` for the page's
 * origin, or the browser refuses to run them.
 */
import { GetBucketCorsCommand, type CORSRule } from '@aws-sdk/client-s3'
import type { ResolvedCdnConfig } from '../config/types.js'
import { errorCode, mapS3Error } from '../storage/errors.js'
import type { Storage } from '../storage/index.js'

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip'

export interface Check {
  name: string
  status: CheckStatus
  message: string
}

/** S3 semantics: `*` alone matches any origin; otherwise at most one `*`, anywhere. */
export function originMatches(pattern: string, origin: string): boolean {
  if (pattern === '*') return true
  const star = pattern.indexOf('*')
  if (star === -1) return pattern.toLowerCase() === origin.toLowerCase()
  const [head, tail] = [pattern.slice(0, star).toLowerCase(), pattern.slice(star + 1).toLowerCase()]
  const o = origin.toLowerCase()
  return o.length >= head.length + tail.length && o.startsWith(head) && o.endsWith(tail)
}

/** Whether some rule lets `origin` GET objects. */
export function corsAllows(rules: readonly CORSRule[], origin: string): boolean {
  return rules.some((r) => (r.AllowedMethods ?? []).some((m) => m.toUpperCase() === 'GET') && (r.AllowedOrigins ?? []).some((p) => originMatches(p, origin)))
}

const ruleFix = (origin: string) =>
  `add a bucket CORS rule {"AllowedOrigins":["${origin}"],"AllowedMethods":["GET","HEAD"],"MaxAgeSeconds":3600} ` +
  '(aws s3api put-bucket-cors), and have the CDN forward the Origin header (CloudFront: a CORS origin request policy) or add the CORS headers itself'

/** The bucket's CORS rules; undefined when it has none. */
async function bucketCors(storage: Storage): Promise<CORSRule[] | undefined> {
  try {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketCors.html
    const out = await storage.client.send(new GetBucketCorsCommand({ Bucket: storage.bucket }))
    return out.CORSRules ?? []
  } catch (err) {
    if (errorCode(err) === 'NoSuchCORSConfiguration') return undefined
    throw mapS3Error(err, { action: 'GetBucketCors', bucket: storage.bucket })
  }
}

function parseOrigin(value: string): string | undefined {
  try {
    const url = new URL(value)
    return url.origin === 'null' ? undefined : url.origin
  } catch {
    return undefined
  }
}

export async function checkCors(storage: Storage, config: ResolvedCdnConfig, originFlag?: string): Promise<Check> {
  const name = 'cors'
  const assets = parseOrigin(config.publicBase)
  if (!assets) return { name, status: 'skip', message: `public base ${config.publicBase} is not an absolute URL` }
  if (originFlag !== undefined) {
    const origin = parseOrigin(originFlag)
    if (!origin) return { name, status: 'fail', message: `--origin "${originFlag}" is not an origin (use e.g. --origin https://www.example.com)` }
    if (origin === assets) return { name, status: 'ok', message: `the HTML and the assets share the origin ${origin}: no CORS needed` }
    let rules: CORSRule[] | undefined
    try {
      rules = await bucketCors(storage)
    } catch (err) {
      return { name, status: 'warn', message: `could not read the bucket CORS (${(err as Error).message}); the credentials need s3:GetBucketCORS to check it` }
    }
    if (!rules) {
      return {
        name,
        status: 'fail',
        message: `bucket ${storage.bucket} has no CORS configuration, so browsers on ${origin} refuse module scripts from ${assets}; fix: ${ruleFix(origin)}`,
      }
    }
    if (!corsAllows(rules, origin)) {
      const allowed = [...new Set(rules.flatMap((r) => r.AllowedOrigins ?? []))].join(', ') || 'none'
      return { name, status: 'fail', message: `bucket CORS does not allow GET from ${origin} (allowed origins: ${allowed}); fix: ${ruleFix(origin)}` }
    }
    return { name, status: 'ok', message: `bucket CORS allows GET from ${origin} (assets on ${assets})` }
  }
  if (!config.htmlAtOrigin) {
    return {
      name,
      status: 'ok',
      message: `the HTML is served from the CDN with its assets (${assets}): no CORS needed (pass --origin if your pages live elsewhere)`,
    }
  }
  let summary = ''
  try {
    const rules = await bucketCors(storage)
    summary = rules
      ? ` (the bucket allows: ${[...new Set(rules.flatMap((r) => r.AllowedOrigins ?? []))].join(', ') || 'no origin'})`
      : ' (the bucket has no CORS configuration)'
  } catch {
    // Reported as unknown below; the warning already asks for --origin.
  }
  return {
    name,
    status: 'warn',
    message: `htmlAtOrigin is on but the site's origin is unknown here${summary}: pass --origin https://www.example.com to check that the bucket CORS allows it`,
  }
}

/**
 * SDK errors → `[cdn-deploy] [s3] …` errors that say what to fix. The SDK error
 * stays as `cause`; credential values are never part of a message.
 */
import { CdnDeployError } from '../errors.js'

export interface S3ErrorContext {
  /** The S3 API operation, e.g. `PutObject`. */
  action: string
  bucket: string
  key?: string
  /** The configured region, if any. */
  region?: string
  /** The configured endpoint, if any. */
  endpoint?: string
}

interface SdkErrorLike {
  name?: string
  code?: string
  Code?: string
  message?: string
  Region?: string
  $metadata?: { httpStatusCode?: number }
  $response?: { headers?: Record<string, string | undefined> }
  cause?: unknown
}

function asSdk(err: unknown): SdkErrorLike {
  return typeof err === 'object' && err !== null ? (err as SdkErrorLike) : {}
}

/** The S3 error code (`NoSuchKey`, `SlowDown`, …) or the SDK error name. */
export function errorCode(err: unknown): string {
  const e = asSdk(err)
  return e.Code ?? e.name ?? ''
}

export function httpStatus(err: unknown): number | undefined {
  return asSdk(err).$metadata?.httpStatusCode
}

/** A Node network error code (`ECONNRESET`, …) anywhere in the cause chain. */
export function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = asSdk(e).cause, depth++) {
    const code = asSdk(e).code
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code
  }
  return undefined
}

/** 404 of a key (GetObject says NoSuchKey; HEAD responses have no body, so only the status). */
export function isNotFound(err: unknown): boolean {
  const code = errorCode(err)
  return code === 'NoSuchKey' || code === 'NotFound' || (httpStatus(err) === 404 && code !== 'NoSuchBucket')
}

/** 412 of a conditional request (`If-None-Match`, `If-Match`). */
export function isPreconditionFailed(err: unknown): boolean {
  return errorCode(err) === 'PreconditionFailed' || httpStatus(err) === 412
}

/** IAM action needed for each API operation, to name it in AccessDenied messages. */
const IAM_ACTION: Record<string, string> = {
  HeadBucket: 's3:ListBucket',
  ListObjectsV2: 's3:ListBucket',
  GetObject: 's3:GetObject',
  HeadObject: 's3:GetObject',
  PutObject: 's3:PutObject',
  CopyObject: 's3:GetObject and s3:PutObject',
  CreateMultipartUpload: 's3:PutObject',
  UploadPart: 's3:PutObject',
  CompleteMultipartUpload: 's3:PutObject',
  AbortMultipartUpload: 's3:AbortMultipartUpload',
  DeleteObject: 's3:DeleteObject',
  DeleteObjects: 's3:DeleteObject',
}

const CREDENTIAL_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidToken',
  'TokenRefreshRequired',
  'CredentialsProviderError',
])

const CREDENTIAL_HINT =
  'check the AWS credential chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), AWS_PROFILE, `aws sso login`, or web identity in CI'

function where(ctx: S3ErrorContext): string {
  return ctx.key === undefined ? `s3://${ctx.bucket}` : `s3://${ctx.bucket}/${ctx.key}`
}

/** The bucket's real region, when the response names it. */
function bucketRegion(e: SdkErrorLike): string | undefined {
  return e.$response?.headers?.['x-amz-bucket-region'] ?? e.Region
}

/** Map any error of an S3 call to a scoped CdnDeployError (already-mapped errors pass through). */
export function mapS3Error(err: unknown, ctx: S3ErrorContext): CdnDeployError {
  if (err instanceof CdnDeployError) return err
  const e = asSdk(err)
  const code = errorCode(err)
  const status = httpStatus(err)
  const fail = (message: string) => new CdnDeployError('s3', message, { cause: err })

  if (ctx.action === 'GetObject' && status === 404 && code !== 'NoSuchKey' && code !== 'NoSuchBucket') {
    const target = ctx.endpoint ?? 'the S3 endpoint'
    return fail(`GetObject ${where(ctx)}: ${target} answered 404 without an S3 error (NoSuchKey): is storage.endpoint an S3 API (not a website or a CDN)?`)
  }
  if (code === 'NoSuchBucket' || (ctx.action === 'HeadBucket' && status === 404)) {
    return fail(`bucket "${ctx.bucket}" not found (check storage.bucket and storage.region)`)
  }
  const right = bucketRegion(e)
  if (
    code === 'PermanentRedirect' ||
    code === 'AuthorizationHeaderMalformed' ||
    code === 'IllegalLocationConstraintException' ||
    status === 301 ||
    // HEAD responses have no body: a 400 naming another region is the same mistake.
    (status === 400 && right !== undefined && right !== ctx.region)
  ) {
    const configured = ctx.region ? `storage.region is "${ctx.region}"` : 'storage.region is unset'
    return fail(
      right
        ? `bucket "${ctx.bucket}" is in region "${right}" but ${configured} (set storage.region: '${right}')`
        : `bucket "${ctx.bucket}" is in another region than the one used (${configured}; check storage.region)`,
    )
  }
  if (CREDENTIAL_CODES.has(code)) {
    const what = code === 'CredentialsProviderError' ? 'no AWS credentials found' : `AWS credentials rejected (${code})`
    return fail(`${what} for ${ctx.action} on ${where(ctx)}; ${CREDENTIAL_HINT}`)
  }
  if (code === 'AccessControlListNotSupported') {
    return fail(`bucket "${ctx.bucket}" has ACLs disabled (Object Ownership "bucket owner enforced"); remove storage.acl`)
  }
  if (code === 'AccessDenied' || code === 'Forbidden' || status === 403) {
    const iam = IAM_ACTION[ctx.action] ?? `s3:${ctx.action}`
    // Without s3:ListBucket, S3 answers 403 instead of 404 for a key that does not exist.
    const missing = ctx.action === 'GetObject' || ctx.action === 'HeadObject' ? '; S3 also answers 403 for a missing key when s3:ListBucket is not allowed' : ''
    return fail(`access denied: ${ctx.action} on ${where(ctx)} (the credentials need ${iam} on this bucket${missing})`)
  }
  const net = networkCode(err)
  if (net === 'ECONNREFUSED' || net === 'ENOTFOUND' || net === 'EAI_AGAIN' || net === 'EHOSTUNREACH') {
    const target = ctx.endpoint ?? 'the S3 endpoint (AWS_ENDPOINT_URL_S3 or AWS S3)'
    return fail(`cannot reach ${target} (${net}) during ${ctx.action}; check storage.endpoint and the network`)
  }
  if (net !== undefined && /^E(NOENT|ACCES|PERM|ISDIR|NOTDIR|MFILE|NFILE)$/.test(net)) {
    return fail(`${ctx.action} ${where(ctx)} failed reading the local file: ${e.message ?? net}`)
  }
  if (net !== undefined) {
    return fail(`${ctx.action} ${where(ctx)} failed: connection error ${net} (${e.message ?? 'no message'}), retries exhausted`)
  }
  const detail = e.message && e.message !== code ? `${code || 'error'}: ${e.message}` : code || String(err)
  return fail(`${ctx.action} ${where(ctx)} failed (${status ? `HTTP ${status}, ` : ''}${detail})`)
}

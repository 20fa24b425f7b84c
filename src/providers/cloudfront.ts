/**
 * Amazon CloudFront. Paths are encoded as CreateInvalidation expects, split into
 * batches within the in-flight limits, and each batch submitted once under a
 * CallerReference unique to that call (release, batch index, a random id).
 * CloudFront uses the reference to recognise a retried request
 * (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_InvalidationBatch.html);
 * a purge the deploy repeats on purpose (pending paths retried by the next
 * deploy) is a new request and gets a new reference.
 */
import { randomUUID } from 'node:crypto'
import type { CloudFrontClient } from '@aws-sdk/client-cloudfront'
import { boolean, integer, matches, optional, string, union } from '../config/validate.js'
import { httpUrl } from '../config/checks.js'
import { CdnDeployError } from '../errors.js'
import { CLOUDFRONT_LIMITS } from '../plan/invalidation.js'
import { cloudFrontBatches, encodeCloudFrontPath } from '../plan/invalidation-encoding.js'
import {
  backoff,
  defineProvider,
  sleep,
  waitTimeoutMs,
  type CdnProvider,
  type InvalidateContext,
  type InvalidationResult,
  type InvalidationStatus,
  type InvalidationTarget,
  type ProviderTuning,
} from './types.js'

/** Invalidate through Amazon CloudFront. Credentials come from the AWS default chain. */
export interface CloudFrontProviderOptions {
  type: 'cloudfront'
  /** Distribution id, e.g. `E2EXAMPLE`. Env: `CDN_DISTRIBUTION_ID`. */
  distributionId?: string
  /**
   * CloudFront API endpoint; `AWS_ENDPOINT_URL_CLOUDFRONT` keeps working when unset.
   * @default AWS CloudFront
   */
  endpoint?: string
  /**
   * Wait for the invalidation to complete (seconds to wait at most, or `true` for 600).
   * @default false
   */
  wait?: boolean | number
}

export type CloudFrontConfig = CloudFrontProviderOptions & { distributionId: string }

/** The SDK, imported when the provider is loaded (an optional peer dependency). */
type CloudFrontSdk = typeof import('@aws-sdk/client-cloudfront')

const DISTRIBUTION_ID = /^[A-Z0-9]{8,20}$/

export interface CloudFrontTuning extends ProviderTuning {
  /** A client to use instead of a new one (tests). */
  client?: Pick<CloudFrontClient, 'send'>
}

/** A reference unique to one submission of one batch (the SDK's own retries of it reuse it). */
export function callerReference(release: string, index: number): string {
  return `cdn-deploy:${release.slice(0, 96)}:${index}:${randomUUID()}`
}

/** Emulators differ in case (`COMPLETED`, `Completed`): normalise the two known states. */
export function normalizeStatus(status: string | undefined): InvalidationStatus {
  const s = (status ?? 'unknown').toLowerCase()
  return s === 'completed' ? 'Completed' : s === 'inprogress' ? 'InProgress' : (status ?? 'unknown')
}

const errorName = (err: unknown) => (err as { name?: string } | undefined)?.name ?? ''

export function createCloudFrontProvider(config: CloudFrontConfig, _target: InvalidationTarget, tuning: CloudFrontTuning, sdk: CloudFrontSdk): CdnProvider {
  const { CloudFrontClient, CreateInvalidationCommand, GetDistributionCommand, GetInvalidationCommand } = sdk
  const id = config.distributionId
  if (!id) throw new CdnDeployError('cloudfront', 'no distribution id: set provider.distributionId or CDN_DISTRIBUTION_ID')
  // CloudFront is global and signs with us-east-1 whatever AWS_REGION says. With no
  // endpoint here, the SDK's own AWS_ENDPOINT_URL_CLOUDFRONT keeps working.
  const client = tuning.client ?? new CloudFrontClient({ region: 'us-east-1', ...(config.endpoint ? { endpoint: config.endpoint } : {}) })
  const busyBase = tuning.retryBaseDelayMs ?? 10_000
  const busyTimeout = tuning.busyTimeoutMs ?? 900_000
  const pollMs = tuning.pollIntervalMs ?? 5000

  const fail = (action: string, err: unknown): CdnDeployError => {
    const name = errorName(err)
    const message = err instanceof Error ? err.message : String(err)
    const where = `distribution ${id}`
    if (name === 'NoSuchDistribution')
      return new CdnDeployError('cloudfront', `${where} not found (check provider.distributionId${config.endpoint ? ' and provider.endpoint' : ''})`, {
        cause: err,
      })
    if (name === 'AccessDenied' || name === 'AccessDeniedException') {
      return new CdnDeployError(
        'cloudfront',
        `access denied for ${action} on ${where}: the credentials need cloudfront:CreateInvalidation, cloudfront:GetInvalidation and cloudfront:GetDistribution on arn:aws:cloudfront::<account>:distribution/${id}`,
        { cause: err },
      )
    }
    if (name === 'CredentialsProviderError') {
      return new CdnDeployError(
        'cloudfront',
        'no AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile (AWS_PROFILE), SSO, or OIDC web identity in CI',
        { cause: err },
      )
    }
    if (['InvalidClientTokenId', 'SignatureDoesNotMatch', 'UnrecognizedClientException', 'ExpiredToken', 'ExpiredTokenException'].includes(name)) {
      return new CdnDeployError(
        'cloudfront',
        `AWS rejected the credentials (${name}): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the profile, and that a session token has not expired`,
        { cause: err },
      )
    }
    if (name === 'InvalidArgument')
      return new CdnDeployError('cloudfront', `CloudFront rejected the ${action} request for ${where}: ${message}`, { cause: err })
    return new CdnDeployError('cloudfront', `${action} on ${where} failed: ${name ? `${name}: ` : ''}${message}`, { cause: err })
  }

  async function create(batch: string[], ref: string, signal?: AbortSignal): Promise<string> {
    const started = Date.now()
    for (let attempt = 1; ; attempt++) {
      try {
        // https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidation.html
        const out = await client.send(
          new CreateInvalidationCommand({ DistributionId: id, InvalidationBatch: { CallerReference: ref, Paths: { Quantity: batch.length, Items: batch } } }),
          { abortSignal: signal },
        )
        const invalidationId = out.Invalidation?.Id
        if (!invalidationId) throw new CdnDeployError('cloudfront', `CreateInvalidation on distribution ${id} returned no invalidation id`)
        return invalidationId
      } catch (err) {
        if (err instanceof CdnDeployError) throw err
        if (errorName(err) === 'TooManyInvalidationsInProgress') {
          // Other invalidations hold the distribution's in-flight quota; they finish in minutes.
          const delay = backoff(attempt, busyBase, 60_000)
          if (Date.now() - started + delay > busyTimeout) {
            throw new CdnDeployError(
              'cloudfront',
              `too many invalidations still in progress on distribution ${id} after ${Math.round((Date.now() - started) / 1000)} s (CloudFront allows ${CLOUDFRONT_LIMITS.pathsInFlight} paths and ${CLOUDFRONT_LIMITS.wildcardsInFlight} wildcards in flight); the paths stay pending and the next deploy retries them`,
              { cause: err },
            )
          }
          await sleep(delay, signal)
          continue
        }
        if (errorName(err) === 'InvalidationBatchAlreadyExists') {
          throw new CdnDeployError('cloudfront', `CallerReference ${ref} was already used with other paths on distribution ${id}`, { cause: err })
        }
        throw fail('CreateInvalidation', err)
      }
    }
  }

  async function status(invalidationId: string, signal?: AbortSignal): Promise<InvalidationStatus> {
    try {
      // https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetInvalidation.html
      const out = await client.send(new GetInvalidationCommand({ DistributionId: id, Id: invalidationId }), { abortSignal: signal })
      return normalizeStatus(out.Invalidation?.Status)
    } catch (err) {
      if (errorName(err) === 'NoSuchInvalidation')
        throw new CdnDeployError('cloudfront', `invalidation ${invalidationId} not found on distribution ${id}`, { cause: err })
      throw fail('GetInvalidation', err)
    }
  }

  return {
    name: 'cloudfront',

    async invalidate(paths: readonly string[], ctx: InvalidateContext): Promise<InvalidationResult> {
      if (paths.length === 0) return { ids: [], paths: [], requests: 0 }
      let encoded: string[]
      try {
        encoded = [...new Set(paths.map(encodeCloudFrontPath))]
      } catch (err) {
        throw new CdnDeployError('cloudfront', (err as Error).message, { cause: err })
      }
      const ids: string[] = []
      for (const [index, batch] of cloudFrontBatches(encoded).entries()) ids.push(await create(batch, callerReference(ctx.release, index), ctx.signal))
      return { ids, paths: encoded, requests: ids.length }
    },

    status: (invalidationId) => status(invalidationId),

    async wait(ids: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
      const deadline = Date.now() + timeoutMs
      let pending = [...ids]
      for (;;) {
        const states = await Promise.all(pending.map(async (i) => [i, await status(i, signal)] as const))
        pending = states.filter(([, s]) => s.toLowerCase() !== 'completed').map(([i]) => i)
        if (pending.length === 0) return
        if (Date.now() + pollMs > deadline) {
          throw new CdnDeployError(
            'cloudfront',
            `invalidation ${pending.join(', ')} on distribution ${id} still in progress after ${Math.round(timeoutMs / 1000)} s (CloudFront keeps going; check it with "cdn-deploy status")`,
          )
        }
        await sleep(pollMs, signal)
      }
    },

    async check(): Promise<void> {
      try {
        // https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetDistribution.html
        await client.send(new GetDistributionCommand({ Id: id }))
      } catch (err) {
        throw fail('GetDistribution', err)
      }
    },
  }
}

const TRUE_OR_FALSE = 'must be true or false'

export default defineProvider<CloudFrontProviderOptions, CloudFrontConfig, CloudFrontSdk>({
  type: 'cloudfront',
  title: 'Amazon CloudFront',
  options: {
    distributionId: optional(
      string(
        'must be a string such as "E2EXAMPLE1234"',
        matches(DISTRIBUTION_ID, (value) => `"${value}" is not a CloudFront distribution id (like "E2EXAMPLE1234", not the domain name)`),
      ),
    ),
    endpoint: optional(httpUrl('CloudFront endpoint')),
    wait: optional(
      union(
        [
          boolean(TRUE_OR_FALSE),
          integer({ type: 'must be a number', whole: 'must be a whole number of seconds', min: [1, 'must be at least 1 second (or true, or false)'] }),
        ],
        'must be true, false, or a number of seconds',
      ),
    ),
  },
  credentials: 'the AWS credential chain',
  env: [{ name: 'CDN_DISTRIBUTION_ID', option: 'distributionId', selects: true }],
  // ~20 deploys a month stay within the 1,000 free paths.
  invalidation: { maxPaths: 50, maxWildcards: CLOUDFRONT_LIMITS.wildcardsInFlight },
  peer: { name: '@aws-sdk/client-cloudfront', range: '^3.1164.0', import: () => import('@aws-sdk/client-cloudfront') },
  resolve(p, { need }) {
    need(p.distributionId, 'provider.distributionId: required for CloudFront (set it, or CDN_DISTRIBUTION_ID)')
    return { ...p, distributionId: p.distributionId ?? '' }
  },
  describe: (config) => `CloudFront distribution ${config.distributionId}`,
  waitMs: (config) => waitTimeoutMs(config.wait),
  load: createCloudFrontProvider,
})

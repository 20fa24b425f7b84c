/**
 * Every S3 request of the storage layer goes through `attempt`: one retry loop
 * (the SDK client itself is built with `maxAttempts: 1`), so each attempt can
 * have its own deadline, a fresh body, the lock fence checked before it, and the
 * response body read inside it (a connection reset mid-body is retried too).
 *
 * Which errors are worth another try is the SDK's own classification
 * (`@smithy/core/retry`), plus the few cases it leaves to the caller (below).
 */
import { isClockSkewCorrectedError, isRetryableByTrait, isServerError, isThrottlingError, isTransientError } from './sdk.js'
import { backoff, sleep } from '../backoff.js'
import type { FlowSignals } from '../flow.js'
import { CdnDeployError } from '../errors.js'
import { errorCode, httpStatus, networkCode } from './errors.js'

/** Per-attempt deadline: `baseMs` for the round trip plus the body at `minBytesPerSecond`. */
export interface DeadlineSettings {
  /** @default 10_000 */
  baseMs: number
  /** @default 1 MiB/s */
  minBytesPerSecond: number
}

export const DEADLINE_DEFAULTS: DeadlineSettings = Object.freeze({ baseMs: 10_000, minBytesPerSecond: 1024 * 1024 })

/** How long one attempt moving `bytes` (sent or received) may take. */
export function deadlineFor(bytes: number, settings: DeadlineSettings = DEADLINE_DEFAULTS): number {
  return Math.ceil(settings.baseMs + (bytes / settings.minBytesPerSecond) * 1000)
}

/**
 * Network failures the SDK's classifier does not list as transient but that a
 * new connection fixes: a socket closed under an upload (`EPIPE` is listed,
 * `ECONNABORTED` is not), and a body stream cut mid-response, which Node reports
 * as "premature close" / "socket hang up" without an error code.
 */
const EXTRA_NETWORK = new Set(['ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET'])

type SdkError = Parameters<typeof isTransientError>[0]

export function isRetryable(err: unknown): boolean {
  // Our own errors say what is wrong (a file changed on disk, a lost lock): another try would not help.
  if (err instanceof CdnDeployError || typeof err !== 'object' || err === null) return false
  const e = err as SdkError
  // 501: the store lacks the feature (a conditional header); callers fall back, a retry would not help.
  if (errorCode(err) === 'NotImplemented' || httpStatus(err) === 501) return false
  if (isRetryableByTrait(e) || isThrottlingError(e) || isTransientError(e) || isServerError(e) || isClockSkewCorrectedError(e)) return true
  // S3 answers a write racing another on the same key with 409 ConditionalRequestConflict: try again.
  if (errorCode(err) === 'ConditionalRequestConflict') return true
  const net = networkCode(err)
  if (net !== undefined && EXTRA_NETWORK.has(net)) return true
  return err instanceof Error && /socket hang up|premature close/i.test(err.message)
}

export interface AttemptOptions {
  maxAttempts: number
  baseDelayMs: number
  /** Deadline of one attempt, in ms. */
  deadlineMs: number
  /** Cancels the whole request (a stopped deploy); its reason is thrown. */
  signal?: AbortSignal
  /** Runs before every attempt (the lock fence of mutable writes) and may shorten its deadline; what it throws is not retried. */
  before?: (deadlineMs: number) => Promise<number | void>
  /** Told of every answer, and of every throttling answer (the deploy's flow: how many requests it keeps in flight). */
  flow?: FlowSignals
}

/**
 * A sign of too many requests in flight: S3's "reduce your request rate" (503
 * SlowDown, 429, the SDK's throttling codes), or no answer at all (the attempt's
 * deadline, a connection reset or dropped), which is how an overloaded store
 * that does not throttle shows it.
 */
export function isCongestion(err: unknown): boolean {
  if (typeof err !== 'object' || err === null || err instanceof CdnDeployError) return false
  if (httpStatus(err) === 503 || isThrottlingError(err as SdkError)) return true
  if (httpStatus(err) !== undefined) return false
  return err instanceof DeadlineError || CONGESTION_CODES.has(networkCode(err) ?? '')
}

const CONGESTION_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED'])

/** Thrown when an attempt outlives its deadline; retried like any transient error. */
export class DeadlineError extends Error {
  override readonly name = 'TimeoutError'
  readonly code = 'ETIMEDOUT'
}

/**
 * Run `fn` until it succeeds, fails with a non-retryable error, or runs out of
 * attempts; the last error is rethrown unchanged (the caller maps it). Each
 * attempt gets a signal that aborts at its deadline (and with `signal`).
 */
export async function attempt<T>(fn: (signal: AbortSignal) => Promise<T>, options: AttemptOptions): Promise<T> {
  for (let n = 1; ; n++) {
    options.signal?.throwIfAborted()
    const deadlineMs = (await options.before?.(options.deadlineMs)) ?? options.deadlineMs
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(new DeadlineError(`no answer within ${deadlineMs} ms`)), deadlineMs)
    const onOuter = () => controller.abort(options.signal!.reason)
    options.signal?.addEventListener('abort', onOuter, { once: true })
    try {
      const out = await raceAbort(fn(controller.signal), controller.signal)
      options.flow?.answered()
      return out
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason
      const error = controller.signal.aborted && controller.signal.reason instanceof DeadlineError ? controller.signal.reason : err
      if (options.flow && isCongestion(error)) options.flow.throttled()
      else if (options.flow && httpStatus(error) !== undefined) options.flow.answered()
      if (n >= options.maxAttempts || !isRetryable(error)) throw error
      await sleep(backoff(n, options.baseDelayMs), options.signal)
    } finally {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onOuter)
    }
  }
}

/** `promise`, or the signal's reason as soon as it aborts (a request that ignores its signal cannot hold us). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

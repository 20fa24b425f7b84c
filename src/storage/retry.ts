/**
 * Retries for requests with a streamed body. The SDK refuses to retry those (a
 * stream cannot be read twice), so the caller passes a function that opens a
 * fresh file stream on every attempt, and this loop decides when to try again.
 */
import { errorCode, httpStatus, networkCode } from './errors.js'

/** S3 codes that mean "try again later". */
const RETRYABLE_CODES = new Set([
  'SlowDown',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'TimeoutError',
  'ConditionalRequestConflict',
])

/** Connection-level failures worth a new connection. */
const RETRYABLE_NETWORK = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', 'ECONNABORTED', 'EAI_AGAIN', 'ENETUNREACH'])

export function isRetryable(err: unknown): boolean {
  if (RETRYABLE_CODES.has(errorCode(err))) return true
  const status = httpStatus(err)
  if (status !== undefined && (status >= 500 || status === 429)) return true
  const net = networkCode(err)
  if (net !== undefined && RETRYABLE_NETWORK.has(net)) return true
  // Sockets closed mid-response surface without a code on some Node versions.
  return err instanceof Error && /socket hang up|ECONNRESET|premature close/i.test(err.message)
}

export interface RetryOptions {
  maxAttempts: number
  baseDelayMs: number
  /** Upper bound of one wait. @default 20_000 */
  maxDelayMs?: number
  /** Called before each wait, for progress reporting. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void
}

/** Exponential backoff with "equal jitter": half the ceiling fixed, half random, capped. */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs = 20_000): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1))
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2)
}

/**
 * Runs `attempt(n)` (n from 1) until it succeeds, a non-retryable error occurs,
 * or `maxAttempts` is reached; the last error is rethrown unchanged.
 */
export async function withRetries<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n)
    } catch (err) {
      if (n >= options.maxAttempts || !isRetryable(err)) throw err
      const delay = backoffDelay(n, options.baseDelayMs, options.maxDelayMs)
      options.onRetry?.(err, n, delay)
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
  }
}

/**
 * A webhook for CDNs we do not ship: one JSON request `{ release, paths, urls }`
 * to `provider.url`. Header values may reference env vars as `${NAME}`, resolved
 * at call time so secrets stay in the environment; no header value ever appears
 * in a message. Retries network errors, 408, 429 (Retry-After) and 5xx.
 */
import { httpUrl } from '../config/checks.js'
import { oneOf, optional, record, string } from '../config/validate.js'
import { CdnDeployError } from '../errors.js'
import { redact, registerSecret } from '../secrets.js'
import { browserUrl } from '../plan/invalidation-encoding.js'
import {
  backoff,
  defineProvider,
  retryAfterMs,
  sleep,
  type CdnProvider,
  type InvalidateContext,
  type InvalidationResult,
  type InvalidationTarget,
  type ProviderTuning,
} from './types.js'

/** Call your own HTTP endpoint with the changed paths and URLs. */
export interface GenericProviderOptions {
  type: 'generic'
  /** Webhook URL. */
  url?: string
  /** @default 'POST' */
  method?: 'POST' | 'PUT'
  /**
   * Extra headers. Values may reference env vars as `${NAME}`, so secrets stay
   * in the environment.
   * @default {}
   */
  headers?: Record<string, string>
}

export type GenericConfig = GenericProviderOptions & { url: string; method: 'POST' | 'PUT'; headers: Record<string, string> }

/** Body of the webhook request. */
export interface WebhookBody {
  release: string
  /** Decoded URL paths; a trailing `*` is a wildcard. */
  paths: string[]
  /** The same as full, encoded URLs. */
  urls: string[]
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g
const REQUEST_TIMEOUT_MS = 30_000

/**
 * Header values with `${NAME}` replaced from `env`; a missing variable names
 * itself, never a value. Each value taken from the environment, and each whole
 * header value built from one, is registered as a secret (src/secrets.ts).
 */
export function resolveHeaders(headers: Record<string, string>, env: Record<string, string | undefined> = process.env): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, template] of Object.entries(headers)) {
    let secret = false
    out[name] = template.replace(ENV_REF, (_, variable: string) => {
      const value = env[variable]
      if (value === undefined || value === '') {
        throw new CdnDeployError(
          'generic',
          `provider.headers.${name} references \${${variable}}, which is not set in the environment (set ${variable}, e.g. as a CI secret)`,
        )
      }
      registerSecret(value)
      secret = true
      return value
    })
    if (secret) registerSecret(out[name])
  }
  return out
}

export function createGenericProvider(config: GenericConfig, target: InvalidationTarget, tuning: ProviderTuning = {}): CdnProvider {
  if (!config.url) throw new CdnDeployError('generic', 'provider.url is required (the webhook to call)')
  const maxAttempts = tuning.maxAttempts ?? 5
  const baseDelay = tuning.retryBaseDelayMs ?? 1000
  const maxRetryAfter = tuning.maxRetryAfterMs ?? 60_000
  const endpoint = new URL(config.url)
  // Query strings may carry keys: messages show origin and path only.
  const shownUrl = `${endpoint.origin}${endpoint.pathname}`

  // Query values may be keys: registered as secrets, so no message echoes them, even if the server does.
  for (const value of endpoint.searchParams.values()) registerSecret(value)
  /** What the server said, redacted before it is cut (a cut-off secret would no longer match). */
  const excerpt = (text: string) => redact(text).slice(0, 300).trim()

  async function send(method: string, body: string | undefined, signal?: AbortSignal, attempts = maxAttempts): Promise<Response> {
    const headers = resolveHeaders(config.headers)
    for (let attempt = 1; ; attempt++) {
      let response: Response | undefined
      let failure: unknown
      try {
        response = await fetch(endpoint, {
          method,
          headers: { 'content-type': 'application/json', 'user-agent': 'vite-plugin-cdn-deploy', ...headers },
          body,
          signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]) : AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        })
      } catch (err) {
        if (signal?.aborted) throw signal.reason
        failure = err
      }
      const retry = response === undefined || response.status === 408 || response.status === 429 || response.status >= 500
      if (response && !retry) return response
      if (attempt >= attempts) {
        if (response) {
          const text = excerpt(await response.text().catch(() => ''))
          throw new CdnDeployError(
            'generic',
            `webhook ${method} ${shownUrl} answered HTTP ${response.status} after ${attempt} attempts${text ? `: ${text}` : ''}`,
          )
        }
        const cause = failure as { message?: string; cause?: { code?: string } }
        throw new CdnDeployError(
          'generic',
          `webhook ${method} ${shownUrl} unreachable after ${attempt} attempts: ${cause?.cause?.code ?? cause?.message ?? String(failure)}`,
          { cause: failure },
        )
      }
      await response?.body?.cancel().catch(() => undefined)
      await sleep(retryAfterMs(response?.headers.get('retry-after'), maxRetryAfter) ?? backoff(attempt, baseDelay), signal)
    }
  }

  return {
    name: 'generic',

    async invalidate(paths: readonly string[], ctx: InvalidateContext): Promise<InvalidationResult> {
      if (paths.length === 0) return { ids: [], paths: [], requests: 0 }
      const base = ctx.publicBase || target.publicBase
      const payload: WebhookBody = { release: ctx.release, paths: [...paths], urls: paths.map((p) => browserUrl(p, base)) }
      const response = await send(config.method, JSON.stringify(payload), ctx.signal)
      const text = await response.text().catch(() => '')
      if (!response.ok) {
        throw new CdnDeployError(
          'generic',
          `webhook ${config.method} ${shownUrl} answered HTTP ${response.status}${text ? `: ${excerpt(text)}` : ''} (check provider.url, provider.headers and the endpoint's logs)`,
        )
      }
      return { ids: idsFrom(text), paths: payload.urls, requests: 1 }
    },

    async check(): Promise<void> {
      // Reachable and not refusing our credentials; HEAD has no side effect (405 is fine).
      // Two attempts: a check (before a deploy's first write) should not wait out a dead host.
      const response = await send('HEAD', undefined, undefined, 2)
      if (response.status === 401 || response.status === 403) {
        throw new CdnDeployError(
          'generic',
          `webhook ${shownUrl} refused the credentials (HTTP ${response.status}): check provider.headers and the env vars they reference`,
        )
      }
      if (response.status === 404) throw new CdnDeployError('generic', `webhook ${shownUrl} not found (HTTP 404): check provider.url`)
    },
  }
}

/** Ids the webhook chose to return: `{ "id": "…" }` or `{ "ids": ["…"] }`. */
function idsFrom(text: string): string[] {
  try {
    const json = JSON.parse(text) as { id?: unknown; ids?: unknown }
    if (typeof json.id === 'string') return [json.id]
    if (Array.isArray(json.ids)) return json.ids.filter((x): x is string => typeof x === 'string')
  } catch {
    // not JSON: no ids
  }
  return []
}

export default defineProvider<GenericProviderOptions, GenericConfig>({
  type: 'generic',
  title: 'a webhook of yours',
  options: {
    url: optional(httpUrl('webhook')),
    method: optional(oneOf(['POST', 'PUT'], 'must be "POST" or "PUT"')),
    headers: optional(record(string('header values must be strings'), 'must be an object of header name -> value')),
  },
  defaults: { method: 'POST', headers: {} },
  credentials: 'env vars that `headers` reference as `${NAME}`',
  // Leave the webhook the whole list.
  invalidation: { maxPaths: 1000 },
  lint: (p) =>
    Object.entries(p.headers ?? {})
      .filter(([name, value]) => /auth|token|key|secret|password/i.test(name) && !value.includes('${'))
      .map(([name]) => `headers.${name}: secrets do not belong in the config file: write "\${MY_ENV_VAR}" and set the variable in the environment`),
  resolve(p, { need }) {
    need(p.url, 'provider.url: required for the generic provider (the webhook to call)')
    return { ...p, url: p.url ?? '', method: p.method ?? 'POST', headers: p.headers ?? {} }
  },
  describe(config) {
    // The query may carry a token: origin and path only.
    const url = URL.canParse(config.url) ? new URL(config.url) : undefined
    return `webhook ${url ? `${url.origin}${url.pathname}` : '(invalid URL)'}`
  },
  load: (config, target, tuning) => createGenericProvider(config, target, tuning),
})

/**
 * A toy CDN provider, written the way docs/providers.md says to add one: this
 * file would be src/providers/toy.ts (its imports `./types.js`, `../config/…`),
 * plus `toy` in the list of src/providers/registry.ts. Its "CDN" is an HTTP API
 * with `POST <endpoint>/services/<id>/purge { urls }` and `GET <endpoint>/services/<id>`.
 */
import { httpUrl } from '../../src/config/checks.js'
import { matches, optional, string } from '../../src/config/validate.js'
import { CdnDeployError } from '../../src/errors.js'
import { browserUrl } from '../../src/plan/invalidation-encoding.js'
import { defineProvider, type CdnProvider } from '../../src/providers/types.js'

export interface ToyProviderOptions {
  type: 'toy'
  /** Service id. Env: `TOY_SERVICE_ID`. */
  serviceId?: string
  /** @default 'https://api.toy-cdn.example' */
  endpoint?: string
}

export type ToyConfig = ToyProviderOptions & { serviceId: string; endpoint: string; token: string }

const DEFAULTS = Object.freeze({ endpoint: 'https://api.toy-cdn.example' })
const SERVICE_ID = /^svc-[a-z0-9]+$/

function createToyProvider(config: ToyConfig): CdnProvider {
  const service = `${config.endpoint}/services/${config.serviceId}`
  const call = async (what: string, path: string, body?: unknown) => {
    const response = await fetch(`${service}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${config.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const json = (await response.json().catch(() => ({}))) as { id?: string }
    if (!response.ok)
      throw new CdnDeployError('toy', `${what} on service ${config.serviceId} failed (HTTP ${response.status}): check TOY_TOKEN and provider.serviceId`)
    return json
  }
  return {
    name: 'toy',
    async invalidate(paths, ctx) {
      const urls = paths.map((p) => browserUrl(p, ctx.publicBase))
      const { id } = await call('purge', '/purge', { urls })
      return { ids: id ? [id] : [], paths: urls, requests: 1 }
    },
    async check() {
      await call('GET service', '')
    },
  }
}

export default defineProvider<ToyProviderOptions, ToyConfig>({
  type: 'toy',
  title: 'Toy CDN',
  options: {
    serviceId: optional(
      string(
        'must be a string',
        matches(SERVICE_ID, (value) => `"${value}" is not a toy service id (like "svc-abc123")`),
      ),
    ),
    endpoint: optional(httpUrl('toy API')),
  },
  defaults: DEFAULTS,
  env: [{ name: 'TOY_SERVICE_ID', option: 'serviceId' }],
  credentials: '`TOY_TOKEN`',
  invalidation: { maxPaths: 20 },
  resolve(p, { env, need }) {
    const token = env.TOY_TOKEN ?? ''
    need(p.serviceId, 'provider.serviceId: required for the toy CDN (set it, or TOY_SERVICE_ID)')
    need(token, 'TOY_TOKEN: required for the toy CDN')
    return { ...p, serviceId: p.serviceId ?? '', endpoint: p.endpoint ?? DEFAULTS.endpoint, token }
  },
  describe: (config) => `toy service ${config.serviceId}`,
  load: (config) => createToyProvider(config),
})

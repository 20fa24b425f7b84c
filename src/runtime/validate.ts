/** Checks that a parsed JSON value is a cdn-deploy manifest this runtime can read. */
import { CdnDeployError } from '../errors.js'
import type { RuntimeManifest } from './types.js'

export const SUPPORTED_VERSION = 1

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

export function assertManifest(value: unknown, source = 'manifest'): RuntimeManifest {
  if (!isObject(value)) throw new CdnDeployError('runtime', `${source} is not a cdn-deploy manifest (expected a JSON object)`)
  if (value.version !== SUPPORTED_VERSION) {
    const found = value.version === undefined ? 'no "version" field' : `version ${JSON.stringify(value.version)}`
    throw new CdnDeployError(
      'runtime',
      `${source}: unsupported manifest (${found}; this runtime reads version ${SUPPORTED_VERSION}). ` +
        "Build and read with the same vite-plugin-cdn-deploy version, and pass .vite/cdn-manifest.json, not Vite's .vite/manifest.json",
    )
  }
  const problems: string[] = []
  if (typeof value.base !== 'string') problems.push('"base" is not a string')
  for (const field of ['entries', 'files', 'public'] as const) if (!isObject(value[field])) problems.push(`"${field}" is not an object`)
  if (problems.length) throw new CdnDeployError('runtime', `${source} is not a valid cdn-deploy manifest: ${problems.join('; ')}`, { problems })
  return value as unknown as RuntimeManifest
}

/**
 * Optional peer dependencies: SDKs only some users need (a CDN provider's, the S3
 * presigner), imported on first use so that nobody else installs or loads them.
 * When one is missing, the error is one line that says what to install.
 */
import { CdnDeployError, type ErrorScope } from './errors.js'

export interface Peer<S> {
  /** The npm package, e.g. `@aws-sdk/client-cloudfront`. */
  name: string
  /** The range this package declares in its `peerDependencies`, e.g. `^3.1164.0`. */
  range: string
  /** `() => import('<name>')`: a literal specifier, so bundlers and tools can see it. */
  import(): Promise<S>
}

/** Node's error for a package that is not installed (not for a broken one whose own dependency is missing). */
function isMissing(err: unknown, name: string): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined
  return e?.code === 'ERR_MODULE_NOT_FOUND' && typeof e.message === 'string' && e.message.includes(`'${name}'`)
}

/**
 * The peer's module, or `[cdn-deploy] [<scope>] <who> needs <name>: npm i [-D] <name>@<range>`.
 * `dev`: the package is needed at deploy time only (a devDependency), not by a server.
 */
export async function importPeer<S>(scope: ErrorScope, who: string, peer: Peer<S>, dev: boolean): Promise<S> {
  try {
    return await peer.import()
  } catch (err) {
    if (!isMissing(err, peer.name)) throw err
    throw new CdnDeployError(scope, `${who} needs ${peer.name}: npm i${dev ? ' -D' : ''} ${peer.name}@${peer.range}`, { cause: err })
  }
}

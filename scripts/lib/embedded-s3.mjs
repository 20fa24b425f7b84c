/**
 * An S3-compatible server embedded in this process (s3rver, from npm): the demo's
 * bucket and "CDN" in one, on loopback, with no cloud account. Used by
 * `npm run demo`, the browser test and the test helpers.
 */
import { createRequire } from 'node:module'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const require = createRequire(import.meta.url)

/** s3rver's own key pair: dummy, accepted only by this local server. */
export const EMBEDDED_CREDENTIALS = Object.freeze({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' })

/**
 * s3rver encrypts ListObjectsV2 continuation tokens with single DES, which
 * OpenSSL 3 (Node ≥ 17) no longer offers, so every truncated listing fails.
 * Triple DES with three equal keys is single DES and OpenSSL 3 still has it:
 * map the one algorithm s3rver asks for (nothing else here uses DES).
 */
export function patchDesForS3rver() {
  const crypto = require('node:crypto')
  if (crypto.__s3rverDes) return
  const triple = (key) => Buffer.concat([key, key, key])
  const { createCipheriv, createDecipheriv } = crypto
  crypto.createCipheriv = (alg, key, iv, opts) => (alg === 'des' ? createCipheriv('des-ede3-cbc', triple(key), iv) : createCipheriv(alg, key, iv, opts))
  crypto.createDecipheriv = (alg, key, iv, opts) => (alg === 'des' ? createDecipheriv('des-ede3-cbc', triple(key), iv) : createDecipheriv(alg, key, iv, opts))
  crypto.__s3rverDes = true
}

/**
 * Start s3rver on 127.0.0.1 (port 0 = any free port) with the given buckets, in a
 * fresh temp directory unless one is given. Returns the endpoint and a stop().
 */
export async function startEmbeddedS3({ buckets = ['demo'], port = 0, directory, extraKeys = [] } = {}) {
  const S3rver = require('s3rver')
  const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account.js')
  for (const [id, secret] of extraKeys) DUMMY_ACCOUNT.createKeyPair(id, secret)
  patchDesForS3rver()
  const dir = directory ?? (await mkdtemp(join(tmpdir(), 'cdn-deploy-s3-')))
  const server = new S3rver({ address: '127.0.0.1', port, directory: dir, silent: true, configureBuckets: buckets.map((name) => ({ name })) })
  const address = await server.run()
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    directory: dir,
    async stop({ keepDirectory = !!directory } = {}) {
      await server.close()
      if (!keepDirectory) await rm(dir, { recursive: true, force: true })
    },
  }
}

/**
 * The README's "Your own provider" example, run: a custom adapter object in the
 * config receives exactly the changed mutable paths after the ledger commit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveConfig } from '../../src/index.js'
import type { CdnProvider } from '../../src/providers/index.js'
import { fixture, removeFixtures, rewrite, TUNING, deploy } from '../helpers/deploy.js'
import { startS3rver, type S3TestServer } from '../helpers/s3-servers.js'

describe('a custom provider adapter (s3rver)', () => {
  let server: S3TestServer
  beforeAll(async () => {
    server = await startS3rver('custom')
  })
  afterAll(async () => {
    await server?.stop()
    await removeFixtures()
  })

  it('is called with the changed mutable paths and the release, and its ids land in the report', async () => {
    const calls: Array<{ paths: readonly string[]; release: string; publicBase: string }> = []
    const fastly: CdnProvider = {
      name: 'fastly',
      async invalidate(paths, { release, publicBase }) {
        calls.push({ paths, release, publicBase })
        const urls = paths.map((p) => new URL(p, publicBase).href)
        return { ids: [`purge-${calls.length}`], paths: urls, requests: urls.length }
      },
      async check() {},
    }
    const config = resolveConfig({
      file: {
        domain: 'https://cdn.example.com',
        prefix: 'app/',
        storage: { bucket: server.bucket, endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1' },
        provider: fastly,
      },
      env: {},
    })
    const dir = await fixture({ 'index.html': '<p>1</p>', 'docs/index.html': '<p>d</p>', 'assets/a-Ab12Cd34.js': 'a' }, 'custom')
    await deploy({ dir, config, storage: TUNING, commit: 't', env: {} })
    calls.length = 0

    await rewrite(dir, { 'docs/index.html': '<p>d2</p>', 'assets/b-Ef56Gh78.js': 'b' })
    const report = await deploy({ dir, config, storage: TUNING, commit: 't', env: {} })
    expect(calls).toHaveLength(1)
    expect(calls[0]!.paths).toEqual(['/app/docs', '/app/docs/', '/app/docs/index.html'])
    expect(calls[0]!.release).toBe(report.release)
    expect(report.invalidation).toMatchObject({ provider: 'fastly', ids: ['purge-1'] })
  })
})

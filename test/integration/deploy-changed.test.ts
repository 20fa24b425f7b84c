/**
 * `report.changed` — what `cdn-deploy plan` turns into its exit code — is true
 * exactly when a deploy would write to the bucket, including the cases with no
 * upload: purges left pending by a failed invalidation, and a repair.
 */
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixture, readLedgerObject, removeFixtures, targetConfig, TUNING, deploy } from '../helpers/deploy.js'
import { startS3rver, type S3TestServer } from '../helpers/s3-servers.js'

describe('report.changed (s3rver)', () => {
  let server: S3TestServer
  beforeAll(async () => {
    server = await startS3rver('changed')
  })
  afterAll(async () => {
    await server?.stop()
    await removeFixtures()
  })

  it.each([
    ['nothing to do', async () => {}, false],
    [
      'purges left pending in the ledger',
      async (prefix: string) => {
        const ledger = (await readLedgerObject(server.client, server.bucket, prefix))!
        ledger.pendingInvalidations = ['index.html']
        await server.client.send(new PutObjectCommand({ Bucket: server.bucket, Key: `${prefix}.cdn-deploy/ledger.json`, Body: JSON.stringify(ledger) }))
      },
      true,
    ],
  ])('dry run after a deploy: %s → %s', async (_name, tamper, expected) => {
    const prefix = `c${expected ? 1 : 0}/`
    const dir = await fixture({ 'index.html': '<p>x</p>', 'assets/a-Ab12Cd34.js': 'x' }, 'changed')
    const config = targetConfig({ endpoint: server.endpoint, bucket: server.bucket, prefix })
    await deploy({ dir, config, storage: TUNING, commit: 't', env: {} })
    await tamper(prefix)
    const plan = await deploy({ dir, config, storage: TUNING, commit: 't', env: {}, dryRun: true })
    expect(plan.changed).toBe(expected)
    expect(plan.uploaded.count).toBe(0)
  })

  it('a repair that would fix the ledger counts as a change; one that finds nothing does not', async () => {
    const dir = await fixture({ 'index.html': '<p>y</p>', 'robots.txt': 'User-agent: *' }, 'repair')
    const config = targetConfig({ endpoint: server.endpoint, bucket: server.bucket, prefix: 'rep/' })
    await deploy({ dir, config, storage: TUNING, commit: 't', env: {} })
    expect((await deploy({ dir, config, storage: TUNING, env: {}, dryRun: true, repair: true })).changed).toBe(false)
    await server.client.send(new DeleteObjectCommand({ Bucket: server.bucket, Key: 'rep/robots.txt' }))
    expect((await deploy({ dir, config, storage: TUNING, env: {}, dryRun: true, repair: true })).changed).toBe(true)
  })
})

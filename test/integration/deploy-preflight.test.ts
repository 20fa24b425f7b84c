/**
 * Checks before the first write (issue 11.5), on moto behind a recording proxy:
 * an unknown CloudFront distribution, a webhook header naming an unset env var,
 * a webhook nobody answers, and a report path that cannot be written each fail
 * the deploy with a scoped message and nothing written: the one request made is
 * the ledger GET.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/build.js'
import { createTestDistribution } from '../helpers/cloudfront.js'
import { deploy, fixture, removeFixtures, targetConfig, TUNING } from '../helpers/deploy.js'
import { describeRequests, startRecordingProxy, writes, type RecordingProxy } from '../helpers/recording-proxy.js'
import { startMoto, type S3TestServer } from '../helpers/s3-servers.js'

describe('preflight (moto)', () => {
  let server: S3TestServer
  let proxy: RecordingProxy
  let distributionId: string
  let dir: string
  beforeAll(async () => {
    server = await startMoto('preflight')
    proxy = await startRecordingProxy(server.endpoint, server.bucket)
    ;({ distributionId } = await createTestDistribution(server.endpoint, 'preflight', 'preflight-test'))
    dir = await fixture({ 'index.html': '<p>hi</p>', 'assets/app-Aa11Bb22.js': 'app()' })
  })
  afterAll(async () => {
    await proxy?.stop()
    await server?.stop()
    await removeFixtures()
  })

  const notFile = async () => {
    const parent = await tempDir('report')
    await writeFile(join(parent, 'file.txt'), 'a file, not a directory')
    return join(parent, 'file.txt', 'report.json')
  }

  it.each([
    {
      what: 'an unknown CloudFront distribution',
      provider: () => ({ type: 'cloudfront', distributionId: 'ENOSUCHDIST01', endpoint: server.endpoint }),
      message: /^\[cdn-deploy\] \[cloudfront\] distribution ENOSUCHDIST01 not found \(check provider\.distributionId and provider\.endpoint\)$/,
    },
    {
      what: 'a webhook header naming an unset env var',
      provider: () => ({ type: 'generic', url: 'http://127.0.0.1:9/purge', headers: { authorization: 'Bearer ${PREFLIGHT_UNSET_TOKEN}' } }),
      message: /^\[cdn-deploy\] \[generic\] provider\.headers\.authorization references \$\{PREFLIGHT_UNSET_TOKEN\}, which is not set in the environment/,
    },
    {
      what: 'a webhook nobody answers',
      provider: () => ({ type: 'generic', url: 'http://127.0.0.1:9/purge' }),
      message: /^\[cdn-deploy\] \[generic\] webhook HEAD http:\/\/127\.0\.0\.1:9\/purge unreachable after 2 attempts/,
    },
    {
      what: 'a report path that cannot be written',
      provider: () => ({ type: 'cloudfront', distributionId, endpoint: server.endpoint }),
      reportFile: true,
      message:
        /^\[cdn-deploy\] \[deploy\] cannot write the report to .*file\.txt\/report\.json \((ENOTDIR|EEXIST)\): fix the path before deploying; nothing was uploaded$/,
    },
  ])('$what: fails before the first write', async ({ provider, reportFile, message }) => {
    const prefix = `pre-${Math.random().toString(36).slice(2, 8)}/`
    const config = targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix, provider: provider() as never })
    proxy.clear()
    const error = await deploy({ dir, config, storage: TUNING, env: {}, commit: 'c1', ...(reportFile ? { reportFile: await notFile() } : {}) }).then(
      () => undefined,
      (e: Error) => e,
    )
    expect(error?.message).toMatch(message)
    expect(writes(proxy.requests)).toEqual([])
    expect(describeRequests(proxy.requests)).toEqual([`GET ${prefix}.cdn-deploy/ledger.json`])
  })
})

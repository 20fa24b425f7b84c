/**
 * The delete guard against s3rver and moto_server: a deploy whose prune would
 * exceed `maxDeletes`, or whose build is nearly empty next to the last release,
 * stops before writing anything (no upload, no ledger change, no delete, lock
 * released); the dry run says so first; `force` lets it through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CdnDeployError } from '../../src/errors.js'
import { at, deploy, fixture, listKeys, readLedgerObject, removeFixtures, rewrite, targetConfig, TUNING, type Tree } from '../helpers/deploy.js'
import { startRecordingProxy, writes, type RecordingProxy } from '../helpers/recording-proxy.js'
import { S3_SERVERS, type S3TestServer } from '../helpers/s3-servers.js'

/** `n` pages (from `from`) and an index. */
const site = (n: number, from = 0): Tree => ({
  'index.html': `<p>${n} pages</p>`,
  ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`pages/p${i + from}.html`, `<p>page ${i + from}</p>`])),
})

describe.each(S3_SERVERS)('the delete guard on $name', ({ start }) => {
  let server: S3TestServer
  let proxy: RecordingProxy

  beforeAll(async () => {
    server = await start()
    proxy = await startRecordingProxy(server.endpoint, server.bucket)
  })
  afterAll(async () => {
    await proxy?.stop()
    await server?.stop()
    await removeFixtures()
  })

  /** Everything under the prefix, and the ledger, to compare before and after a stopped deploy. */
  const snapshot = async (prefix: string) => ({
    keys: await listKeys(server.client, server.bucket, prefix),
    ledger: await readLedgerObject(server.client, server.bucket, prefix),
  })

  it.each([
    {
      name: 'more deletes than maxDeletes',
      prefix: 'cap/',
      before: site(30),
      after: site(20, 100),
      maxDeletes: 25,
      rule: /would delete 30 files, more than maxDeletes \(25\)/,
      deleted: 30,
    },
    {
      name: 'a nearly empty build (retention still holding every file)',
      prefix: 'shrink/',
      before: site(30),
      after: { 'index.html': '<p>oops</p>' },
      maxDeletes: 256,
      retain: { releases: 3, days: 7 },
      rule: /the build has 1 files where the previous release had 31 \(under 10%\)/,
      deleted: 0,
    },
  ])('$name: stops before writing anything, unless forced', async ({ prefix, before, after, maxDeletes, retain, rule, deleted }) => {
    // retain.releases: 0 for the cap: the second deploy itself must reach the deletes. (Since the
    // retention fix, `releases: 1` keeps a dropped file while the release that dropped it is live,
    // so these 30 pages would only go with a third deploy; before it, 1 behaved like 0.)
    const config = targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix, maxDeletes, retain: retain ?? { releases: 0, days: 0 } })
    const dir = await fixture(before)
    await deploy({ dir, config, storage: TUNING, now: at(0), env: {} })
    await rewrite(dir, after)

    // The plan says so before anything happens.
    const plan = await deploy({ dir, config, storage: TUNING, now: at(30), env: {}, dryRun: true })
    expect(plan.prune.stop).toMatch(rule)
    expect(plan.deleted).toHaveLength(deleted)

    const was = await snapshot(prefix)
    proxy.clear()
    const error = await deploy({ dir, config, storage: TUNING, now: at(30), env: {} }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CdnDeployError)
    expect((error as CdnDeployError).message).toMatch(/^\[cdn-deploy\] \[deploy\] stopped before writing anything: /)
    expect((error as CdnDeployError).message).toMatch(rule)
    // Only the lock was written (taken, then released): no upload, no ledger, no delete.
    expect(writes(proxy.requests).map((r) => `${r.method} ${r.key}`)).toEqual([`PUT ${prefix}.cdn-deploy/lock`, `DELETE ${prefix}.cdn-deploy/lock`])
    expect(await snapshot(prefix)).toEqual(was)

    const forced = await deploy({ dir, config, storage: TUNING, now: at(30), env: {}, force: true })
    expect(forced.committed).toBe(true)
    expect(forced.prune).toMatchObject({ forced: true, deletes: deleted })
    expect(forced.deleted).toHaveLength(deleted)
    expect((await readLedgerObject(server.client, server.bucket, prefix))!.releases).toHaveLength(2)
  })
})

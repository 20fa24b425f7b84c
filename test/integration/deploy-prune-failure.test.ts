/**
 * A prune that fails after the commit: the release is live, so the deploy
 * succeeds with a warning per key it could not delete (nothing is lost: the
 * files stay), whether the store refuses each key or the whole DeleteObjects
 * call; the ledger lists those keys again, so the next deploy deletes them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { at, deploy, fixture, listKeys, readLedgerObject, removeFixtures, targetConfig, TUNING } from '../helpers/deploy.js'
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy.js'
import { startMoto, type S3TestServer } from '../helpers/s3-servers.js'

describe('a prune that fails after the commit (moto)', () => {
  let server: S3TestServer
  let proxy: RecordingProxy
  beforeAll(async () => {
    server = await startMoto()
    proxy = await startRecordingProxy(server.endpoint, server.bucket)
  })
  afterAll(async () => {
    await proxy?.stop()
    await server?.stop()
    await removeFixtures()
  })

  it.each(['internal', 'reset'] as const)('DeleteObjects answering %s: the release is live, the deploy succeeds and says which files stay', async (fault) => {
    const prefix = `prune-${fault}/`
    // Nothing retained: the second deploy prunes the first's chunk.
    const config = targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix, retain: { releases: 0, days: 0 } })
    const run = (files: Record<string, string>, n: number) =>
      fixture(files).then((dir) => deploy({ dir, config, storage: TUNING, now: at(n), env: {}, commit: `c${n}` }))
    await run({ 'index.html': '<script src="/assets/a-Aa11Bb22.js"></script>', 'assets/a-Aa11Bb22.js': 'a()' }, 0)
    proxy.fault = (r) => (r.method === 'POST' && r.query.includes('delete') ? fault : undefined)
    const report = await run({ 'index.html': '<script src="/assets/b-Cc33Dd44.js"></script>', 'assets/b-Cc33Dd44.js': 'b()' }, 1)
    proxy.fault = () => undefined
    expect(report.committed).toBe(true)
    expect(report.deleted).toEqual([])
    expect(report.warnings.join('\n')).toMatch(new RegExp(`could not delete ${prefix}assets/a-Aa11Bb22\\.js`))
    // The new release is the ledger's last one, and the old chunk is still there.
    expect((await readLedgerObject(server.client, server.bucket, prefix))!.releases.map((r) => r.commit)).toEqual(['c0', 'c1'])
    expect(await listKeys(server.client, server.bucket, prefix)).toContain(`${prefix}assets/a-Aa11Bb22.js`)
    // Still owned: listed again as the first release had it, so the next deploy tries again, and deletes it.
    expect(Object.keys((await readLedgerObject(server.client, server.bucket, prefix))!.files)).toContain('assets/a-Aa11Bb22.js')
    const next = await run({ 'index.html': '<script src="/assets/b-Cc33Dd44.js"></script>', 'assets/b-Cc33Dd44.js': 'b()' }, 2)
    expect(next.deleted).toEqual([`${prefix}assets/a-Aa11Bb22.js`])
    expect(await listKeys(server.client, server.bucket, prefix)).not.toContain(`${prefix}assets/a-Aa11Bb22.js`)
    expect(Object.keys((await readLedgerObject(server.client, server.bucket, prefix))!.files).sort()).toEqual(['assets/b-Cc33Dd44.js', 'index.html'])
  })
})

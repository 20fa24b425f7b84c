/**
 * Retention that does what it says (issue 11.9): prune deletes an owned key
 * only while it still holds what the tool wrote, and leaves (with a line) one
 * that someone overwrote; an object the tool did not write at a key a build
 * now uses is reported before it is overwritten (moto: it honours
 * `If-None-Match`; s3rver overwrites silently), while one holding exactly the
 * build's bytes, headers and `headers`-rule parameters is kept as is;
 * `retain.releases: 0` warns.
 */
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { at, deploy, fixture, getObject, putPlain, readLedgerObject, removeFixtures, rewrite, sha256, targetConfig, TUNING } from '../helpers/deploy.js'
import { fileUploads, startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy.js'
import { startMoto, startS3rver, type S3TestServer } from '../helpers/s3-servers.js'

describe.each([
  { name: 's3rver', start: startS3rver, conditions: false },
  { name: 'moto', start: startMoto, conditions: true },
])('ownership on $name', ({ start, conditions }) => {
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
  const config = (prefix: string, retain = { releases: 0, days: 0 }) => targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix, retain })

  it('prune leaves an owned key that someone overwrote, with a line, and no longer owns it', async () => {
    const prefix = 'overwritten/'
    const dir = await fixture({ 'index.html': '<p>1</p>', 'assets/old-Ab12Cd34.js': 'old()', 'assets/mine-Ef56Gh78.js': 'mine()' })
    await deploy({ dir, config: config(prefix), storage: TUNING, now: at(0), env: {}, commit: 'c1' })
    await putPlain(server.client, server.bucket, `${prefix}assets/old-Ab12Cd34.js`, 'someone else put this here')
    await rewrite(dir, { 'index.html': '<p>2</p>' })
    const warnings: string[] = []
    const report = await deploy({
      dir,
      config: config(prefix),
      storage: TUNING,
      now: at(1),
      env: {},
      commit: 'c2',
      reporter: { warn: (w) => warnings.push(w) },
    })
    expect(report.deleted).toEqual([`${prefix}assets/mine-Ef56Gh78.js`])
    const line = `left s3://${server.bucket}/${prefix}assets/old-Ab12Cd34.js: it no longer holds what this tool wrote (changed by someone else), so it is not deleted and no longer owned`
    expect(warnings).toContain(line)
    expect(report.warnings).toContain(line)
    expect((await getObject(server.client, server.bucket, `${prefix}assets/old-Ab12Cd34.js`))!.bytes.toString()).toBe('someone else put this here')
    expect(Object.keys((await readLedgerObject(server.client, server.bucket, prefix))!.files)).toEqual(['index.html'])
  })

  it('says when retain.releases is 0 that open tabs lose their chunks', async () => {
    const report = await deploy({ dir: await fixture({ 'index.html': '<p>r0</p>' }), config: config('zero/'), storage: TUNING, env: {}, commit: 'c1' })
    expect(report.warnings).toContainEqual(
      expect.stringMatching(
        /^retain\.releases is 0: a file dropped from the build is deleted by the very next deploy, so tabs opened before it fail to load its chunks/,
      ),
    )
  })

  if (conditions) {
    it('an object the tool did not write at a new build key is reported, then replaced', async () => {
      const prefix = 'foreign/'
      const dir = await fixture({ 'index.html': '<p>1</p>' })
      await deploy({ dir, config: config(prefix, { releases: 3, days: 7 }), storage: TUNING, env: {}, commit: 'c1' })
      await putPlain(server.client, server.bucket, `${prefix}assets/app-Aa11Bb22.js`, 'by hand')
      await rewrite(dir, { 'index.html': '<p>2</p>', 'assets/app-Aa11Bb22.js': 'app()' })
      const warnings: string[] = []
      const report = await deploy({
        dir,
        config: config(prefix, { releases: 3, days: 7 }),
        storage: TUNING,
        env: {},
        commit: 'c2',
        reporter: { warn: (w) => warnings.push(w) },
      })
      expect(warnings).toEqual([
        expect.stringMatching(
          new RegExp(
            `^s3://${server.bucket}/foreign/assets/app-Aa11Bb22\\.js held an object this tool did not write \\(7 bytes, modified \\S+\\): replacing it with this build's file$`,
          ),
        ),
      ])
      expect(report.warnings).toEqual(warnings)
      expect((await getObject(server.client, server.bucket, `${prefix}assets/app-Aa11Bb22.js`))!.bytes.toString()).toBe('app()')
    })

    it("an object already holding the build's bytes and headers at a new key is kept: one conditional PUT, no overwrite", async () => {
      const prefix = 'same/'
      const dir = await fixture({ 'index.html': '<p>1</p>' })
      await deploy({ dir, config: config(prefix, { releases: 3, days: 7 }), storage: TUNING, env: {}, commit: 'c1' })
      // As an earlier run whose answer was lost would have left it.
      const key = `${prefix}assets/app-Aa11Bb22.js`
      // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
      await server.client.send(
        new PutObjectCommand({
          Bucket: server.bucket,
          Key: key,
          Body: 'app()',
          ContentType: 'text/javascript; charset=utf-8',
          CacheControl: 'public, max-age=31536000, immutable',
          Metadata: { sha256: sha256('app()') },
        }),
      )
      await rewrite(dir, { 'index.html': '<p>1</p>', 'assets/app-Aa11Bb22.js': 'app()' })
      proxy.clear()
      const warnings: string[] = []
      await deploy({
        dir,
        config: config(prefix, { releases: 3, days: 7 }),
        storage: TUNING,
        env: {},
        commit: 'c2',
        reporter: { warn: (w) => warnings.push(w) },
      })
      expect(warnings).toEqual([])
      expect(proxy.requests.filter((r) => r.key === key).map((r) => `${r.method} ${r.status}`)).toEqual(['PUT 412', 'HEAD 200'])
      expect(fileUploads(proxy.requests)).toEqual([key])
    })

    it("an object with the build's bytes and headers is kept only with the parameters the headers rules give it too", async () => {
      const prefix = 'params/'
      const headers = { 'files/*.pdf': { 'Content-Disposition': 'attachment', metadata: { team: 'web' } } }
      const withRules = targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix, retain: { releases: 3, days: 7 }, headers })
      const dir = await fixture({ 'index.html': '<p>1</p>' })
      await deploy({ dir, config: withRules, storage: TUNING, env: {}, commit: 'c1' })
      const same = { Body: '%PDF', ContentType: 'application/pdf', CacheControl: 'public, max-age=31536000, immutable' }
      // Left by an earlier run (or by hand) without the rule's Content-Disposition and metadata: not what the ledger would record.
      const bare = `${prefix}files/bare-Aa11Bb22.pdf`
      // With them: exactly what this deploy would write.
      const full = `${prefix}files/full-Cc33Dd44.pdf`
      // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
      await server.client.send(new PutObjectCommand({ Bucket: server.bucket, Key: bare, ...same, Metadata: { sha256: sha256('%PDF') } }))
      await server.client.send(
        new PutObjectCommand({
          Bucket: server.bucket,
          Key: full,
          ...same,
          ContentDisposition: 'attachment',
          Metadata: { team: 'web', sha256: sha256('%PDF') },
        }),
      )
      await rewrite(dir, { 'index.html': '<p>1</p>', 'files/bare-Aa11Bb22.pdf': '%PDF', 'files/full-Cc33Dd44.pdf': '%PDF' })
      proxy.clear()
      const warnings: string[] = []
      await deploy({ dir, config: withRules, storage: TUNING, env: {}, commit: 'c2', reporter: { warn: (w) => warnings.push(w) } })
      expect(warnings).toEqual([
        expect.stringMatching(new RegExp(`^s3://${server.bucket}/params/files/bare-Aa11Bb22\\.pdf held an object this tool did not write`)),
      ])
      expect(proxy.requests.filter((r) => r.key === full).map((r) => `${r.method} ${r.status}`)).toEqual(['PUT 412', 'HEAD 200'])
      expect(proxy.requests.filter((r) => r.key === bare).map((r) => `${r.method} ${r.status}`)).toEqual(['PUT 412', 'HEAD 200', 'PUT 200'])
      // https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
      const head = await server.client.send(new HeadObjectCommand({ Bucket: server.bucket, Key: bare }))
      expect([head.ContentDisposition, head.Metadata]).toEqual(['attachment', { team: 'web', sha256: sha256('%PDF') }])
    })
  }
})

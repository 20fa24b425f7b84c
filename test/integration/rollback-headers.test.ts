/**
 * Rollback and put-back with `headers` rules and `redirects`, on moto_server.
 * A release's record carries each object's S3 parameters (`params`), and a
 * rollback restores them even after the rules changed: a PDF whose
 * Content-Disposition a later rule replaced (same bytes: copied onto itself),
 * a page whose bytes, Content-Language and user metadata changed (copied from
 * its kept blob), and a redirect whose target changed. A deploy that fails
 * after its page writes puts them back with their parameters too.
 */
import { HeadObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HeaderRule } from '../../src/config/deploy-options.js'
import { rollbackWith } from '../../src/deploy/lazy.js'
import { at, deploy, fixture, getObject, readLedgerObject, removeFixtures, rewrite, sha256, targetConfig, TUNING } from '../helpers/deploy.js'
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy.js'
import { startMoto, type S3TestServer } from '../helpers/s3-servers.js'

interface Version {
  pdf: string
  lang: string
  build: string
  target: string
}
const V1: Version = { pdf: 'attachment; filename="report.pdf"', lang: 'de-DE', build: '1', target: '/rb/docs/report.pdf' }
const V2: Version = { pdf: 'inline', lang: 'en', build: '2', target: 'https://docs.example.com/' }
const PDF = '%PDF-1.7 report'
const tree = (n: number) => ({ 'index.html': `<p>release ${n}</p>`, 'docs/report.pdf': PDF })

describe('rollback and put-back restore headers rules on moto', () => {
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

  const prefix = 'rb/'
  const config = (v: Version) =>
    targetConfig({
      endpoint: proxy.endpoint,
      bucket: server.bucket,
      prefix,
      headers: { 'docs/*.pdf': { 'Content-Disposition': v.pdf }, '**/*.html': { 'Content-Language': v.lang, metadata: { build: v.build } } } satisfies Record<
        string,
        HeaderRule
      >,
      redirects: { '/old': v.target },
    })
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
  const head = (rel: string) => server.client.send(new HeadObjectCommand({ Bucket: server.bucket, Key: prefix + rel }))
  /** What visitors get under each URL, the parameters the rules and redirects set included. */
  async function served() {
    const [page, pdf, old] = await Promise.all([head('index.html'), head('docs/report.pdf'), head('old')])
    const body = (await getObject(server.client, server.bucket, `${prefix}index.html`))!.bytes.toString()
    return {
      page: { body, language: page.ContentLanguage, metadata: page.Metadata, type: page.ContentType },
      pdf: { disposition: pdf.ContentDisposition, type: pdf.ContentType, sha256: pdf.Metadata?.sha256 },
      old: { location: old.WebsiteRedirectLocation, size: old.ContentLength },
    }
  }
  const expected = (n: number, v: Version) => ({
    page: {
      body: `<p>release ${n}</p>`,
      language: v.lang,
      metadata: { build: v.build, sha256: sha256(`<p>release ${n}</p>`) },
      type: 'text/html; charset=utf-8',
    },
    pdf: { disposition: v.pdf, type: 'application/pdf', sha256: sha256(PDF) },
    old: { location: v.target, size: 0 },
  })

  it('a rollback restores the parameters the rolled-back release had, after the rules changed', async () => {
    const dir = await fixture(tree(1))
    const first = await deploy({ dir, config: config(V1), storage: TUNING, now: at(0), env: {} })
    expect(await served()).toEqual(expected(1, V1))
    await rewrite(dir, tree(2))
    await deploy({ dir, config: config(V2), storage: TUNING, now: at(1), env: {} })
    expect(await served()).toEqual(expected(2, V2))

    const report = await rollbackWith({ config: config(V2) }, { storage: TUNING, env: {}, now: at(2) })
    expect(report).toMatchObject({ committed: true, rollbackOf: first.release })
    expect(report.uploaded.files.map((f) => [f.rel, f.reason])).toEqual([
      ['docs/report.pdf', 'headers'], // same bytes, its old Content-Disposition: copied onto itself
      ['old', 'headers'], // the redirect's old target
      ['index.html', 'changed'], // from its kept blob, with its old Content-Language and metadata
    ])
    expect(await served()).toEqual(expected(1, V1))
    const ledger = (await readLedgerObject(server.client, server.bucket, prefix))!
    expect(ledger.files['docs/report.pdf']!.params).toEqual({ ContentDisposition: V1.pdf })
    expect(ledger.files['index.html']!.params).toEqual({ ContentLanguage: V1.lang, Metadata: { build: V1.build } })
    expect(ledger.files['old']!.params).toEqual({ WebsiteRedirectLocation: V1.target })

    // The next deploy with today's rules sees what the rollback restored, and changes it back.
    await rewrite(dir, tree(2))
    const again = await deploy({ dir, config: config(V2), storage: TUNING, now: at(3), env: {} })
    expect(again.uploaded.files.map((f) => f.rel).sort()).toEqual(['docs/report.pdf', 'index.html', 'old'])
    expect(await served()).toEqual(expected(2, V2))
  })

  it('a deploy failing after its page writes puts the pages back with their parameters', async () => {
    const was = await served()
    expect(was).toEqual(expected(2, V2))
    // Release 3 (other bytes, the first rules) fails writing its release record: after the pages, before the commit.
    proxy.fault = (r) => (r.method === 'PUT' && r.key?.startsWith(`${prefix}.cdn-deploy/releases/`) ? 'internal' : undefined)
    const dir = await fixture(tree(3))
    const error = await deploy({ dir, config: config(V1), storage: TUNING, now: at(4), env: {} })
      .then(
        () => undefined,
        (e: unknown) => e,
      )
      .finally(() => (proxy.fault = () => undefined))
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(/were put back: the previous release is whole and served$/)
    expect(await served()).toEqual(was)
    expect((await readLedgerObject(server.client, server.bucket, prefix))!.pending).toBeUndefined()
  })
})

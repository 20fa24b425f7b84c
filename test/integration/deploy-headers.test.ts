/**
 * `headers` and `redirects` against moto_server: every header and S3 parameter
 * lands on the object (single PUT and multipart), user metadata sits next to the
 * tool's sha256, redirects are zero-byte objects with WebsiteRedirectLocation, a
 * rule change re-uploads and purges exactly the objects it touches, and a bad
 * rule stops before anything is written, naming its glob.
 */
import { HeadObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HeaderRule } from '../../src/config/deploy-options.js'
import type { Invalidator } from '../../src/deploy/execute.js'
import { CdnDeployError } from '../../src/errors.js'
import { at, deploy, fixture, listKeys, readLedgerObject, removeFixtures, sha256, targetConfig, TUNING } from '../helpers/deploy.js'
import { fileUploads, startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy.js'
import { startMoto, type S3TestServer } from '../helpers/s3-servers.js'

const KMS_KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'
const VIDEO = Buffer.alloc(6 * 1024 * 1024, 7) // above TUNING's 5 MiB multipart threshold
const PDF: HeaderRule = { 'Content-Disposition': 'attachment; filename="report.pdf"', 'Content-Language': 'de-DE' }
const rules = (pdf: HeaderRule): Record<string, HeaderRule> => ({
  'docs/*.pdf': pdf,
  // A Content-Type override that replaces the name's type (mrmime: text/markdown, which browsers
  // download). Not `*.log` any more: mrmime already gives .log text/plain, so a rule for it changes nothing.
  '**/*.md': { 'Content-Type': 'text/plain; charset=utf-8' },
  'private/**': { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KMS_KEY, metadata: { team: 'web', 'cost-center': '42' } },
  '**/*.mp4': { StorageClass: 'STANDARD_IA', metadata: { kind: 'video' } },
})
const REDIRECTS = { '/old': '/hdr/index.html', '/docs/': 'https://docs.example.com/' }

describe('headers and redirects on moto', () => {
  let server: S3TestServer
  let proxy: RecordingProxy
  const purged: string[][] = []
  const invalidator: Invalidator = {
    name: 'recording',
    invalidate: async (rels) => {
      purged.push([...rels])
      return { ids: [], paths: rels }
    },
  }

  beforeAll(async () => {
    server = await startMoto()
    proxy = await startRecordingProxy(server.endpoint, server.bucket)
  })
  afterAll(async () => {
    await proxy?.stop()
    await server?.stop()
    await removeFixtures()
  })

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
  const head = (key: string) => server.client.send(new HeadObjectCommand({ Bucket: server.bucket, Key: key }))
  const prefix = 'hdr/'
  const config = (pdf: HeaderRule) => targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix, headers: rules(pdf), redirects: REDIRECTS })

  it('stores every header and parameter, and redirects as zero-byte objects', async () => {
    const dir = await fixture({
      'index.html': '<p>hi</p>',
      'docs/report.pdf': '%PDF-1.7',
      'notes.md': '# ok',
      'private/data.json': '{}',
      'media/intro.mp4': VIDEO,
    })
    const plan = await deploy({ dir, config: config(PDF), storage: TUNING, now: at(0), env: {}, dryRun: true })
    expect(Object.fromEntries(plan.uploaded.files.filter((f) => f.headers).map((f) => [f.rel, f.headers]))).toEqual({
      'notes.md': { 'Content-Type': 'text/plain; charset=utf-8' },
      'docs/report.pdf': { 'Content-Disposition': 'attachment; filename="report.pdf"', 'Content-Language': 'de-DE' },
      'docs/index.html': { WebsiteRedirectLocation: 'https://docs.example.com/' },
      'media/intro.mp4': { StorageClass: 'STANDARD_IA', 'metadata.kind': 'video' },
      old: { WebsiteRedirectLocation: '/hdr/index.html' },
      'private/data.json': { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KMS_KEY, 'metadata.team': 'web', 'metadata.cost-center': '42' },
    })

    const report = await deploy({ dir, config: config(PDF), storage: TUNING, now: at(0), env: {}, invalidator })
    expect(report.uploaded.count).toBe(7)
    const pdf = await head(`${prefix}docs/report.pdf`)
    expect([pdf.ContentDisposition, pdf.ContentLanguage, pdf.ContentType]).toEqual(['attachment; filename="report.pdf"', 'de-DE', 'application/pdf'])
    expect((await head(`${prefix}notes.md`)).ContentType).toBe('text/plain; charset=utf-8')
    const secret = await head(`${prefix}private/data.json`)
    expect([secret.ServerSideEncryption, secret.SSEKMSKeyId]).toEqual(['aws:kms', KMS_KEY])
    expect(secret.Metadata).toEqual({ team: 'web', 'cost-center': '42', sha256: sha256('{}') })
    const video = await head(`${prefix}media/intro.mp4`) // multipart: the parameters go on CreateMultipartUpload
    expect([video.StorageClass, video.Metadata, video.ContentLength]).toEqual(['STANDARD_IA', { kind: 'video', sha256: sha256(VIDEO) }, VIDEO.length])
    for (const [key, target] of [
      ['old', '/hdr/index.html'],
      ['docs/index.html', 'https://docs.example.com/'],
    ]) {
      const redirect = await head(prefix + key)
      expect([redirect.ContentLength, redirect.WebsiteRedirectLocation, redirect.ContentType]).toEqual([0, target, 'text/html; charset=utf-8'])
    }
    const ledger = await readLedgerObject(server.client, server.bucket, prefix)
    expect(ledger!.files['docs/report.pdf']!.params).toEqual({ ContentDisposition: 'attachment; filename="report.pdf"', ContentLanguage: 'de-DE' })
    expect(ledger!.files['index.html']).not.toHaveProperty('params')
  })

  it('re-uploads and purges exactly the object whose headers changed', async () => {
    const dir = await fixture({
      'index.html': '<p>hi</p>',
      'docs/report.pdf': '%PDF-1.7',
      'notes.md': '# ok',
      'private/data.json': '{}',
      'media/intro.mp4': VIDEO,
    })
    purged.length = 0
    proxy.clear()
    const report = await deploy({ dir, config: config({ ...PDF, 'Content-Language': 'de-AT' }), storage: TUNING, now: at(1), env: {}, invalidator })
    expect(report.uploaded.files.map((f) => [f.rel, f.reason])).toEqual([['docs/report.pdf', 'headers']])
    expect(fileUploads(proxy.requests)).toEqual([`${prefix}docs/report.pdf`])
    expect(purged).toEqual([['docs/report.pdf']])
    expect((await head(`${prefix}docs/report.pdf`)).ContentLanguage).toBe('de-AT')
    // A redirect's new target: that object again, and its purge.
    purged.length = 0
    const moved = targetConfig({
      endpoint: proxy.endpoint,
      bucket: server.bucket,
      prefix,
      headers: rules({ ...PDF, 'Content-Language': 'de-AT' }),
      redirects: { ...REDIRECTS, '/old': '/hdr/docs/report.pdf' },
    })
    const again = await deploy({ dir, config: moved, storage: TUNING, now: at(2), env: {}, invalidator })
    expect(again.uploaded.files.map((f) => [f.rel, f.reason])).toEqual([['old', 'headers']])
    expect(purged).toEqual([['old']])
    expect((await head(`${prefix}old`)).WebsiteRedirectLocation).toBe('/hdr/docs/report.pdf')
  })

  it('stops at a bad rule before writing anything, naming the glob', async () => {
    const dir = await fixture({ 'index.html': '<p>other</p>' })
    const before = await listKeys(server.client, server.bucket, '')
    proxy.clear()
    const run = deploy({
      dir,
      configFile: false,
      options: {
        domain: 'https://cdn.example.com',
        prefix: 'bad/',
        storage: { bucket: server.bucket, endpoint: proxy.endpoint, forcePathStyle: true, region: 'us-east-1' },
        headers: { '**/*.pdf': { 'Content-Dispositon': 'attachment' } as HeaderRule, 'private/**': { SSEKMSKeyId: 'alias/site' } },
      },
      env: {},
    })
    const error = await run.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CdnDeployError)
    expect((error as CdnDeployError).scope).toBe('config')
    expect((error as CdnDeployError).problems).toEqual([
      expect.stringContaining('headers["**/*.pdf"].Content-Dispositon: unknown header'),
      'headers["private/**"]: SSEKMSKeyId needs ServerSideEncryption: "aws:kms" (or "aws:kms:dsse") in the same rule',
    ])
    expect(proxy.requests).toEqual([])
    expect(await listKeys(server.client, server.bucket, '')).toEqual(before)
  })
})

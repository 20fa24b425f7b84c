/**
 * S3 presigned URLs against real S3 servers, fetched with a plain GET (no SDK, no
 * extra headers), as a browser following a link would:
 * - moto keeps objects private (an unsigned GET is 403) and lets the presigned one through;
 * - s3rver enforces the expiry (a 1-second URL, fetched ~2 s later, is refused:
 *   that waits for expiry, it does not time anything).
 * Neither server checks the SigV4 query signature itself, so the test recomputes it
 * independently (the documented algorithm, with node:crypto) and checks it matches.
 */
import { createHash, createHmac } from 'node:crypto'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { presignS3Url } from '../../src/signing/index.js'
import { startMoto, startS3rver, type S3TestServer } from '../helpers/s3-servers.js'

const KEY = 'private/reports/2026 Q1 é.pdf'
const BODY = '%PDF-1.4 quarterly numbers'
const servers: Partial<Record<'s3rver' | 'moto', S3TestServer>> = {}

beforeAll(async () => {
  const [s3rver, moto] = await Promise.all([startS3rver('private-bucket'), startMoto('private-bucket')])
  Object.assign(servers, { s3rver, moto })
  for (const server of [s3rver, moto]) {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
    await server.client.send(new PutObjectCommand({ Bucket: server.bucket, Key: KEY, Body: BODY, ContentType: 'application/pdf' }))
  }
})
afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s.stop()))
})

const options = (server: S3TestServer) => ({ bucket: server.bucket, key: KEY, region: server.region, endpoint: server.endpoint, forcePathStyle: true })

/**
 * SigV4 query-string signature, recomputed from the URL alone.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 */
function expectedSignature(presigned: string, secret: string): string {
  const url = new URL(presigned)
  const q = url.searchParams
  const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  const query = [...q.entries()]
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .sort()
    .join('&')
  const signedHeaders = q.get('X-Amz-SignedHeaders')!
  expect(signedHeaders).toBe('host')
  const canonical = ['GET', url.pathname, query, `host:${url.host}\n`, signedHeaders, 'UNSIGNED-PAYLOAD'].join('\n')
  const [, date, region, service] = q.get('X-Amz-Credential')!.split('/')
  const scope = `${date}/${region}/${service}/aws4_request`
  const toSign = ['AWS4-HMAC-SHA256', q.get('X-Amz-Date'), scope, createHash('sha256').update(canonical).digest('hex')].join('\n')
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest()
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secret}`, date!), region!), service!), 'aws4_request')
  return createHmac('sha256', signingKey).update(toSign).digest('hex')
}

describe('presignS3Url', () => {
  it('signs a plain GET (host only), with a signature that recomputes independently', async () => {
    const url = await presignS3Url({ ...options(servers.s3rver!), expiresIn: 300 })
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/private-bucket\/private\/reports\/2026%20Q1%20%C3%A9\.pdf\?/)
    const q = new URL(url).searchParams
    expect(q.get('X-Amz-Expires')).toBe('300')
    expect(q.get('X-Amz-Credential')).toMatch(/^test\/\d{8}\/us-east-1\/s3\/aws4_request$/)
    expect(q.get('X-Amz-Signature')).toBe(expectedSignature(url, 'test'))
    expect(q.get('X-Amz-Signature')).not.toBe(expectedSignature(url, 'another-secret'))
  })

  it('fetches a private object from moto, which refuses the unsigned GET', async () => {
    const moto = servers.moto!
    const unsigned = await fetch(`${moto.endpoint}/${moto.bucket}/${encodeURIComponent(KEY).replace(/%2F/g, '/')}`)
    await unsigned.arrayBuffer()
    expect(unsigned.status).toBe(403)
    const res = await fetch(await presignS3Url({ ...options(moto), expiresIn: 300 }))
    expect(res.status).toBe(200)
    expect(await res.text()).toBe(BODY)
  })

  it('fetches from s3rver with the response overrides applied', async () => {
    const url = await presignS3Url({
      ...options(servers.s3rver!),
      expiresIn: 300,
      responseContentDisposition: 'attachment; filename="q1.pdf"',
      responseContentType: 'application/octet-stream',
    })
    const res = await fetch(url)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="q1.pdf"')
    expect(res.headers.get('content-type')).toBe('application/octet-stream')
    expect(await res.text()).toBe(BODY)
    expect(new URL(url).searchParams.get('X-Amz-Signature')).toBe(expectedSignature(url, 'test'))
  })

  it('is refused by s3rver once expired', async () => {
    const url = await presignS3Url({ ...options(servers.s3rver!), expiresIn: 1 })
    await new Promise((r) => setTimeout(r, 2100))
    const res = await fetch(url)
    expect(res.status).toBe(403)
    expect(await res.text()).toContain('Request has expired')
  })

  it.each([0, 1.5, 604_801])('refuses expiresIn %s', async (expiresIn) => {
    await expect(presignS3Url({ ...options(servers.s3rver!), expiresIn })).rejects.toThrow(
      /\[cdn-deploy\] \[s3\] presignS3Url: expiresIn must be whole seconds from 1 to 604800/,
    )
  })
})

/**
 * The single-part PUT (src/storage/put.ts) against the SDK's own PutObject, on
 * the same client: the same URL (every addressing style the SDK's endpoint rules
 * know), the same headers for every field the tool sets, and, for every error a
 * store answers, an error that the retry loop classifies and the error mapping
 * words exactly as the SDK's. The SDK's request is captured at its HTTP handler;
 * the errors come from a loopback server answering both the same way.
 */
import { createServer, type Server } from 'node:http'
import { Agent as HttpAgent } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { createHash } from 'node:crypto'
import { PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'
import { HttpResponse, type HttpRequest } from '@smithy/core/protocols'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mapS3Error } from '../../src/storage/errors.js'
import { buildPut, putHeaders, putTarget, sendPut } from '../../src/storage/put.js'
import { isRetryable } from '../../src/storage/request.js'

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' }
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) }
const body = Buffer.from('console.log("hello")\n')
const digest = createHash('sha256').update(body).digest()
const FULL = {
  ContentType: 'text/javascript; charset=utf-8',
  CacheControl: 'public, max-age=31536000, immutable',
  ContentEncoding: 'br',
  ContentDisposition: 'attachment; filename="a.js"',
  ContentLanguage: 'de',
  ACL: 'public-read' as const,
  StorageClass: 'STANDARD_IA' as const,
  ServerSideEncryption: 'aws:kms' as const,
  SSEKMSKeyId: 'alias/site',
  WebsiteRedirectLocation: '/elsewhere',
  Metadata: { sha256: digest.toString('hex'), Team: 'web' },
}
/** What the SDK adds that this path leaves out or words otherwise (its retry telemetry, its user agent) and what changes per signature. */
const VOLATILE = new Set(['authorization', 'x-amz-date', 'x-amz-security-token', 'amz-sdk-invocation-id', 'amz-sdk-request', 'user-agent', 'x-amz-user-agent'])
const stable = (headers: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(headers)
      .filter(([k]) => !VOLATILE.has(k.toLowerCase()))
      .map(([k, v]) => [k.toLowerCase(), v]),
  )

/** The SDK's PutObject request for `input` on a client of `config`, as its HTTP handler receives it. */
async function sdkRequest(config: S3ClientConfig, input: ConstructorParameters<typeof PutObjectCommand>[0]): Promise<HttpRequest> {
  let seen: HttpRequest | undefined
  const handler = {
    handle: async (request: HttpRequest) => {
      seen = request
      return { response: new HttpResponse({ statusCode: 200, headers: { etag: '"e"' }, body: Readable.from([]) }) }
    },
    updateHttpClientConfig: () => {},
    httpHandlerConfigs: () => ({}),
  }
  const client = new S3Client({ ...config, credentials, requestChecksumCalculation: 'WHEN_REQUIRED', requestHandler: handler as never })
  await client.send(new PutObjectCommand(input))
  client.destroy()
  return seen!
}

describe('the single-part PUT builds the request the SDK builds', () => {
  const configs: Array<[string, S3ClientConfig, string]> = [
    ['a custom endpoint, path-style', { region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true }, 'site-bucket'],
    [
      'a custom endpoint with a base path, on the default port',
      { region: 'auto', endpoint: 'https://store.example.com/s3', forcePathStyle: true },
      'site-bucket',
    ],
    ['AWS, virtual-hosted', { region: 'eu-west-1' }, 'site-bucket'],
    ['AWS, path-style', { region: 'eu-west-1', forcePathStyle: true }, 'site-bucket'],
    ["AWS, a bucket name with dots (path-style by the SDK's rule)", { region: 'eu-central-1' }, 'www.example.com'],
    ['AWS, accelerate', { region: 'us-east-1', useAccelerateEndpoint: true }, 'site-bucket'],
    ['AWS, FIPS and dual-stack', { region: 'us-east-2', useFipsEndpoint: true, useDualstackEndpoint: true }, 'site-bucket'],
  ]
  const keys = ['assets/app-4f3a9c2e.js', "dir/a b+c(1)!'*~é.js", 'emoji/🚀 launch.json', 'question?mark#hash.html', '.cdn-deploy/x']

  it.each(configs)('%s', async (_name, config, bucket) => {
    const client = new S3Client({ ...config, credentials })
    const target = await putTarget(client, bucket, agents)
    for (const key of keys) {
      for (const [fields, extra] of [
        [{ ContentType: 'text/html' }, {}],
        [FULL, { ifNoneMatch: '*', checksumSha256: digest.toString('base64') }],
      ] as const) {
        const sdk = await sdkRequest(config, {
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentLength: body.length,
          ...fields,
          ...('ifNoneMatch' in extra ? { IfNoneMatch: '*', ChecksumSHA256: extra.checksumSha256 } : {}),
        })
        const ours = buildPut(target, { key, body, payloadHash: digest.toString('hex'), headers: putHeaders(fields, extra) })
        expect({ protocol: target.https ? 'https:' : 'http:', hostname: target.hostname, port: target.port, path: ours.path, query: ours.query }).toEqual({
          protocol: sdk.protocol,
          hostname: sdk.hostname,
          port: sdk.port,
          path: sdk.path,
          query: sdk.query,
        })
        expect(stable(ours.headers)).toEqual(stable(sdk.headers))
      }
    }
    expect({ region: target.signingRegion, service: target.signingService }).toEqual({
      region: config.region === 'auto' ? 'auto' : config.region,
      service: 's3',
    })
    client.destroy()
  })
})

describe('the single-part PUT fails as the SDK fails', () => {
  let server: Server
  let endpoint = ''
  let answer: { status: number; headers?: Record<string, string>; body?: string } = { status: 200 }
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        res.writeHead(answer.status, { 'content-type': 'application/xml', 'x-amz-request-id': 'REQ1', ...answer.headers })
        res.end(answer.body ?? '')
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  const xml = (code: string, message: string, extra = '') =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>REQ1</RequestId><HostId>h</HostId></Error>`
  it.each<[string, typeof answer]>([
    ['403 AccessDenied', { status: 403, body: xml('AccessDenied', 'Access Denied') }],
    ['404 NoSuchBucket', { status: 404, body: xml('NoSuchBucket', 'The specified bucket does not exist') }],
    [
      '301 PermanentRedirect',
      {
        status: 301,
        headers: { 'x-amz-bucket-region': 'eu-west-1' },
        body: xml('PermanentRedirect', 'The bucket you are attempting to access must be addressed using the specified endpoint.'),
      },
    ],
    [
      '400 AuthorizationHeaderMalformed naming the region',
      { status: 400, body: xml('AuthorizationHeaderMalformed', 'the region is wrong', '<Region>eu-west-1</Region>') },
    ],
    ['403 InvalidAccessKeyId', { status: 403, body: xml('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.') }],
    ['403 SignatureDoesNotMatch', { status: 403, body: xml('SignatureDoesNotMatch', 'The request signature we calculated does not match') }],
    ['412 PreconditionFailed', { status: 412, body: xml('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold') }],
    ['412 without a body', { status: 412 }],
    ['409 ConditionalRequestConflict', { status: 409, body: xml('ConditionalRequestConflict', 'A conflicting operation occurred') }],
    ['501 NotImplemented', { status: 501, body: xml('NotImplemented', 'A header you provided implies functionality that is not implemented') }],
    ['400 InvalidRequest about the checksum', { status: 400, body: xml('InvalidRequest', 'x-amz-checksum-sha256 is not supported') }],
    ['503 SlowDown', { status: 503, body: xml('SlowDown', 'Please reduce your request rate.') }],
    ['500 InternalError', { status: 500, body: xml('InternalError', 'We encountered an internal error. Please try again.') }],
    [
      '403 RequestTimeTooSkewed (a clock an hour behind: corrected, then retried)',
      {
        status: 403,
        headers: { date: new Date(Date.now() + 3_600_000).toUTCString() },
        body: xml('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.'),
      },
    ],
    ['502 from a proxy, not XML', { status: 502, headers: { 'content-type': 'text/html' }, body: '<html>Bad Gateway</html>' }],
  ])('%s', async (_name, reply) => {
    answer = reply
    // Two clients: each keeps its own clock offset, as a deploy's one client does.
    const make = () =>
      new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials, maxAttempts: 1, requestChecksumCalculation: 'WHEN_REQUIRED' })
    const [theirs, client] = [make(), make()]
    const sdk = await theirs.send(new PutObjectCommand({ Bucket: 'b', Key: 'k.js', Body: body })).then(
      () => undefined,
      (e: unknown) => e as Error & Record<string, unknown>,
    )
    const target = await putTarget(client, 'b', agents)
    const ours = await sendPut(client, target, { key: 'k.js', body, payloadHash: digest.toString('hex'), headers: {} }, new AbortController().signal).then(
      () => undefined,
      (e: unknown) => e as Error & Record<string, unknown>,
    )
    expect(sdk && ours).toBeTruthy()
    const ctx = { action: 'PutObject', bucket: 'b', key: 'k.js', region: 'us-east-1', endpoint }
    expect(mapS3Error(ours, ctx).message).toBe(mapS3Error(sdk, ctx).message)
    expect(isRetryable(ours)).toBe(isRetryable(sdk))
    const seen = (e: Error & Record<string, unknown>) => ({
      name: e.name,
      fault: e.$fault,
      metadata: { ...(e.$metadata as object), attempts: undefined, totalRetryDelay: undefined, cfId: undefined },
    })
    expect(seen(ours!)).toEqual(seen(sdk!))
    // The same clock offset (within the second-resolution Date header and the two round trips).
    expect(Math.abs(client.config.systemClockOffset - theirs.config.systemClockOffset)).toBeLessThan(3_000)
    client.destroy()
    theirs.destroy()
  })
})

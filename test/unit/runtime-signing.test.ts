/**
 * CloudFront signed URLs (canned policy): the signature verifies against the
 * matching public key over the exact policy CloudFront rebuilds from the URL, and
 * not against another key; inputs CloudFront would refuse are refused here first.
 */
import { generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { cannedPolicy, cloudFrontBase64, signCloudFrontCookies, signCloudFrontUrl } from '../../src/signing/index.js'

const pair = () => generateKeyPairSync('rsa', { modulusLength: 2048 })
const { privateKey, publicKey } = pair()
const other = pair().publicKey
const PEM = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()
const EXPIRES = new Date('2030-01-01T00:00:00Z')
const EPOCH = 1893456000

const fromCloudFrontBase64 = (text: string) => Buffer.from(text.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64')

/** What CloudFront does: take the signing params off, rebuild the canned policy, verify. */
function check(signed: string, key: KeyObject, algorithm = 'sha1') {
  const url = new URL(signed)
  const params = Object.fromEntries(['Expires', 'Signature', 'Key-Pair-Id', 'Hash-Algorithm'].map((p) => [p, url.searchParams.get(p)]))
  const resource = signed.slice(0, signed.indexOf(signed.includes('?Expires=') ? '?Expires=' : '&Expires='))
  const signature = Buffer.from(params.Signature!.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64')
  const policy = `{"Statement":[{"Resource":"${resource}","Condition":{"DateLessThan":{"AWS:EpochTime":${params.Expires}}}}]}`
  return { params, resource, valid: verify(algorithm, Buffer.from(policy), key, signature) }
}

describe('signCloudFrontUrl', () => {
  it.each([
    ['a plain URL', 'https://d111111abcdef8.cloudfront.net/private/report.pdf', 'https://d111111abcdef8.cloudfront.net/private/report.pdf'],
    ['a URL with its own query', 'https://cdn.example.com/video.mp4?quality=hd&t=1', 'https://cdn.example.com/video.mp4?quality=hd&t=1'],
    [
      'a URL with spaces and non-ASCII (signed as requested)',
      'https://cdn.example.com/files/rapport annuel é.pdf',
      'https://cdn.example.com/files/rapport%20annuel%20%C3%A9.pdf',
    ],
    [
      'a URL with reserved characters in a segment (percent-encoded by the signer: request it as returned)',
      'https://cdn.example.com/files/a@b+c.pdf',
      'https://cdn.example.com/files/a%40b%2Bc.pdf',
    ],
  ])('signs %s so that the matching public key verifies it', (_, url, resource) => {
    const signed = signCloudFrontUrl(url, { keyPairId: 'K2JCJMDEHXQW5F', privateKey: PEM, expires: EXPIRES })
    const result = check(signed, publicKey)
    expect(result.resource).toBe(resource)
    expect(result.params).toMatchObject({ Expires: String(EPOCH), 'Key-Pair-Id': 'K2JCJMDEHXQW5F', 'Hash-Algorithm': null })
    expect(result.params.Signature).toMatch(/^[A-Za-z0-9~_-]+$/) // CloudFront's URL-safe alphabet only
    expect(result.valid).toBe(true)
    expect(check(signed, other).valid).toBe(false)
  })

  it('accepts epoch seconds and a KeyObject, and signs with SHA256 on request', () => {
    const signed = signCloudFrontUrl('https://cdn.example.com/a.zip', { keyPairId: 'K1', privateKey, expires: EPOCH, hashAlgorithm: 'SHA256' })
    // Parameter order is the signer's (CloudFront reads them by name).
    expect(signed).toMatch(/^https:\/\/cdn\.example\.com\/a\.zip\?Expires=1893456000&Key-Pair-Id=K1&Signature=[^&]+&Hash-Algorithm=SHA256$/)
    expect(check(signed, publicKey, 'sha256').valid).toBe(true)
    expect(check(signed, publicKey, 'sha1').valid).toBe(false)
  })

  it('gives the same signature as signing the canned policy directly (RSA PKCS#1 v1.5 is deterministic)', () => {
    const url = 'https://cdn.example.com/private/report.pdf'
    for (const [hashAlgorithm, digest] of [
      ['SHA1', 'sha1'],
      ['SHA256', 'sha256'],
    ] as const) {
      const signed = new URL(signCloudFrontUrl(url, { keyPairId: 'K1', privateKey: PEM, expires: EXPIRES, hashAlgorithm }))
      expect(signed.searchParams.get('Signature')).toBe(cloudFrontBase64(sign(digest, Buffer.from(cannedPolicy(url, EPOCH)), privateKey)))
    }
  })

  it('a start time or an IP range makes a custom policy (Policy= instead of Expires=)', () => {
    const signed = signCloudFrontUrl('https://cdn.example.com/video/a.mp4', {
      keyPairId: 'K1',
      privateKey: PEM,
      expires: EXPIRES,
      notBefore: new Date('2029-12-31T00:00:00Z'),
      ipAddress: '192.0.2.0/24',
    })
    const params = new URL(signed).searchParams
    expect(params.has('Expires')).toBe(false)
    const policy = fromCloudFrontBase64(params.get('Policy')!).toString()
    expect(JSON.parse(policy)).toEqual({
      Statement: [
        {
          Resource: 'https://cdn.example.com/video/a.mp4',
          Condition: {
            DateLessThan: { 'AWS:EpochTime': EPOCH },
            DateGreaterThan: { 'AWS:EpochTime': EPOCH - 86400 },
            IpAddress: { 'AWS:SourceIp': '192.0.2.0/24' },
          },
        },
      ],
    })
    expect(verify('sha1', Buffer.from(policy), publicKey, fromCloudFrontBase64(params.get('Signature')!))).toBe(true)
    expect(() => signCloudFrontUrl('https://cdn.example.com/a', { keyPairId: 'K1', privateKey: PEM, expires: EXPIRES, ipAddress: '300.1.1.1' })).toThrow(
      /^\[cdn-deploy\] \[cloudfront\] signCloudFrontUrl: IP address "300.1.1.1" is invalid/,
    )
  })

  it('builds the canned policy exactly as documented (no whitespace) and the URL-safe base64', () => {
    expect(cannedPolicy('https://d111111abcdef8.cloudfront.net/image.jpg', 1767290400)).toBe(
      '{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/image.jpg","Condition":{"DateLessThan":{"AWS:EpochTime":1767290400}}}]}',
    )
    expect(cloudFrontBase64(Buffer.from([0xfb, 0xff, 0xbf, 0x01]))).toBe('-~-~AQ__')
  })

  it.each([
    ['milliseconds', { expires: EXPIRES.getTime() }, /looks like milliseconds/],
    ['a fraction', { expires: 1.5 }, /whole seconds since the epoch/],
    ['a missing key pair id', { keyPairId: '' }, /keyPairId is required/],
    ['an unreadable key', { privateKey: 'not a key' }, /\[cdn-deploy\] \[cloudfront\] signCloudFrontUrl: privateKey is not a readable private key/],
  ])('refuses %s', (_, override, error) => {
    expect(() => signCloudFrontUrl('https://cdn.example.com/a', { keyPairId: 'K1', privateKey: PEM, expires: EXPIRES, ...override })).toThrow(error)
  })

  it.each([
    ['a relative URL', '/private/a.pdf', /is not an absolute URL/],
    ['a fragment', 'https://cdn.example.com/a.pdf#page=2', /has a fragment/],
    ['signing params already there', 'https://cdn.example.com/a.pdf?Expires=1&Signature=x', /already has Expires, Signature/],
  ])('refuses %s', (_, url, error) => {
    expect(() => signCloudFrontUrl(url, { keyPairId: 'K1', privateKey: PEM, expires: EXPIRES })).toThrow(error)
  })
})

describe('signCloudFrontCookies', () => {
  it('signs a wildcard resource with a custom policy (the canned one covers one URL), verifiable with the public key', () => {
    const cookies = signCloudFrontCookies('https://cdn.example.com/private/*', { keyPairId: 'K2JCJMDEHXQW5F', privateKey: PEM, expires: EXPIRES })
    expect(Object.keys(cookies).sort()).toEqual(['CloudFront-Key-Pair-Id', 'CloudFront-Policy', 'CloudFront-Signature'])
    expect(cookies['CloudFront-Key-Pair-Id']).toBe('K2JCJMDEHXQW5F')
    const policy = fromCloudFrontBase64(cookies['CloudFront-Policy']!).toString()
    expect(policy).toBe(cannedPolicy('https://cdn.example.com/private/*', EPOCH))
    expect(verify('sha1', Buffer.from(policy), publicKey, fromCloudFrontBase64(cookies['CloudFront-Signature']))).toBe(true)
    expect(verify('sha1', Buffer.from(policy), other, fromCloudFrontBase64(cookies['CloudFront-Signature']))).toBe(false)
  })

  it('takes the same options: SHA256, a start time, an IP range', () => {
    const cookies = signCloudFrontCookies('https://cdn.example.com/private/*', {
      keyPairId: 'K1',
      privateKey,
      expires: EPOCH,
      notBefore: EPOCH - 60,
      ipAddress: '192.0.2.7',
      hashAlgorithm: 'SHA256',
    })
    expect(cookies['CloudFront-Hash-Algorithm']).toBe('SHA256')
    const policy = fromCloudFrontBase64(cookies['CloudFront-Policy']!).toString()
    expect(JSON.parse(policy).Statement[0].Condition).toEqual({
      DateLessThan: { 'AWS:EpochTime': EPOCH },
      DateGreaterThan: { 'AWS:EpochTime': EPOCH - 60 },
      IpAddress: { 'AWS:SourceIp': '192.0.2.7/32' },
    })
    expect(verify('sha256', Buffer.from(policy), publicKey, fromCloudFrontBase64(cookies['CloudFront-Signature']))).toBe(true)
  })

  it.each([
    ['a relative resource', '/private/*', {}, /signCloudFrontCookies: "\/private\/\*" is not an absolute URL/],
    ['milliseconds', 'https://cdn.example.com/*', { expires: EXPIRES.getTime() }, /signCloudFrontCookies: expires \d+ looks like milliseconds/],
  ])('refuses %s', (_, resource, override, error) => {
    expect(() => signCloudFrontCookies(resource, { keyPairId: 'K1', privateKey: PEM, expires: EXPIRES, ...override })).toThrow(error)
  })
})

/**
 * An upload's S3 parameters (src/storage/params.ts): what goes on the request,
 * and whether an object already at a key (as a HEAD reports it) holds them, so
 * that adopting it records nothing the object lacks.
 */
import { describe, expect, it } from 'vitest'
import type { ObjectParams } from '../../src/plan/types.js'
import { sameParams, uploadParams } from '../../src/storage/params.js'

const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab'
const KEY_ARN = `arn:aws:kms:us-east-1:123456789012:key/${KEY_ID}`
const head = (params: Omit<ObjectParams, 'Metadata'>, metadata: Record<string, string> = {}) => ({ params, metadata: { sha256: 'abc', ...metadata } })

describe('uploadParams', () => {
  it("spreads the parameters, the tool's sha256 over a user's", () => {
    expect(uploadParams({ ContentDisposition: 'attachment', Metadata: { team: 'web', sha256: 'mine' } }, 'abc')).toEqual({
      ContentDisposition: 'attachment',
      Metadata: { team: 'web', sha256: 'abc' },
    })
    expect(uploadParams(undefined, 'abc')).toEqual({ Metadata: { sha256: 'abc' } })
  })
})

describe('sameParams', () => {
  it.each<[string, ObjectParams | undefined, ReturnType<typeof head>, boolean]>([
    ['none wanted, none there', undefined, head({}), true],
    ['none wanted, a Content-Disposition there', undefined, head({ ContentDisposition: 'attachment' }), false],
    ['a Content-Disposition wanted, none there', { ContentDisposition: 'attachment' }, head({}), false],
    ['another Content-Language', { ContentLanguage: 'de' }, head({ ContentLanguage: 'en' }), false],
    ['another redirect target', { WebsiteRedirectLocation: '/a' }, head({ WebsiteRedirectLocation: '/b' }), false],
    ["user metadata, the tool's sha256 aside", { Metadata: { team: 'web' } }, head({}, { team: 'web' }), true],
    ['user metadata missing', { Metadata: { team: 'web' } }, head({}), false],
    ['user metadata the rules do not give', undefined, head({}, { team: 'web' }), false],
    ['STANDARD is no storage class in a HEAD', { StorageClass: 'STANDARD' }, head({}), true],
    ['another storage class', undefined, head({ StorageClass: 'STANDARD_IA' }), false],
    ['a store encrypting every object by default', undefined, head({ ServerSideEncryption: 'AES256' }), true],
    [
      'SSE-KMS by key id, the HEAD naming its ARN',
      { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_ID },
      head({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_ARN }),
      true,
    ],
    [
      'SSE-KMS by alias: cannot be matched, so not the same',
      { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/site' },
      head({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_ARN }),
      false,
    ],
    ['SSE-KMS wanted, AES256 there', { ServerSideEncryption: 'aws:kms' }, head({ ServerSideEncryption: 'AES256' }), false],
  ])('%s', (_name, wanted, there, same) => {
    expect(sameParams(wanted, there)).toBe(same)
  })
})

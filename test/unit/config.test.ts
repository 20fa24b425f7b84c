import { afterEach, describe, expect, it, vi } from 'vitest'
import { resolveConfig, type ResolveInput } from '../../src/config/resolve.js'
import { DEFAULTS, defineCdnConfig } from '../../src/config/types.js'
import {
  boolean,
  discriminated,
  integer,
  literal,
  matches,
  object,
  oneOf,
  optional,
  record,
  safeParse,
  string,
  union,
  type Issue,
  type Schema,
} from '../../src/config/validate.js'
import { CdnDeployError } from '../../src/errors.js'

const DOMAIN = 'https://cdn.example.com'
const BUCKET = 'example-assets'
const ZONE = '0123456789abcdef0123456789abcdef'
/** A config that resolves cleanly; cases below break one thing in it. */
const OK = { domain: DOMAIN, storage: { bucket: BUCKET } }

function failure(input: ResolveInput): CdnDeployError {
  try {
    resolveConfig(input)
  } catch (error) {
    if (error instanceof CdnDeployError) return error
    throw error
  }
  throw new Error(`resolveConfig did not throw for ${JSON.stringify(input)}`)
}

describe('resolveConfig: bad configs', () => {
  // [case, input, texts the message must contain: field path, what was wrong, the fix]
  const cases: Array<[string, ResolveInput, string[]]> = [
    ['unknown top-level key', { file: { ...OK, domian: DOMAIN } }, ['domian: unknown option', 'did you mean "domain"?']],
    ['nested option at the top level', { file: { ...OK, bucket: BUCKET } }, ['bucket: unknown option', 'did you mean "storage.bucket"?']],
    ['unknown key inside storage', { file: { domain: DOMAIN, storage: { bukcet: BUCKET } } }, ['storage.bukcet: unknown option', 'did you mean "bucket"?']],
    [
      'missing domain while enabled',
      { file: { storage: { bucket: BUCKET } } },
      ['domain: required', 'e.g. "https://cdn.example.com"', 'CDN_DOMAIN', 'enabled: false'],
    ],
    [
      'domain not a URL',
      { file: { ...OK, domain: 'cdn.example.com' } },
      ['domain: "cdn.example.com" is not an absolute URL', 'write it as "https://cdn.example.com"'],
    ],
    ['domain with another scheme', { file: { ...OK, domain: 'ftp://cdn.example.com' } }, ['domain: "ftp://cdn.example.com" must use https://', 'got ftp:']],
    [
      'domain http on a public host',
      { file: { ...OK, domain: 'http://cdn.example.com' } },
      ['domain: "http://cdn.example.com" must use https://', 'mixed content'],
    ],
    [
      'domain with a query string',
      { file: { ...OK, domain: 'https://cdn.example.com/?v=2' } },
      ['domain: "https://cdn.example.com/?v=2" must not have a query or fragment', 'write the base URL only, e.g. "https://cdn.example.com/"'],
    ],
    [
      'domain with a fragment',
      { file: { ...OK, domain: 'https://cdn.example.com/app#x' } },
      ['domain:', 'must not have a query or fragment', 'e.g. "https://cdn.example.com/app"'],
    ],
    [
      'domain with credentials',
      { file: { ...OK, domain: 'https://deploy:pw@cdn.example.com' } },
      ['domain:', 'must not carry credentials in the URL', 'keep them in env vars'],
    ],
    ['prefix starting with /', { file: { ...OK, prefix: '/app/' } }, ['prefix: "/app/" must not start with "/"', 'write "app/"']],
    ['prefix with ..', { file: { ...OK, prefix: 'app/../other/' } }, ['prefix: "app/../other/" must not contain "." or ".." segments']],
    ['prefix with //', { file: { ...OK, prefix: 'app//v2/' } }, ['prefix: "app//v2/" must not contain "//"']],
    ['prefix with a backslash', { file: { ...OK, prefix: 'app\\v2' } }, ['prefix: "app\\v2" must use "/" not "\\"']],
    [
      'bucket given as an s3:// URL',
      { file: { domain: DOMAIN, storage: { bucket: 's3://example-assets' } } },
      ['storage.bucket: "s3://example-assets" is not a valid bucket name', 'lowercase', 'no "s3://"'],
    ],
    [
      'bucket with uppercase letters',
      { file: { domain: DOMAIN, storage: { bucket: 'Example-Assets' } } },
      ['storage.bucket: "Example-Assets" is not a valid bucket name', '3-63 lowercase letters'],
    ],
    [
      'bucket with a path',
      { file: { domain: DOMAIN, storage: { bucket: 'example-assets/app' } } },
      ['storage.bucket: "example-assets/app" is not a valid bucket name', 'no path'],
    ],
    [
      'bad region',
      { file: { domain: DOMAIN, storage: { bucket: BUCKET, region: 'EU (Ireland)' } } },
      ['storage.region: "EU (Ireland)" is not a region name', 'e.g. "eu-west-1"'],
    ],
    [
      'endpoint not a URL',
      { file: { domain: DOMAIN, storage: { bucket: BUCKET, endpoint: 'localhost:9000' } } },
      ['storage.endpoint: "localhost:9000" is not an absolute URL', 'write it as "https://localhost:9000"'],
    ],
    [
      'bad ACL',
      { file: { domain: DOMAIN, storage: { bucket: BUCKET, acl: 'public' } } },
      ['storage.acl: must be "private", "public-read" or "bucket-owner-full-control"', 'modern buckets disable ACLs'],
    ],
    [
      'AWS secret in storage',
      { file: { domain: DOMAIN, storage: { bucket: BUCKET, secretAccessKey: 'x' } } },
      ['storage.secretAccessKey: AWS credentials do not belong in the config file', 'use the AWS credential chain'],
    ],
    [
      'AWS key id at the top level',
      { file: { ...OK, accessKeyId: 'x' } },
      ['accessKeyId: AWS credentials do not belong in the config file', 'AWS credential chain'],
    ],
    [
      'Cloudflare apiToken in the provider',
      { file: { ...OK, provider: { type: 'cloudflare', zoneId: ZONE, apiToken: 'x' } } },
      ['provider.apiToken: the Cloudflare token does not belong in the config file', 'CLOUDFLARE_API_TOKEN'],
    ],
    [
      'generic provider Authorization header with a literal secret',
      { file: { ...OK, provider: { type: 'generic', url: 'https://hooks.example.com/purge', headers: { Authorization: 'Bearer x' } } } },
      ['provider.headers.Authorization: secrets do not belong in the config file', 'write "${MY_ENV_VAR}"', 'set the variable in the environment'],
    ],
    [
      'literal secret header inside an environment',
      { file: { ...OK, environments: { staging: { provider: { type: 'generic', url: 'https://hooks.example.com/purge', headers: { 'X-Api-Key': 'x' } } } } } },
      ['environments.staging.provider.headers.X-Api-Key: secrets do not belong in the config file', '${MY_ENV_VAR}'],
    ],
    [
      'unknown provider type',
      { file: { ...OK, provider: { type: 'fastly' } } },
      ['provider', '"type" is one of "cloudfront", "cloudflare", "generic", "none"'],
    ],
    ['provider without a type', { file: { ...OK, provider: { distributionId: 'E2EXAMPLE1234' } } }, ['provider', '"type" is one of']],
    [
      'unknown key in a provider',
      { file: { ...OK, provider: { type: 'cloudfront', distributionId: 'E2EXAMPLE1234', distributionID: 'x' } } },
      ['provider.distributionID: unknown option', 'did you mean "distributionId"?'],
    ],
    [
      'cloudfront without distributionId while deploying',
      { file: { ...OK, provider: { type: 'cloudfront' } } },
      ['provider.distributionId: required for CloudFront', 'CDN_DISTRIBUTION_ID'],
    ],
    [
      'bad distributionId format',
      { file: { ...OK, provider: { type: 'cloudfront', distributionId: 'd111111abcdef8.cloudfront.net' } } },
      ['provider.distributionId: "d111111abcdef8.cloudfront.net" is not a CloudFront distribution id', 'not the domain name'],
    ],
    [
      'cloudflare without CLOUDFLARE_API_TOKEN',
      { file: { ...OK, provider: { type: 'cloudflare', zoneId: ZONE } } },
      ['CLOUDFLARE_API_TOKEN: required for Cloudflare', 'set the env var', 'Zone.Cache Purge'],
    ],
    [
      'cloudflare without a zone id',
      { file: { ...OK, provider: { type: 'cloudflare' } }, env: { CLOUDFLARE_API_TOKEN: 'x' } },
      ['provider.zoneId: required for Cloudflare', 'CLOUDFLARE_ZONE_ID'],
    ],
    [
      'bad zone id',
      { file: { ...OK, provider: { type: 'cloudflare', zoneId: 'example.com' } } },
      ['provider.zoneId: "example.com" is not a Cloudflare zone id', '32 hex characters'],
    ],
    [
      'cloudflare batchSize out of range',
      { file: { ...OK, provider: { type: 'cloudflare', zoneId: ZONE, batchSize: 5000 } } },
      ['provider.batchSize: must be at most 1000'],
    ],
    [
      'generic provider without url while deploying',
      { file: { ...OK, provider: { type: 'generic' } } },
      ['provider.url: required for the generic provider', 'the webhook to call'],
    ],
    [
      'generic method not POST/PUT',
      { file: { ...OK, provider: { type: 'generic', url: 'https://hooks.example.com', method: 'GET' } } },
      ['provider.method: must be "POST" or "PUT"'],
    ],
    [
      'cacheControl value not a string',
      { file: { ...OK, cacheControl: { '**/*.json': 300 } } },
      ['cacheControl["**/*.json"]: must be a Cache-Control header value such as "public, max-age=300"'],
    ],
    [
      'cacheControl value on two lines',
      { file: { ...OK, cacheControl: { '**/*.json': 'public,\nmax-age=60' } } },
      ['cacheControl["**/*.json"]: must be a one-line ASCII header value'],
    ],
    ['cacheControl not an object', { file: { ...OK, cacheControl: 'no-cache' } }, ['cacheControl: must be an object of glob -> header value']],
    ['minify of the wrong type', { file: { ...OK, minify: 'yes' } }, ['minify: must be true, false, or { js, css, public } booleans']],
    ['minify with an unknown key', { file: { ...OK, minify: { html: true } } }, ['minify.html: unknown option']],
    ['retain.releases negative', { file: { ...OK, retain: { releases: -1 } } }, ['retain.releases: must be 0 or more (releases)']],
    ['retain.days fractional', { file: { ...OK, retain: { days: 1.5 } } }, ['retain.days: must be a whole number (days)']],
    ['concurrency 0', { file: { ...OK, concurrency: 0 } }, ['concurrency: must be at least 1']],
    ['concurrency 1000', { file: { ...OK, concurrency: 1000 } }, ['concurrency: must be at most 256', 'S3 throttles']],
    ['enabled not a boolean', { file: { ...OK, enabled: 'yes' } }, ['enabled: must be true or false']],
    ['reloadOnChunkError not a boolean', { file: { ...OK, reloadOnChunkError: 'once' } }, ['reloadOnChunkError: must be true or false']],
    [
      'environment with an unknown key',
      { file: { ...OK, environments: { staging: { domian: DOMAIN } } } },
      ['environments.staging.domian: unknown option', 'did you mean "domain"?'],
    ],
    [
      'environment with a bad value',
      { file: { ...OK, environments: { staging: { concurrency: 0 } } } },
      ['environments.staging.concurrency: must be at least 1'],
    ],
    ['environments not an object', { file: { ...OK, environments: ['staging'] } }, ['environments: must be an object of mode name -> options']],
    ['config not an object', { file: 'cdn.example.com' }, ['the config must be an object', 'export default defineCdnConfig']],
    ['CDN_ENABLED not a boolean', { file: OK, env: { CDN_ENABLED: 'maybe' } }, ['CDN_ENABLED: "maybe" is not a boolean', 'use 1/0, true/false']],
    ['CDN_DEPLOY not a boolean', { file: OK, env: { CDN_DEPLOY: 'later' } }, ['CDN_DEPLOY: "later" is not a boolean']],
    [
      'CDN_DOMAIN invalid',
      { file: OK, env: { CDN_DOMAIN: 'cdn.example.org' } },
      ['CDN_DOMAIN: "cdn.example.org" is not an absolute URL', 'https://cdn.example.org'],
    ],
    [
      'CDN_BUCKET invalid',
      { file: OK, env: { CDN_BUCKET: 's3://example-assets' } },
      ['CDN_BUCKET: "s3://example-assets" is not a valid bucket name', 'no "s3://"'],
    ],
    ['CDN_PREFIX invalid', { file: OK, env: { CDN_PREFIX: '/release/' } }, ['CDN_PREFIX: "/release/" must not start with "/"']],
    [
      'CDN_DISTRIBUTION_ID invalid',
      { file: OK, env: { CDN_DISTRIBUTION_ID: 'd111111abcdef8.cloudfront.net' } },
      ['CDN_DISTRIBUTION_ID: "d111111abcdef8.cloudfront.net" is not a CloudFront distribution id'],
    ],
    [
      'CDN_DISTRIBUTION_ID with another provider',
      { file: { ...OK, provider: { type: 'generic', url: 'https://hooks.example.com' } }, env: { CDN_DISTRIBUTION_ID: 'E2EXAMPLE1234' } },
      ['CDN_DISTRIBUTION_ID is set but provider.type is "generic"', 'unset one of them'],
    ],
    [
      'CLOUDFLARE_ZONE_ID invalid',
      { file: { ...OK, provider: { type: 'cloudflare' } }, env: { CLOUDFLARE_ZONE_ID: 'example.com', CLOUDFLARE_API_TOKEN: 'x' } },
      ['CLOUDFLARE_ZONE_ID: "example.com" is not a Cloudflare zone id'],
    ],
    [
      'strictMode with an unknown mode',
      { file: { ...OK, environments: { staging: {}, production: {} } }, mode: 'stagin', strictMode: true },
      ['mode "stagin" names no environment', 'known: staging, production'],
    ],
    ['strictMode with no environments at all', { file: OK, mode: 'staging', strictMode: true }, ['mode "staging" names no environment', 'known: none']],
    [
      'strictMode with an inherited property name as mode',
      { file: { ...OK, environments: { staging: {} } }, mode: 'toString', strictMode: true },
      ['mode "toString" names no environment'],
    ],
    ['deploy on without a bucket', { file: { domain: DOMAIN } }, ['storage.bucket: required to deploy', 'CDN_BUCKET', 'deploy: false']],
    // Messages zod used to leave at its defaults ("Invalid input", "Too small: expected number to be >0").
    ['configFile of the wrong type', { file: { ...OK, configFile: 1 } }, ['configFile: must be a path string, or false']],
    ['environment not an object', { file: { ...OK, environments: { staging: 'cdn-staging' } } }, ['environments.staging: must be an object of options']],
    ['empty cacheControl glob', { file: { ...OK, cacheControl: { '': 'no-cache' } } }, ['cacheControl[""]: a glob must not be empty']],
    [
      'distributionId not a string',
      { file: { ...OK, provider: { type: 'cloudfront', distributionId: 1234 } } },
      ['provider.distributionId: must be a string such as "E2EXAMPLE1234"'],
    ],
    ['zoneId not a string', { file: { ...OK, provider: { type: 'cloudflare', zoneId: 1234 } } }, ['provider.zoneId: must be a string of 32 hex characters']],
    [
      'cloudfront wait of 0 seconds',
      { file: { ...OK, provider: { type: 'cloudfront', distributionId: 'E2EXAMPLE1234', wait: 0 } } },
      ['provider.wait: must be at least 1 second'],
    ],
    [
      'cloudfront wait of the wrong type',
      { file: { ...OK, provider: { type: 'cloudfront', distributionId: 'E2EXAMPLE1234', wait: 'soon' } } },
      ['provider.wait: must be true, false, or a number of seconds'],
    ],
    [
      'cloudflare batchSize fractional',
      { file: { ...OK, provider: { type: 'cloudflare', zoneId: ZONE, batchSize: 2.5 } } },
      ['provider.batchSize: must be a whole number'],
    ],
    [
      'generic headers not an object',
      { file: { ...OK, provider: { type: 'generic', url: 'https://hooks.example.com', headers: 'X-Trace: 1' } } },
      ['provider.headers: must be an object of header name -> value'],
    ],
    [
      'generic header value not a string',
      { file: { ...OK, provider: { type: 'generic', url: 'https://hooks.example.com', headers: { 'X-Trace': 1 } } } },
      ['provider.headers.X-Trace: header values must be strings'],
    ],
    [
      'a cacheControl glob with a leading slash (never matches a path)',
      { file: { ...OK, cacheControl: { '/assets/*': 'no-cache' } } },
      ['never matches: paths are relative to the prefix', 'write "assets/*"'],
    ],
    [
      'a cacheControl glob with an unclosed brace',
      { file: { ...OK, cacheControl: { '**/*.{js,css': 'no-cache' } } },
      ['glob "**/*.{js,css" has an unclosed "{" or "["'],
    ],
    [
      'unknown key in an environment named like an Object method',
      { file: { ...OK, environments: { constructor: { domian: DOMAIN } } } },
      ['environments.constructor.domian: unknown option', 'did you mean "domain"?'],
    ],
    // include / exclude / sourcemaps
    ['include not an array', { file: { ...OK, include: '**/*.js' } }, ['include: must be an array of globs such as ["**", ".well-known/**"]']],
    ['include empty', { file: { ...OK, include: [] } }, ['include: must list at least one glob', 'leave include out to deploy every file']],
    [
      'exclude glob starting with /',
      { file: { ...OK, exclude: ['**/*.txt', '/assets/*.map'] } },
      ['exclude[1]: "/assets/*.map" must be relative to the output directory (write "assets/*.map")'],
    ],
    ['exclude glob with a backslash', { file: { ...OK, exclude: ['assets\\*.map'] } }, ['exclude[0]: "assets\\*.map" must use "/"']],
    ['exclude glob empty', { file: { ...OK, exclude: [''] } }, ['exclude[0]: a glob must not be empty']],
    ['exclude item not a string', { file: { ...OK, exclude: [3] } }, ['exclude[0]: a glob must be a string such as "**/*.map"']],
    ['sourcemaps unknown value', { file: { ...OK, sourcemaps: 'hidden' } }, ['sourcemaps: must be "publish" or "skip"', 'docs/files-and-headers.md']],
    ['include in an environment', { file: { ...OK, environments: { maps: { include: ['/x'] } } } }, ['environments.maps.include[0]: "/x" must be relative']],
    // headers: every problem names the glob
    [
      'unknown header',
      { file: { ...OK, headers: { '**/*.pdf': { 'Content-Dispositon': 'attachment' } } } },
      ['headers["**/*.pdf"].Content-Dispositon: unknown header', 'did you mean "Content-Disposition"?'],
    ],
    [
      'header in lower case',
      { file: { ...OK, headers: { '*.pdf': { 'content-language': 'de' } } } },
      ['headers["*.pdf"].content-language: unknown header', 'did you mean "Content-Language"?'],
    ],
    [
      'Cache-Control in headers',
      { file: { ...OK, headers: { '**/*.json': { 'Cache-Control': 'no-cache' } } } },
      ['headers["**/*.json"].Cache-Control: set Cache-Control in cacheControl'],
    ],
    [
      'Content-Encoding in headers',
      { file: { ...OK, headers: { '**/*.js': { 'Content-Encoding': 'gzip' } } } },
      ['headers["**/*.js"].Content-Encoding: Content-Encoding follows the stored bytes: set precompress instead'],
    ],
    [
      'x-amz-meta header in headers',
      { file: { ...OK, headers: { '**': { 'x-amz-meta-team': 'web' } } } },
      ['headers["**"].x-amz-meta-team: write metadata: { "team": "…" }'],
    ],
    [
      'Content-Disposition of another kind',
      { file: { ...OK, headers: { '*.pdf': { 'Content-Disposition': 'download' } } } },
      ['headers["*.pdf"].Content-Disposition: must be "inline" or "attachment"'],
    ],
    [
      'Content-Disposition with a non-ASCII file name',
      { file: { ...OK, headers: { '*.pdf': { 'Content-Disposition': 'attachment; filename="Bericht-ä.pdf"' } } } },
      ['headers["*.pdf"].Content-Disposition: must be one line of printable ASCII', "filename*=UTF-8''"],
    ],
    [
      'Content-Language not a tag',
      { file: { ...OK, headers: { 'de/**': { 'Content-Language': 'German' } } } },
      ['headers["de/**"].Content-Language: "German" is not a list of language tags'],
    ],
    [
      'Content-Type not a media type',
      { file: { ...OK, headers: { '*.log': { 'Content-Type': 'text' } } } },
      ['headers["*.log"].Content-Type: "text" is not a media type'],
    ],
    [
      'metadata name in upper case',
      { file: { ...OK, headers: { '**': { metadata: { Team: 'web' } } } } },
      ['headers["**"].metadata.Team: "Team" must be lower-case letters'],
    ],
    [
      'metadata named sha256',
      { file: { ...OK, headers: { '**': { metadata: { sha256: 'x' } } } } },
      ['headers["**"].metadata.sha256: "sha256" is the tool\'s own metadata'],
    ],
    [
      'metadata over 2 KB',
      { file: { ...OK, headers: { '**': { metadata: { a: 'x'.repeat(1500), b: 'y'.repeat(1500) } } } } },
      ['headers["**"].metadata: holds 3002 bytes of names and values; S3 allows 2 KB'],
    ],
    [
      'StorageClass GLACIER',
      { file: { ...OK, headers: { 'video/**': { StorageClass: 'GLACIER' } } } },
      ['headers["video/**"].StorageClass: must be one of "STANDARD"', 'cannot be served before a restore'],
    ],
    [
      'ServerSideEncryption unknown',
      { file: { ...OK, headers: { '**': { ServerSideEncryption: 'kms' } } } },
      ['headers["**"].ServerSideEncryption: must be "AES256", "aws:kms", "aws:kms:dsse"'],
    ],
    [
      'SSEKMSKeyId without aws:kms',
      { file: { ...OK, headers: { 'private/**': { SSEKMSKeyId: 'alias/site' } } } },
      ['headers["private/**"]: SSEKMSKeyId needs ServerSideEncryption: "aws:kms"'],
    ],
    [
      'SSEKMSKeyId not a key',
      { file: { ...OK, headers: { 'private/**': { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'my key' } } } },
      ['headers["private/**"].SSEKMSKeyId: "my key" is not a KMS key id'],
    ],
    [
      'WebsiteRedirectLocation relative',
      { file: { ...OK, headers: { 'old/**': { WebsiteRedirectLocation: 'new/' } } } },
      ['headers["old/**"].WebsiteRedirectLocation: "new/" must start with "/"'],
    ],
    ['a headers rule with nothing in it', { file: { ...OK, headers: { '*.txt': {} } } }, ['headers["*.txt"]: sets no header']],
    [
      'a headers glob starting with /',
      { file: { ...OK, headers: { '/docs/*.pdf': { 'Content-Language': 'en' } } } },
      ['headers["/docs/*.pdf"]: "/docs/*.pdf" must be relative to the output directory'],
    ],
    ['headers rule not an object', { file: { ...OK, headers: { '*.pdf': 'attachment' } } }, ['headers["*.pdf"]: must be an object of headers']],
    // maxDeletes
    ['maxDeletes negative', { file: { ...OK, maxDeletes: -1 } }, ['maxDeletes: must be 0 or more (0: every prune needs --force)']],
    ['maxDeletes fractional', { file: { ...OK, maxDeletes: 2.5 } }, ['maxDeletes: must be a whole number of files']],
    ['maxDeletes as a string', { file: { ...OK, maxDeletes: '256' } }, ['maxDeletes: must be a number of files, e.g. 256']],
    ['maxDeletes as Infinity', { file: { ...OK, maxDeletes: Infinity } }, ['maxDeletes: must be a number of files']],
    // redirects
    ['redirect target without a leading slash', { file: { ...OK, redirects: { '/old': 'new' } } }, ['redirects["/old"]: "new" must start with "/"']],
    ['redirect source escaping the prefix', { file: { ...OK, redirects: { '/../x': '/y' } } }, ['redirects["/../x"]: "/../x" is not a path under the prefix']],
    [
      'redirect source with a wildcard',
      { file: { ...OK, redirects: { '/blog/*': '/news/' } } },
      ['redirects["/blog/*"]: "/blog/*" is not a path under the prefix'],
    ],
    [
      'two redirect sources for one object',
      { file: { ...OK, redirects: { '/docs/': '/a', 'docs/index.html': '/b' } } },
      ['redirects["docs/index.html"]: names the same object as "/docs/" (docs/index.html): keep one'],
    ],
  ]

  it('has a large table of distinct cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20)
    expect(new Set(cases.map(([name]) => name)).size).toBe(cases.length)
  })

  it.each(cases)('%s', (_name, input, texts) => {
    const error = failure({ env: {}, ...input })
    expect(error.scope).toBe('config')
    expect(error.message).toMatch(/^\[cdn-deploy\] \[config\] /)
    for (const text of texts) expect(error.message).toContain(text)
    // Each problem line names the field or env var at fault, not a bare "invalid".
    for (const problem of error.problems) expect(problem).toMatch(/^(?:[\w$.*/"[\]{},-]+|\(config\))(?::| is set)|^mode "/)
  })

  it('names the config source', () => {
    const error = failure({ file: { ...OK, concurrency: 0 }, env: {}, source: '/repo/cdn.config.ts' })
    expect(error.message).toBe('[cdn-deploy] [config] invalid config (/repo/cdn.config.ts): concurrency: must be at least 1')
  })

  it('lists every problem at once in one error', () => {
    const error = failure({
      file: {
        domian: DOMAIN,
        prefix: '/app',
        storage: { bucket: 'S3://x', secretAccessKey: 'x' },
        concurrency: 0,
        environments: { staging: { minify: 'no' } },
      },
      env: {},
    })
    expect(error.problems).toHaveLength(6)
    expect(error.message).toContain('6 problems in config')
    for (const field of ['domian', 'prefix', 'storage.bucket', 'storage.secretAccessKey', 'concurrency', 'environments.staging.minify']) {
      expect(
        error.problems.some((p) => p.startsWith(`${field}:`)),
        field,
      ).toBe(true)
    }
    for (const problem of error.problems) expect(error.message).toContain(`\n  - ${problem}`)
  })

  it('lists problems of the file and of the inline options together', () => {
    const error = failure({ file: { ...OK, concurrency: 0 }, inline: { prefix: '/x' }, env: {} })
    expect(error.problems).toEqual(['concurrency: must be at least 1', 'prefix: "/x" must not start with "/" (bucket keys are relative: write "x")'])
  })

  it('lists env var problems together', () => {
    const error = failure({ file: OK, env: { CDN_ENABLED: 'maybe', CDN_DOMAIN: 'nope', CDN_BUCKET: 'A' } })
    expect(error.problems.length).toBeGreaterThan(1)
    expect(error.problems.map((p) => p.split(':')[0])).toEqual(['CDN_ENABLED', 'CDN_DOMAIN', 'CDN_BUCKET'])
  })

  it('names the generic provider env-var hint, not Cloudflare, for a token key on a generic provider', () => {
    const error = failure({ file: { ...OK, provider: { type: 'generic', url: 'https://hooks.example.com', token: 'x' } }, env: {} })
    expect(error.message).toContain('provider.token: secrets do not belong in the config file')
    expect(error.message).not.toContain('CLOUDFLARE')
  })

  const SECRET = 'hunter2-Zq81xWv'
  const secretCases: Array<[string, unknown, Record<string, string>?]> = [
    ['storage.secretAccessKey', { ...OK, storage: { bucket: BUCKET, secretAccessKey: SECRET } }],
    ['storage.accessKeyId + sessionToken', { ...OK, storage: { bucket: BUCKET, accessKeyId: SECRET, sessionToken: SECRET } }],
    ['top-level credentials object', { ...OK, credentials: { accessKeyId: SECRET, secretAccessKey: SECRET } }],
    ['cloudflare apiToken', { ...OK, provider: { type: 'cloudflare', zoneId: ZONE, apiToken: SECRET } }],
    ['environment cloudflare token', { ...OK, environments: { prod: { provider: { type: 'cloudflare', token: SECRET } } } }],
    [
      'generic Authorization header',
      { ...OK, provider: { type: 'generic', url: 'https://hooks.example.com', headers: { Authorization: `Bearer ${SECRET}` } } },
    ],
    [
      'generic header on a bad provider',
      { ...OK, concurrency: 0, provider: { type: 'generic', url: 'https://hooks.example.com', headers: { 'X-Token': SECRET } } },
    ],
    ['top-level password', { ...OK, password: SECRET }],
    ['domain with a password', { ...OK, domain: `https://deploy:${SECRET}@cdn.example.com` }],
    ['http domain with a password and a query', { ...OK, domain: `http://deploy:${SECRET}@cdn.example.com/?v=1` }],
    ['domain with a password and no scheme', { ...OK, domain: `deploy:${SECRET}@cdn.example.com` }],
    ['domain with a password and a bad port', { ...OK, domain: `https://deploy:${SECRET}@cdn.example.com:99999` }],
    ['webhook URL with a password', { ...OK, provider: { type: 'generic', url: `https://bot:${SECRET}@hooks.example.com/purge` } }],
    ['endpoint with a password', { ...OK, storage: { bucket: BUCKET, endpoint: `http://minio:${SECRET}@localhost:9000` } }],
    ['CDN_DOMAIN with a password', OK, { CDN_DOMAIN: `http://deploy:${SECRET}@cdn.example.com` }],
  ]

  it.each(secretCases)('never echoes a secret value: %s', (_name, file, env = {}) => {
    const error = failure({ file, env })
    expect(error.message).not.toContain(SECRET)
    expect(error.problems.join('\n')).not.toContain(SECRET)
    expect(JSON.stringify(error)).not.toContain(SECRET)
    expect(error.cause).toBeUndefined()
  })
})

describe('resolveConfig: resolution', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it('applies the defaults', () => {
    const config = resolveConfig({ file: OK, env: {} })
    expect(config).toEqual({
      enabled: DEFAULTS.enabled,
      mode: undefined,
      domain: DOMAIN,
      prefix: DEFAULTS.prefix,
      publicBase: 'https://cdn.example.com/',
      storage: { bucket: BUCKET, forcePathStyle: false, accelerate: false, statePrefix: '.cdn-deploy/' },
      provider: { type: 'none' },
      invalidate: { purgeEverything: false },
      precompress: { gzip: false, brotli: false },
      cacheControl: [],
      minify: { ...DEFAULTS.minify },
      sri: DEFAULTS.sri,
      hashPublic: DEFAULTS.hashPublic,
      htmlAtOrigin: DEFAULTS.htmlAtOrigin,
      reloadOnChunkError: DEFAULTS.reloadOnChunkError,
      retain: { ...DEFAULTS.retain },
      concurrency: DEFAULTS.concurrency,
      deploy: DEFAULTS.deploy,
      include: undefined,
      exclude: [],
      sourcemaps: 'publish',
      headers: [],
      redirects: {},
      maxDeletes: 256,
    })
    expect(DEFAULTS).toMatchObject({
      enabled: true,
      prefix: '',
      sri: true,
      hashPublic: false,
      htmlAtOrigin: false,
      reloadOnChunkError: false,
      concurrency: 128,
      deploy: true,
    })
    expect(DEFAULTS.minify).toEqual({ js: true, css: true, public: false })
    expect(DEFAULTS.retain).toEqual({ releases: 3, days: 7 })
  })

  it('keeps DEFAULTS frozen and unshared with resolved configs', () => {
    expect(Object.isFrozen(DEFAULTS)).toBe(true)
    for (const nested of [DEFAULTS.minify, DEFAULTS.retain, DEFAULTS.provider, DEFAULTS.cloudflare]) expect(Object.isFrozen(nested)).toBe(true)
    const first = resolveConfig({ file: OK, env: {} })
    expect(first.minify).not.toBe(DEFAULTS.minify)
    expect(first.retain).not.toBe(DEFAULTS.retain)
    first.minify.js = false
    first.retain.releases = 99
    expect(resolveConfig({ file: OK, env: {} })).toMatchObject({ minify: { js: true }, retain: { releases: 3 } })
  })

  it('resolves minify: false, true and partial objects', () => {
    expect(resolveConfig({ file: { ...OK, minify: false }, env: {} }).minify).toEqual({ js: false, css: false, public: false })
    expect(resolveConfig({ file: { ...OK, minify: true }, env: {} }).minify).toEqual({ js: true, css: true, public: false })
    expect(resolveConfig({ file: { ...OK, minify: { public: true, css: false } }, env: {} }).minify).toEqual({ js: true, css: false, public: true })
  })

  it('fills provider defaults', () => {
    const cf = resolveConfig({ file: { ...OK, provider: { type: 'cloudflare', zoneId: ZONE } }, env: { CLOUDFLARE_API_TOKEN: 'tok' } })
    expect(cf.provider).toEqual({ type: 'cloudflare', zoneId: ZONE, apiToken: 'tok', baseURL: 'https://api.cloudflare.com/client/v4', batchSize: 100 })
    const generic = resolveConfig({ file: { ...OK, provider: { type: 'generic', url: 'https://hooks.example.com/purge' } }, env: {} })
    expect(generic.provider).toEqual({ type: 'generic', url: 'https://hooks.example.com/purge', method: 'POST', headers: {} })
  })

  it('accepts a secret header that references an env var', () => {
    const headers = { Authorization: 'Bearer ${PURGE_TOKEN}', 'X-Trace': 'build' }
    const config = resolveConfig({ file: { ...OK, provider: { type: 'generic', url: 'https://hooks.example.com', headers } }, env: {} })
    expect(config.provider).toMatchObject({ type: 'generic', headers })
  })

  it('needs no domain, bucket or provider fields when disabled', () => {
    const config = resolveConfig({ file: { enabled: false, provider: { type: 'cloudfront' } }, env: {} })
    expect(config).toMatchObject({ enabled: false, deploy: false, domain: '', publicBase: '/' })
    expect(resolveConfig({ env: {}, file: undefined, inline: { enabled: false } }).enabled).toBe(false)
  })

  it('needs no bucket or provider fields when deploy is off', () => {
    const config = resolveConfig({ file: { domain: DOMAIN, deploy: false, provider: { type: 'cloudfront' } }, env: {} })
    expect(config).toMatchObject({ enabled: true, deploy: false, provider: { type: 'cloudfront', distributionId: '' } })
  })

  it('allows http on loopback hosts', () => {
    for (const domain of ['http://localhost:4566', 'http://127.0.0.1:9000/assets', 'http://[::1]:8080']) {
      expect(resolveConfig({ file: { ...OK, domain }, env: {} }).domain).toBe(domain)
    }
  })

  describe('environments', () => {
    const file = defineCdnConfig({
      domain: DOMAIN,
      prefix: 'app/',
      storage: { bucket: BUCKET, region: 'eu-west-1' },
      provider: { type: 'cloudfront', distributionId: 'E2EXAMPLE1234' },
      cacheControl: { '**/*.json': 'public, max-age=60', '**/*.txt': 'public, max-age=600' },
      retain: { releases: 5 },
      minify: { public: true },
      environments: {
        staging: {
          domain: 'https://cdn-staging.example.com',
          storage: { bucket: 'example-assets-staging' },
          provider: { type: 'cloudfront', wait: true },
          cacheControl: { 'robots.txt': 'no-store', '**/*.json': 'no-cache' },
          retain: { days: 1 },
          minify: { js: false },
        },
        preview: { provider: { type: 'none' }, deploy: false },
      },
    })

    it('picks the environment named by mode and merges it deeply', () => {
      const config = resolveConfig({ file, mode: 'staging', env: {} })
      expect(config.mode).toBe('staging')
      expect(config.domain).toBe('https://cdn-staging.example.com')
      expect(config.publicBase).toBe('https://cdn-staging.example.com/app/')
      expect(config.storage).toEqual({
        bucket: 'example-assets-staging',
        region: 'eu-west-1',
        forcePathStyle: false,
        accelerate: false,
        statePrefix: 'app/.cdn-deploy/',
      })
      expect(config.provider).toEqual({ type: 'cloudfront', distributionId: 'E2EXAMPLE1234', wait: true })
      expect(config.retain).toEqual({ releases: 5, days: 1 })
      expect(config.minify).toEqual({ js: false, css: true, public: true })
      // The environment's rules first (they win under first-match), then the top level's others.
      expect(config.cacheControl).toEqual([
        ['robots.txt', 'no-store'],
        ['**/*.json', 'no-cache'],
        ['**/*.txt', 'public, max-age=600'],
      ])
    })

    it('replaces the provider when the environment names another type', () => {
      const config = resolveConfig({ file, mode: 'preview', env: {} })
      expect(config.provider).toEqual({ type: 'none' })
      expect(config.deploy).toBe(false)
    })

    it('uses the top level for a mode with no environment (unless strict)', () => {
      const config = resolveConfig({ file, mode: 'production', env: {} })
      expect(config.mode).toBe('production')
      expect(config.domain).toBe(DOMAIN)
      expect(config.storage.bucket).toBe(BUCKET)
      expect(config.cacheControl).toEqual([
        ['**/*.json', 'public, max-age=60'],
        ['**/*.txt', 'public, max-age=600'],
      ])
      expect(resolveConfig({ file, mode: 'staging', strictMode: true, env: {} }).storage.bucket).toBe('example-assets-staging')
    })

    it('does not leak one resolution into the next', () => {
      resolveConfig({ file, mode: 'staging', env: {} })
      expect(file.storage).toEqual({ bucket: BUCKET, region: 'eu-west-1' })
      expect(resolveConfig({ file, env: {} }).storage.bucket).toBe(BUCKET)
    })

    it('lets inline options override the file, and ignores configFile', () => {
      const config = resolveConfig({ file, inline: { configFile: 'other.config.ts', prefix: 'v2', storage: { region: 'us-east-1' } }, env: {} })
      expect(config.prefix).toBe('v2/')
      expect(config.storage).toMatchObject({ bucket: BUCKET, region: 'us-east-1' })
      expect(config).not.toHaveProperty('configFile')
    })
  })

  describe('env vars override the file', () => {
    it('CDN_ENABLED turns the plugin off (then no domain is needed)', () => {
      for (const value of ['0', 'false', 'no', 'off', 'OFF', ' False ']) {
        expect(resolveConfig({ file: {}, env: { CDN_ENABLED: value } })).toMatchObject({ enabled: false, deploy: false })
      }
      expect(resolveConfig({ file: { ...OK, enabled: false }, env: { CDN_ENABLED: '1' } }).enabled).toBe(true)
    })

    it('CDN_DOMAIN, CDN_BUCKET and CDN_PREFIX win over the file and the environment', () => {
      const file = { ...OK, prefix: 'app/', environments: { staging: { storage: { bucket: 'example-assets-staging' } } } }
      const config = resolveConfig({ file, mode: 'staging', env: { CDN_DOMAIN: 'https://cdn.example.org', CDN_BUCKET: 'ci-bucket', CDN_PREFIX: 'release/42' } })
      expect(config.domain).toBe('https://cdn.example.org')
      expect(config.storage.bucket).toBe('ci-bucket')
      expect(config.prefix).toBe('release/42/')
      expect(config.publicBase).toBe('https://cdn.example.org/release/42/')
    })

    it('CDN_DOMAIN alone is enough for the domain', () => {
      expect(resolveConfig({ file: { storage: { bucket: BUCKET } }, env: { CDN_DOMAIN: DOMAIN } }).publicBase).toBe('https://cdn.example.com/')
    })

    it('ignores empty env vars', () => {
      const config = resolveConfig({ file: OK, env: { CDN_DOMAIN: '', CDN_BUCKET: '', CDN_ENABLED: '', CDN_DISTRIBUTION_ID: '' } })
      expect(config).toMatchObject({ enabled: true, domain: DOMAIN, storage: { bucket: BUCKET }, provider: { type: 'none' } })
    })

    it('CDN_DISTRIBUTION_ID switches provider none to cloudfront', () => {
      expect(resolveConfig({ file: OK, env: { CDN_DISTRIBUTION_ID: 'E2EXAMPLE1234' } }).provider).toEqual({
        type: 'cloudfront',
        distributionId: 'E2EXAMPLE1234',
      })
      expect(resolveConfig({ file: { ...OK, provider: { type: 'none' } }, env: { CDN_DISTRIBUTION_ID: 'E2EXAMPLE1234' } }).provider).toMatchObject({
        type: 'cloudfront',
      })
      const kept = resolveConfig({
        file: { ...OK, provider: { type: 'cloudfront', distributionId: 'E1OLD0000', wait: 60 } },
        env: { CDN_DISTRIBUTION_ID: 'E2EXAMPLE1234' },
      })
      expect(kept.provider).toEqual({ type: 'cloudfront', distributionId: 'E2EXAMPLE1234', wait: 60 })
    })

    it('CDN_DEPLOY turns deploying off (then no bucket is needed)', () => {
      const config = resolveConfig({ file: { domain: DOMAIN }, env: { CDN_DEPLOY: 'false' } })
      expect(config).toMatchObject({ enabled: true, deploy: false })
      expect(resolveConfig({ file: { ...OK, deploy: false }, env: { CDN_DEPLOY: 'yes' } }).deploy).toBe(true)
    })

    it('CLOUDFLARE_ZONE_ID and CLOUDFLARE_API_TOKEN fill the Cloudflare provider', () => {
      const config = resolveConfig({
        file: { ...OK, provider: { type: 'cloudflare' } },
        env: { CLOUDFLARE_ZONE_ID: ZONE, CLOUDFLARE_API_TOKEN: 'token-from-env' },
      })
      expect(config.provider).toMatchObject({ type: 'cloudflare', zoneId: ZONE, apiToken: 'token-from-env' })
    })

    it('AWS_S3_USE_ACCELERATE turns on acceleration', () => {
      expect(resolveConfig({ file: OK, env: { AWS_S3_USE_ACCELERATE: '1' } }).storage.accelerate).toBe(true)
    })

    it('reads process.env when no env is given', () => {
      vi.stubEnv('CDN_DOMAIN', 'https://cdn.from-process.example')
      vi.stubEnv('CDN_BUCKET', 'from-process')
      const config = resolveConfig({ file: {} })
      expect(config.domain).toBe('https://cdn.from-process.example')
      expect(config.storage.bucket).toBe('from-process')
    })
  })

  describe('publicBase', () => {
    const cases: Array<[domain: string, prefix: string | undefined, prefixOut: string, publicBase: string]> = [
      ['https://cdn.example.com', undefined, '', 'https://cdn.example.com/'],
      ['https://cdn.example.com', 'app', 'app/', 'https://cdn.example.com/app/'],
      ['https://cdn.example.com/', 'app/', 'app/', 'https://cdn.example.com/app/'],
      ['https://cdn.example.com', 'a/b', 'a/b/', 'https://cdn.example.com/a/b/'],
      ['https://cdn.example.com', 'my app', 'my app/', 'https://cdn.example.com/my%20app/'],
      ['https://cdn.example.com:8443', 'app', 'app/', 'https://cdn.example.com:8443/app/'],
      ['https://cdn.example.com/v2', 'app', 'app/', 'https://cdn.example.com/v2/'],
      ['https://cdn.example.com/v2/', 'app/', 'app/', 'https://cdn.example.com/v2/'],
      ['https://d111111abcdef8.cloudfront.net/static/app', '', '', 'https://d111111abcdef8.cloudfront.net/static/app/'],
      ['http://localhost:4566', 'x', 'x/', 'http://localhost:4566/x/'],
    ]
    it.each(cases)('%s + prefix %j', (domain, prefix, prefixOut, publicBase) => {
      const config = resolveConfig({ file: { ...OK, domain, prefix }, env: {} })
      expect(config.prefix).toBe(prefixOut)
      expect(config.publicBase).toBe(publicBase)
    })
  })
})

describe('custom provider adapters and invalidate options', () => {
  const BASE = { domain: 'https://cdn.example.com', storage: { bucket: 'example-assets' } }
  class Fastly {
    readonly name = 'fastly'
    async invalidate() {
      return { ids: [], paths: [], requests: 0 }
    }
    async check() {}
  }

  it('passes a custom adapter through untouched (same instance), also from an environment', () => {
    const adapter = new Fastly()
    expect(resolveConfig({ file: { ...BASE, provider: adapter }, env: {} }).provider).toBe(adapter)
    const staging = new Fastly()
    const resolved = resolveConfig({ file: { ...BASE, provider: adapter, environments: { staging: { provider: staging } } }, mode: 'staging', env: {} })
    expect(resolved.provider).toBe(staging)
  })

  it('refuses CDN_DISTRIBUTION_ID next to a custom adapter', () => {
    expect(() => resolveConfig({ file: { ...BASE, provider: new Fastly() }, env: { CDN_DISTRIBUTION_ID: 'E2EXAMPLE1234' } })).toThrow(
      'CDN_DISTRIBUTION_ID is set but provider is a custom adapter',
    )
  })

  it.each([
    [{}, { purgeEverything: false }],
    [{ invalidate: { maxPaths: 20 } }, { maxPaths: 20, purgeEverything: false }],
    [{ invalidate: { purgeEverything: true } }, { purgeEverything: true }],
  ])('resolves invalidate %j', (extra, expected) => {
    expect(resolveConfig({ file: { ...BASE, deploy: false, ...extra }, env: {} }).invalidate).toEqual(expected)
  })

  it.each([
    [{ maxPaths: 0 }, 'invalidate.maxPaths: must be at least 1'],
    [{ maxPaths: 5000 }, 'invalidate.maxPaths: must be at most 3000'],
    [{ purgeEverything: 'yes' }, 'invalidate.purgeEverything: must be true or false'],
    [{ maxpaths: 3 }, 'invalidate.maxpaths: unknown option (did you mean "maxPaths"?)'],
  ])('rejects invalidate %j', (invalidate, message) => {
    expect(() => resolveConfig({ file: { ...BASE, deploy: false, invalidate }, env: {} })).toThrow(message)
  })
})

describe('precompress', () => {
  const BASE = { domain: 'https://cdn.example.com', deploy: false }
  it.each([
    [undefined, { gzip: false, brotli: false }],
    [false, { gzip: false, brotli: false }],
    [true, { gzip: true, brotli: false }],
    [{ brotli: true }, { gzip: false, brotli: true }],
    [
      { gzip: true, brotli: true },
      { gzip: true, brotli: true },
    ],
  ])('resolves %j', (precompress, expected) => {
    expect(resolveConfig({ file: { ...BASE, ...(precompress === undefined ? {} : { precompress }) }, env: {} }).precompress).toEqual(expected)
  })
  it.each([
    ['gzip', 'precompress: must be true, false, or { gzip, brotli } booleans'],
    [{ zstd: true }, 'precompress.zstd: unknown option'],
  ])('rejects %j', (precompress, message) => {
    expect(() => resolveConfig({ file: { ...BASE, precompress }, env: {} })).toThrow(message)
  })
})

describe('include, exclude and sourcemaps', () => {
  const BASE = { domain: 'https://cdn.example.com', storage: { bucket: BUCKET } }
  it.each([
    [{}, undefined, []],
    [{ include: ['**', '.well-known/**'] }, ['**', '.well-known/**'], []],
    [{ exclude: ['**/.DS_Store'] }, undefined, ['**/.DS_Store']],
    [{ sourcemaps: 'skip' }, undefined, ['**/*.map']],
    [{ exclude: ['**/.DS_Store'], sourcemaps: 'skip' }, undefined, ['**/.DS_Store', '**/*.map']],
    [{ sourcemaps: 'publish', exclude: [] }, undefined, []],
  ] as const)('%j resolves to include %j, exclude %j', (options, include, exclude) => {
    const config = resolveConfig({ file: { ...BASE, ...options }, env: {} })
    expect(config.include).toEqual(include)
    expect(config.exclude).toEqual(exclude)
  })
  it('lets an environment replace the lists (the source-map deploy of docs/files-and-headers.md)', () => {
    const file = { ...BASE, sourcemaps: 'skip', environments: { sourcemaps: { sourcemaps: 'publish', include: ['**/*.map'], prefix: '_sourcemaps/app/' } } }
    const config = resolveConfig({ file, mode: 'sourcemaps', env: {} })
    expect([config.include, config.exclude, config.prefix]).toEqual([['**/*.map'], [], '_sourcemaps/app/'])
  })
})

describe('headers and redirects', () => {
  const BASE = { domain: 'https://cdn.example.com', storage: { bucket: BUCKET } }
  it('resolves rules in order and redirect sources to keys', () => {
    const config = resolveConfig({
      file: {
        ...BASE,
        headers: {
          '**/*.pdf': { 'Content-Disposition': 'attachment', metadata: { team: 'web' } },
          'private/**': { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/site' },
        },
        redirects: { '/old': '/app/new', '/docs/': 'https://docs.example.com/', '/': '/app/' },
      },
      env: {},
    })
    expect(config.headers).toEqual([
      ['**/*.pdf', { 'Content-Disposition': 'attachment', metadata: { team: 'web' } }],
      ['private/**', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/site' }],
    ])
    expect(config.redirects).toEqual({ old: '/app/new', 'docs/index.html': 'https://docs.example.com/', 'index.html': '/app/' })
  })
  it("puts an environment's rules first and adds its redirects", () => {
    const file = {
      ...BASE,
      headers: { '*.pdf': { 'Content-Language': 'en' }, '*.txt': { 'Content-Language': 'en' } },
      redirects: { '/a': '/b' },
      environments: { de: { headers: { '*.txt': { 'Content-Language': 'de' }, '*.csv': { 'Content-Language': 'de' } }, redirects: { '/c': '/d' } } },
    }
    const config = resolveConfig({ file, mode: 'de', env: {} })
    expect(config.headers.map(([glob, rule]) => `${glob} ${rule['Content-Language']}`)).toEqual(['*.txt de', '*.csv de', '*.pdf en'])
    expect(config.redirects).toEqual({ a: '/b', c: '/d' })
  })
})

describe('storage.statePrefix', () => {
  const BASE = { domain: 'https://cdn.example.com', prefix: 'app/', storage: { bucket: BUCKET } }
  it.each([
    [undefined, 'app/.cdn-deploy/'],
    ['_cdn-deploy/app', '_cdn-deploy/app/'],
    ['app/_state/', 'app/_state/'],
  ])('resolves %j to %j', (statePrefix, expected) => {
    const storage = { ...BASE.storage, ...(statePrefix === undefined ? {} : { statePrefix }) }
    expect(resolveConfig({ file: { ...BASE, storage }, env: {} }).storage.statePrefix).toBe(expected)
  })
  it.each([
    ['/state', 'storage.statePrefix: "/state" must not start with "/"'],
    ['app/', 'storage.statePrefix: "app/" must name a folder of its own'],
    ['', 'storage.statePrefix: "" must name a folder of its own'],
  ])('rejects %j', (statePrefix, message) => {
    expect(() => resolveConfig({ file: { ...BASE, storage: { ...BASE.storage, statePrefix } }, env: {} })).toThrow(message)
  })
})

describe('validate: the in-house validator', () => {
  /** The issues as `path: message` (or `path: ?key,key` for unknown keys), fatal ones marked with `!`. */
  const issues = (schema: Schema<unknown>, value: unknown): string[] => {
    const result = safeParse(schema, value)
    return result.success ? [] : result.issues.map((i: Issue) => `${i.path.join('.')}:${i.fatal ? '!' : ''} ${i.keys ? `?${i.keys.join(',')}` : i.message}`)
  }
  const name = string(
    'must be a string',
    matches(/^[a-z]+$/, (v) => `"${v}" is not lowercase`),
    (v, fail) => v.length > 3 && fail('too long'),
  )
  const count = integer({ type: 'must be a number', whole: 'must be whole', min: [1, 'too small'], max: [10, 'too big'] })
  const point = object({ x: count, label: optional(name) }, 'must be a point')
  const flag = boolean('must be true or false')

  const cases: Array<[string, Schema<unknown>, unknown, string[]]> = [
    ['string: passes', name, 'abc', []],
    ['string: wrong type is one fatal issue, no refinement runs', name, 5, [':! must be a string']],
    ['string: every failed refinement is reported', name, 'ABCD', [': "ABCD" is not lowercase', ': too long']],
    ['boolean: wrong type', flag, 'yes', [':! must be true or false']],
    ['integer: passes', count, 10, []],
    ['integer: not a number', count, '3', [':! must be a number']],
    ['integer: NaN', count, Number.NaN, [':! must be a number']],
    ['integer: Infinity', count, Number.POSITIVE_INFINITY, [':! must be a number']],
    ['integer: a fraction fails alone', count, 0.5, [':! must be whole']],
    ['integer: below min', count, 0, [': too small']],
    ['integer: above max', count, 11, [': too big']],
    ['integer: beyond 2^53 is not whole, and still range-checked', count, 2 ** 60, [': must be whole', ': too big']],
    ['oneOf: passes', oneOf(['a', 'b'], 'must be a or b'), 'b', []],
    ['oneOf: fails', oneOf(['a', 'b'], 'must be a or b'), 'c', [':! must be a or b']],
    ['literal: fails', literal(false), true, [':! must be false']],
    ['object: passes with an optional key left out', point, { x: 1 }, []],
    ['object: not an object', point, [1], [':! must be a point']],
    ['object: null', point, null, [':! must be a point']],
    ['object: a required key missing', point, {}, ['x:! must be a number']],
    ['object: unknown keys come as one issue after the known keys', point, { y: 1, x: 0, z: 2 }, ['x: too small', ': ?y,z']],
    ['object: nested paths', object({ p: point }), { p: { x: 'a', label: 'Q', q: 1 } }, ['p.x:! must be a number', 'p.label: "Q" is not lowercase', 'p: ?q']],
    ['record: passes', record(count, 'must be a map'), { a: 1, b: 2 }, []],
    ['record: values checked at their key', record(count, 'must be a map'), { a: 1, b: 20, c: 'x' }, ['b: too big', 'c:! must be a number']],
    ['record: an array is not a record', record(count, 'must be a map'), [1], [':! must be a map']],
    ['record: a class instance is not a record', record(count, 'must be a map'), new Date(0), [':! must be a map']],
    ['record: a null-prototype object is', record(count, 'must be a map'), Object.assign(Object.create(null), { a: 1 }), []],
    [
      'record: keys checked, a bad key skips its value',
      record(
        count,
        'must be a map',
        string('', (k, fail) => k || fail('empty key')),
      ),
      { '': 'x', a: 1 },
      [': empty key'],
    ],
    ['union: the first option that passes', union([flag, count], 'must be a flag or a count'), 3, []],
    ['union: no option has the type', union([flag, count], 'must be a flag or a count'), 'x', [':! must be a flag or a count']],
    ['union: the one option with the right type reports its own issues', union([flag, count], 'must be a flag or a count'), 0, [': too small']],
    ['union: an object option with only unknown keys reports them', union([flag, point], 'must be a flag or a point'), { x: 1, y: 2 }, [': ?y']],
    [
      'union: an object option with a wrong-typed value is not reported',
      union([flag, point], 'must be a flag or a point'),
      { x: 'a', y: 2 },
      [':! must be a flag or a point'],
    ],
  ]
  it.each(cases)('%s', (_name, schema, value, expected) => {
    expect(issues(schema, value)).toEqual(expected)
  })

  const shape = discriminated(
    'type',
    {
      a: object({ type: literal('a'), n: optional(count) }),
      b: object({ type: literal('b') }),
    },
    'must be an object with type "a" or "b"',
  )
  it.each([
    [{ type: 'a', n: 2 }, []],
    [{ type: 'a', n: 20 }, ['n: too big']],
    [{ type: 'b', n: 2 }, [': ?n']],
    [{ type: 'c' }, ['type:! must be an object with type "a" or "b"']],
    [{}, ['type:! must be an object with type "a" or "b"']],
    [{ type: 'toString' }, ['type:! must be an object with type "a" or "b"']],
    ['a', [':! must be an object with type "a" or "b"']],
  ])('discriminated %j', (value, expected) => {
    expect(issues(shape, value)).toEqual(expected)
  })

  it('returns fresh objects and records, keeps an optional key given as undefined, drops absent ones', () => {
    const schema = object({ p: optional(point), m: optional(record(count, 'must be a map')), q: optional(flag) })
    const input = { p: { x: 1, label: undefined }, m: { a: 1 } }
    const result = safeParse(schema, input)
    expect(result).toEqual({ success: true, data: { p: { x: 1, label: undefined }, m: { a: 1 } } })
    if (!result.success) return
    expect(result.data.p).not.toBe(input.p)
    expect(result.data.m).not.toBe(input.m)
    expect(Object.keys(result.data)).toEqual(['p', 'm'])
    expect(Object.keys(result.data.p!)).toEqual(['x', 'label'])
  })

  it('never copies a __proto__ key of a record', () => {
    const input = JSON.parse('{"__proto__": {"polluted": 1}, "a": 1}') as unknown
    const result = safeParse(record(count, 'must be a map'), input)
    expect(result.success && Object.getPrototypeOf(result.data)).toBe(Object.prototype)
    expect(result.success && Object.keys(result.data)).toEqual(['a'])
  })
})

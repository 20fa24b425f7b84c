/**
 * The schema of what a deploy ships and how it stores it (./deploy-options.ts):
 * globs, headers by glob, redirects. Every message names the glob or path at
 * fault and what would be right. Pure; part of the config schema (./schema.ts).
 */
import { isSafeRelPath } from '../plan/paths.js'
import { array, integer, matches, object, oneOf, optional, record, refined, string, type Refine } from './validate.js'

/** One line of printable ASCII: what S3 stores in a header. */
const ASCII_LINE = /^[\x20-\x7e]+$/

/** A picomatch glob relative to the output directory. */
export const glob = string('a glob must be a string such as "**/*.map"', (value, fail) => {
  if (!value) fail('a glob must not be empty')
  else if (value.startsWith('/')) fail(`"${value}" must be relative to the output directory (write "${value.replace(/^\/+/, '')}")`)
  else if (value.includes('\\')) fail(`"${value}" must use "/" (in a glob a backslash escapes the next character)`)
})

const ascii = (what: string): Refine<string> => matches(ASCII_LINE, `must be one line of printable ASCII (${what})`)

/** A redirect target, as S3 requires it: a path from the site's root, or an absolute http(s) URL. */
const redirectTarget = string('must be a string: "/path" or "https://…"', ascii('percent-encode other characters'), (value, fail) => {
  if (!/^(\/|https?:\/\/)/.test(value)) fail(`"${value}" must start with "/" (a path from the site's root) or "https://" (S3 accepts nothing else)`)
  if (Buffer.byteLength(value) > 2048) fail("must be at most 2 KB (S3's limit)")
})

const STORAGE_CLASSES = ['STANDARD', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'REDUCED_REDUNDANCY'] as const
const ENCRYPTIONS = ['AES256', 'aws:kms', 'aws:kms:dsse'] as const
const KMS_KEY =
  /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[\w/-]+|alias\/[\w/-]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/
const LANGUAGE = '[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*'

/** Metadata values travel as `x-amz-meta-*` headers; S3 allows 2 KB of them in all. */
const metadata = refined(
  record(
    string('a metadata value must be a string', ascii('a metadata value')),
    'must be an object of name -> value, e.g. { team: "web" }',
    string('a metadata name must be a string', (name, fail) => {
      if (name === 'sha256') fail('"sha256" is the tool\'s own metadata (the bytes\' digest): pick another name')
      else if (!/^[a-z0-9][a-z0-9_-]*$/.test(name)) fail(`"${name}" must be lower-case letters, digits, "-" and "_" (S3 lower-cases metadata names)`)
    }),
  ),
  (value, fail) => {
    const bytes = Object.entries(value).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0)
    if (bytes > 2048) fail(`holds ${bytes} bytes of names and values; S3 allows 2 KB of user metadata`)
  },
)

export const HEADER_KEYS = [
  'Content-Disposition',
  'Content-Language',
  'Content-Type',
  'metadata',
  'StorageClass',
  'ServerSideEncryption',
  'SSEKMSKeyId',
  'WebsiteRedirectLocation',
]

const headerRule = refined(
  object(
    {
      'Content-Disposition': optional(
        string(
          'must be a string such as "attachment"',
          ascii("encode a non-ASCII file name as filename*=UTF-8''…"),
          matches(/^(inline|attachment)\s*(;.*)?$/i, 'must be "inline" or "attachment", optionally with parameters: \'attachment; filename="report.pdf"\''),
        ),
      ),
      'Content-Language': optional(
        string(
          'must be a string such as "de-DE"',
          matches(new RegExp(`^${LANGUAGE}(\\s*,\\s*${LANGUAGE})*$`), (v) => `"${v}" is not a list of language tags (e.g. "de-DE" or "en, fr")`),
        ),
      ),
      'Content-Type': optional(
        string(
          'must be a string such as "text/plain; charset=utf-8"',
          matches(/^[\w.+-]+\/[\w.+-]+(\s*;\s*[\w.+-]+=("[^"]*"|[\w.+-]+))*$/, (v) => `"${v}" is not a media type (e.g. "text/plain; charset=utf-8")`),
        ),
      ),
      metadata: optional(metadata),
      StorageClass: optional(
        oneOf(
          STORAGE_CLASSES,
          `must be one of ${STORAGE_CLASSES.map((c) => `"${c}"`).join(', ')} (GLACIER and DEEP_ARCHIVE objects cannot be served before a restore)`,
        ),
      ),
      ServerSideEncryption: optional(oneOf(ENCRYPTIONS, `must be ${ENCRYPTIONS.map((e) => `"${e}"`).join(', ')}`)),
      SSEKMSKeyId: optional(
        string(
          'must be a string: a KMS key id, key ARN or alias',
          matches(KMS_KEY, (v) => `"${v}" is not a KMS key id, key ARN, alias ("alias/site") or alias ARN`),
        ),
      ),
      WebsiteRedirectLocation: optional(redirectTarget),
    },
    'must be an object of headers, e.g. { "Content-Disposition": "attachment" }',
  ),
  (rule, fail) => {
    if (Object.keys(rule).length === 0) fail('sets no header: remove the glob, or give it one')
    if (rule.SSEKMSKeyId && !rule.ServerSideEncryption?.startsWith('aws:kms')) {
      fail('SSEKMSKeyId needs ServerSideEncryption: "aws:kms" (or "aws:kms:dsse") in the same rule')
    }
  },
)

/** Where a misplaced header belongs, for the unknown keys of a `headers` rule. */
export function headerKeyHint(key: string): string | undefined {
  const lower = key.toLowerCase()
  if (lower === 'cache-control' || lower === 'cachecontrol')
    return "set Cache-Control in cacheControl (same globs, first match wins): one table for it, which the build's manifest reads too"
  if (lower === 'content-encoding' || lower === 'contentencoding') return 'Content-Encoding follows the stored bytes: set precompress instead'
  if (lower === 'acl' || lower === 'x-amz-acl') return 'the ACL is storage.acl, for every object'
  if (lower.startsWith('x-amz-meta-')) return `write metadata: { "${lower.slice('x-amz-meta-'.length)}": "…" }`
  return undefined
}

/** A redirect source as a key relative to the prefix: `/old` → `old`, `/docs/` → `docs/index.html`, `/` → `index.html`. */
export function redirectKey(source: string): string {
  const rel = source.replace(/^\/+/, '')
  return rel === '' || rel.endsWith('/') ? `${rel}index.html` : rel
}

const redirectSource = string('a redirect source must be a string such as "/old"', (value, fail) => {
  const rel = redirectKey(value)
  if (!isSafeRelPath(rel) || value.includes('*')) fail(`"${value}" is not a path under the prefix (no "..", "//", "*" or backslash)`)
  else if ([...value].some((c) => c < ' ' || c === '\x7f')) fail(`${JSON.stringify(value)} must not hold control characters (line breaks, tabs)`)
})

export const deployFilesShape = {
  include: optional(
    array(glob, 'must be an array of globs such as ["**", ".well-known/**"]', [1, 'must list at least one glob (leave include out to deploy every file)']),
  ),
  exclude: optional(array(glob, 'must be an array of globs such as ["**/*.map", "**/.DS_Store"]')),
  sourcemaps: optional(
    oneOf(
      ['publish', 'skip'],
      'must be "publish" or "skip" (to keep maps out of the public prefix, deploy them apart: see "Source maps" in docs/files-and-headers.md)',
    ),
  ),
  headers: optional(record(headerRule, 'must be an object of glob -> headers, e.g. { "**/*.pdf": { "Content-Disposition": "attachment" } }', glob)),
  redirects: optional(record(redirectTarget, 'must be an object of source path -> target, e.g. { "/old": "/app/new" }', redirectSource)),
  maxDeletes: optional(
    integer({
      type: 'must be a number of files, e.g. 256',
      whole: 'must be a whole number of files',
      min: [0, 'must be 0 or more (0: every prune needs --force)'],
      max: [10_000_000, 'must be at most 10,000,000 (a bigger cap is no cap)'],
    }),
  ),
}

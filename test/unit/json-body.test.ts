/**
 * The body of the tool's own JSON objects (src/storage/json-body.ts): built in
 * slices, byte for byte what JSON.stringify gives (plus a newline).
 */
import { describe, expect, it } from 'vitest'
import { jsonBody } from '../../src/storage/json-body.js'

const files = Object.fromEntries(
  Array.from({ length: 5000 }, (_, i) => [
    i % 7 === 0 ? `${i}` : `assets/dir-${i % 13}/café ${i} "quoted" \u2028.js`,
    {
      sha256: i.toString(16).padStart(64, '0'),
      size: i,
      contentType: 'text/javascript; charset=utf-8',
      cacheControl: 'public, max-age=31536000, immutable',
      immutable: i % 2 === 0,
      release: 'r1',
      ...(i % 5 ? {} : { params: { Metadata: { team: 'web' } } }),
      skipped: undefined,
    },
  ]),
)

describe('jsonBody', () => {
  it.each<[string, unknown]>([
    ['a small object', { version: 1, releases: [], files: {} }],
    [
      'a ledger of 5,000 files (numeric-like keys first, as JSON.stringify orders them)',
      { version: 1, releases: [{ id: 'r1', time: new Date(0) }], files, pendingInvalidations: Array.from({ length: 100 }, (_, i) => `p${i}`) },
    ],
    ['a wide array with holes and undefined', [...Array.from({ length: 100 }, (_, i) => (i % 3 ? i : undefined)), () => 1, null]],
    ['a string', 'x'],
    ['null', null],
  ])('%s', (_name, value) => {
    const body = jsonBody(value)
    expect(body.toString('utf8')).toBe(`${JSON.stringify(value)}\n`)
  })
})

import { describe, expect, it } from 'vitest'
import { deliverySummary, deliveryTable, isInsecure, percentile, type DeliveryReport } from '../../src/cli/verify-delivery.js'

describe('isInsecure', () => {
  it.each<[string, boolean]>([
    ['https://cdn.example.com/app/', false],
    ['http://cdn.example.com/app/', true],
    ['http://0.0.0.0:8080/x', true],
    ['http://127.0.0.1:9000/bucket/', false],
    ['http://127.8.9.10/', false],
    ['http://localhost:5173/', false],
    ['http://[::1]:8080/', false],
    ['http://localhost.example.com/', true],
  ])('%s → %s', (url, expected) => {
    expect(isInsecure(url)).toBe(expected)
  })
})

describe('percentile (nearest rank)', () => {
  it.each<[number[], number, number | undefined]>([
    [[], 50, undefined],
    [[7], 95, 7],
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4, 5], 50, 3],
    [Array.from({ length: 20 }, (_, i) => i + 1), 95, 19],
    [Array.from({ length: 100 }, (_, i) => i + 1), 95, 95],
    [[3, 9], 100, 9],
  ])('%j p%d → %s', (sorted, p, expected) => {
    expect(percentile(sorted, p)).toBe(expected)
  })
})

describe('deliveryTable and deliverySummary', () => {
  const report: DeliveryReport = {
    rows: [
      { rel: 'a.js', url: 'u', compressible: true, status: 200, encoding: 'br', cache: 'HIT', age: '3', ms: 12, secure: true, ok: true, problems: [] },
      { rel: 'assets/long-name.css', url: 'u', compressible: true, status: 200, encoding: '', ms: 1234, secure: true, ok: true, problems: [] },
      {
        rel: 'pre.js',
        url: 'u',
        compressible: true,
        stored: 'gzip',
        status: 200,
        encoding: '',
        ms: 5,
        secure: false,
        ok: false,
        problems: ['stored gzip-encoded but served without Content-Encoding'],
      },
      { rel: 'gone.png', url: 'u', compressible: false, ok: false, problems: ['request failed: ECONNREFUSED'] },
    ],
    compressible: 3,
    compressed: 1,
    medianMs: 12,
    p95Ms: 1234,
    warnings: [],
    failed: 2,
  }

  it('aligns the columns and puts problems under their row', () => {
    expect(deliveryTable(report)).toEqual([
      '  file                  status     encoding             cache         ms',
      '  a.js                  200        br                   HIT, age 3    12',
      '  assets/long-name.css  200        none (compressible)  -           1234',
      '  pre.js                200 http!  none (stored gzip!)  -              5',
      '    FAIL  stored gzip-encoded but served without Content-Encoding',
      '  gone.png              ERR        -                    -              -',
      '    FAIL  request failed: ECONNREFUSED',
    ])
  })

  it('sums up compression and timings', () => {
    expect(deliverySummary(report)).toBe('[cdn-deploy] delivery: 1 of 3 compressible files served compressed; median 12 ms, p95 1234 ms; 2 failed')
    expect(deliverySummary({ ...report, rows: [], medianMs: undefined, p95Ms: undefined, failed: 0 } as DeliveryReport)).toBe(
      '[cdn-deploy] delivery: 1 of 3 compressible files served compressed; no timings',
    )
  })
})

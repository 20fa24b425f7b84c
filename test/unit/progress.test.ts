/**
 * The console progress reporter: one redrawn line with rate and ETA in a
 * terminal; plain lines at an interval elsewhere (CI logs keep every line).
 */
import { describe, expect, it } from 'vitest'
import { createConsoleReporter, formatBytes, formatDuration } from '../../src/deploy/progress.js'
import type { DeployPlan, PlannedUpload } from '../../src/plan/types.js'

function fakeStream(isTTY: boolean) {
  const chunks: string[] = []
  return { chunks, stream: { isTTY, columns: 200, write: (s: string) => (chunks.push(s), true) } as unknown as NodeJS.WritableStream & { isTTY: boolean } }
}
const plan = (files: number, bytes: number) => ({ stats: { uploadCount: files, uploadBytes: bytes } }) as DeployPlan
const upload = {} as PlannedUpload

describe('createConsoleReporter', () => {
  it('redraws one line in a terminal, with files, bytes, rate and ETA, and keeps the last one', () => {
    let now = 0
    const { chunks, stream } = fakeStream(true)
    const r = createConsoleReporter({ stream, live: true, now: () => now })
    r.start!(plan(2, 2 * 1024 * 1024))
    now = 1000
    r.bytes!(1024 * 1024)
    r.uploaded!(upload)
    expect(chunks.at(-1)).toBe('\r\x1b[2K[cdn-deploy] 1/2 files · 1.0 MiB/2.0 MiB · 1.0 MiB/s · ETA 1.0s')
    now = 2000
    r.bytes!(1024 * 1024)
    r.uploaded!(upload)
    expect(chunks.slice(-2)).toEqual(['\r\x1b[2K[cdn-deploy] 2/2 files · 2.0 MiB/2.0 MiB · 1.0 MiB/s', '\n'])
  })

  it('writes plain lines at most every interval when not live, and always the last one', () => {
    let now = 0
    const { chunks, stream } = fakeStream(false)
    const r = createConsoleReporter({ stream, live: false, interval: 5, now: () => now })
    r.start!(plan(3, 3000))
    for (const t of [1000, 2000, 6000]) {
      now = t
      r.bytes!(1000)
      r.uploaded!(upload)
    }
    expect(chunks.every((c) => !c.includes('\r'))).toBe(true)
    // 1 s and 2 s are inside the 5 s interval; at 6 s the bytes tick prints a
    // line, and the last file always gets its own.
    expect(chunks).toEqual(['[cdn-deploy] 2/3 files · 2.9 KiB/2.9 KiB · 500 B/s\n', '[cdn-deploy] 3/3 files · 2.9 KiB/2.9 KiB · 500 B/s\n'])
  })

  it('prints steps and warnings on their own lines, clearing a live line first', () => {
    const { chunks, stream } = fakeStream(true)
    const r = createConsoleReporter({ stream, live: true, now: () => 0 })
    r.start!(plan(2, 10))
    r.bytes!(5)
    r.warn!('careful')
    expect(chunks.slice(-2)).toEqual(['\r\x1b[2K', '[cdn-deploy] warning: careful\n'])
  })
})

describe("createConsoleReporter at Vite's log levels", () => {
  // What each level prints of a deploy: a step, progress, an info line, a warning.
  it.each([
    ['info', ['[cdn-deploy] uploading\n', '[cdn-deploy] 1/1 files · 10 B/10 B · 9.8 KiB/s\n', 'note\n', '[cdn-deploy] warning: careful\n']],
    ['warn', ['[cdn-deploy] warning: careful\n']],
    ['error', []],
    ['silent', []],
  ] as const)('%s', (level, expected) => {
    const { chunks, stream } = fakeStream(false)
    const r = createConsoleReporter({ stream, level, live: false, now: () => 1000 })
    r.start?.(plan(1, 10))
    r.step?.('uploading')
    r.bytes?.(10)
    r.uploaded?.(upload)
    r.info?.('note')
    r.warn?.('careful')
    expect(chunks).toEqual(expected)
  })
})

describe('formatBytes / formatDuration', () => {
  it.each([
    [0, '0 B'],
    [880.59, '881 B'],
    [1024, '1.0 KiB'],
    [10 * 1024, '10 KiB'],
    [5.5 * 1024 ** 2, '5.5 MiB'],
    [3 * 1024 ** 3, '3.0 GiB'],
  ])('formatBytes(%d) = %s', (n, s) => expect(formatBytes(n)).toBe(s))
  it.each([
    [250, '250ms'],
    [1500, '1.5s'],
    [125_000, '2m5s'],
  ])('formatDuration(%d) = %s', (n, s) => expect(formatDuration(n)).toBe(s))
})

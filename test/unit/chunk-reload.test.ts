/**
 * The chunk-reload snippet (src/runtime/chunk-reload.ts), run as a browser would
 * run it, against a tiny fake `window`: it reloads once on `vite:preloadError`,
 * never twice in a tab session (also across the reload), never when
 * `sessionStorage` is unusable, and never calls `preventDefault()` (the error surfaces as Vite's own).
 * Its CSP hash is checked against the text with web crypto, as the runtime itself
 * is Node-free.
 */
import { describe, expect, it } from 'vitest'
import { CHUNK_RELOAD_CSP_HASH, CHUNK_RELOAD_SCRIPT, CHUNK_RELOAD_STORAGE_KEY, chunkReloadScript } from '../../src/runtime/index.js'

type Listener = (event: FakeEvent) => void
interface FakeEvent {
  type: string
  defaultPrevented: boolean
  preventDefault(): void
}

/** A Storage whose parts can be broken: `get` (the `sessionStorage` getter itself), `set`, or writes silently dropped. */
class FakeStorage {
  readonly data = new Map<string, string>()
  constructor(readonly broken: { set?: boolean; drop?: boolean } = {}) {}
  getItem(key: string): string | null {
    return this.data.get(key) ?? null
  }
  setItem(key: string, value: string): void {
    if (this.broken.set) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
    if (!this.broken.drop) this.data.set(key, String(value))
  }
}

/** A page: a window with listeners, a location whose reloads are counted, and the tab's storage (shared across reloads). */
function page(storage: FakeStorage | 'throws') {
  const listeners = new Map<string, Listener[]>()
  let reloads = 0
  const window = {
    addEventListener(type: string, listener: Listener) {
      listeners.set(type, [...(listeners.get(type) ?? []), listener])
    },
    get sessionStorage(): FakeStorage {
      if (storage === 'throws') throw new DOMException('Access is denied for this document.', 'SecurityError')
      return storage
    },
    location: { reload: () => void reloads++ },
  }
  // Run the exact text as a classic script would, with `window` as the global.
  new Function('window', CHUNK_RELOAD_SCRIPT)(window)
  /** Dispatch as Vite's preload helper does; returns whether the error would still be thrown. */
  const dispatch = (type = 'vite:preloadError'): boolean => {
    const event: FakeEvent = { type, defaultPrevented: false, preventDefault: () => void (event.defaultPrevented = true) }
    for (const listener of listeners.get(type) ?? []) listener(event)
    return !event.defaultPrevented
  }
  return { dispatch, reloads: () => reloads, listeners }
}

describe('the chunk-reload snippet', () => {
  it('reloads once on the first vite:preloadError, leaving a timestamped marker, and lets Vite throw its usual error', () => {
    const storage = new FakeStorage()
    const tab = page(storage)
    expect([...tab.listeners.keys()]).toEqual(['vite:preloadError'])
    const before = Date.now()
    expect(tab.dispatch()).toBe(true) // not prevented: Vite throws its usual error as the page reloads
    expect(tab.reloads()).toBe(1)
    const marker = Number(storage.getItem(CHUNK_RELOAD_STORAGE_KEY))
    expect(marker).toBeGreaterThanOrEqual(before)
    expect(marker).toBeLessThanOrEqual(Date.now())
  })

  it('never reloads twice: not again on the same page, nor after the reload in the same tab session', () => {
    const storage = new FakeStorage()
    const first = page(storage)
    expect(first.dispatch()).toBe(true)
    expect(first.dispatch()).toBe(true) // a second failure before the page went away surfaces
    expect(first.reloads()).toBe(1)
    // The reloaded page: same tab, same sessionStorage.
    const reloaded = page(storage)
    expect(reloaded.dispatch()).toBe(true)
    expect(reloaded.dispatch()).toBe(true)
    expect(reloaded.reloads()).toBe(0)
    // A new tab session (fresh sessionStorage) may reload once again.
    const other = page(new FakeStorage())
    expect(other.dispatch()).toBe(true)
    expect(other.reloads()).toBe(1)
  })

  it('re-arms when the app removes the marker', () => {
    const storage = new FakeStorage()
    const tab = page(storage)
    tab.dispatch()
    storage.data.delete(CHUNK_RELOAD_STORAGE_KEY)
    expect(tab.dispatch()).toBe(true)
    expect(tab.reloads()).toBe(2)
  })

  it.each([
    ['sessionStorage access throws (blocked storage, sandboxed frame)', 'throws' as const],
    ['setItem throws (quota)', new FakeStorage({ set: true })],
    ['writes are silently dropped', new FakeStorage({ drop: true })],
  ])('does not reload at all when %s: the error surfaces', (_, storage) => {
    const tab = page(storage)
    for (let i = 0; i < 3; i++) expect(tab.dispatch()).toBe(true)
    expect(tab.reloads()).toBe(0)
  })

  it('ignores other events', () => {
    const tab = page(new FakeStorage())
    expect(tab.dispatch('error')).toBe(true)
    expect(tab.dispatch('unhandledrejection')).toBe(true)
    expect(tab.reloads()).toBe(0)
  })

  it('is tiny, plain ASCII, and safe inside a <script> element', () => {
    expect(CHUNK_RELOAD_SCRIPT.length).toBeLessThan(400)
    expect(CHUNK_RELOAD_SCRIPT).toMatch(/^[\x20-\x7e]+$/)
    expect(CHUNK_RELOAD_SCRIPT).not.toMatch(/<\/?script|<!--/i)
    expect(CHUNK_RELOAD_SCRIPT).toContain(JSON.stringify(CHUNK_RELOAD_STORAGE_KEY))
  })

  it('has the CSP hash of its exact text', async () => {
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(CHUNK_RELOAD_SCRIPT))
    const base64 = btoa(String.fromCharCode(...new Uint8Array(digest)))
    expect(CHUNK_RELOAD_CSP_HASH).toBe(`'sha256-${base64}'`)
  })
})

describe('chunkReloadScript()', () => {
  it('is the exact snippet in a script tag', () => {
    expect(chunkReloadScript()).toBe(`<script>${CHUNK_RELOAD_SCRIPT}</script>`)
    expect(chunkReloadScript({ nonce: '' })).toBe(`<script>${CHUNK_RELOAD_SCRIPT}</script>`)
  })

  it('carries an escaped nonce (the hash covers the text only, so it stays the same)', () => {
    expect(chunkReloadScript({ nonce: 'r4nd0m+/=' })).toBe(`<script nonce="r4nd0m+/=">${CHUNK_RELOAD_SCRIPT}</script>`)
    expect(chunkReloadScript({ nonce: '"><x' })).toBe(`<script nonce="&quot;&gt;&lt;x">${CHUNK_RELOAD_SCRIPT}</script>`)
  })
})

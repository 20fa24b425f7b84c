/**
 * The fault suite's checker, on bucket states written by hand: each broken
 * state it must catch is caught (a checker that passes everything would make
 * the whole suite pass), and a whole release passes.
 */
import { describe, expect, it } from 'vitest'
import type { Ledger } from '../../src/plan/types.js'
import { checkExact, checkSite, type SiteContext, type Snapshot, type StoredObject } from './invariants.js'
import { isAsset, sha256, siteFiles, type Build } from './site.js'

const PREFIX = 'site/'
const STATE = `${PREFIX}.cdn-deploy/`
const build = (v: number): Build => ({ name: `v${v}`, files: siteFiles(v), dir: '' })
const [v1, v2] = [build(1), build(2)]
const builds = new Map([v1, v2].map((b) => [b.name, b]))

const typeOf = (rel: string) => (rel.endsWith('.html') ? 'text/html; charset=utf-8' : 'application/octet-stream')
const cacheOf = (rel: string) => (isAsset(rel) ? 'public, max-age=31536000, immutable' : 'public, max-age=0, must-revalidate')
const stored = (rel: string, text: string): StoredObject => ({
  sha256: sha256(text),
  size: Buffer.byteLength(text),
  text,
  meta: sha256(text),
  contentType: typeOf(rel),
  cacheControl: cacheOf(rel),
})

/** The bucket after `b` was deployed whole (and nothing else): objects and ledger agree. */
function deployed(b: Build): Snapshot {
  const objects = new Map<string, StoredObject>()
  const ledger: Ledger = { version: 1, releases: [{ id: `r-${b.name}`, time: '', commit: b.name, files: 0, bytes: 0 }], files: {} }
  for (const [rel, text] of Object.entries(b.files)) {
    objects.set(PREFIX + rel, stored(rel, text))
    ledger.files[rel] = {
      sha256: sha256(text),
      size: Buffer.byteLength(text),
      contentType: typeOf(rel),
      cacheControl: cacheOf(rel),
      immutable: isAsset(rel),
      release: `r-${b.name}`,
    }
  }
  return { prefix: PREFIX, statePrefix: STATE, objects, ledger }
}

/** A page whose bytes differ between v1 and v2. */
const changedPage = () => Object.keys(v2.files).find((rel) => rel.endsWith('.html') && v1.files[rel] !== undefined && v1.files[rel] !== v2.files[rel])!

const settled: Omit<SiteContext, 'builds'> = { ended: 'settled' }
const problems = (snap: Snapshot, ctx: Omit<SiteContext, 'builds'> = settled) => checkSite(snap, { ...ctx, builds }).problems

describe('fault suite invariants (the checker itself)', () => {
  it('a release deployed whole keeps every invariant, and is that build exactly', () => {
    const snap = deployed(v2)
    expect(problems(snap, { ended: 'settled', live: 'v2' })).toEqual([])
    expect(checkSite(snap, { builds, ended: 'settled' }).live).toBe('v2')
    expect(checkExact(snap, v2)).toEqual([])
    expect(checkExact(snap, v1).length).toBeGreaterThan(0)
  })

  it('a page of another release served while the ledger names this one: half new', () => {
    const snap = deployed(v1)
    const page = changedPage()
    snap.objects.set(PREFIX + page, stored(page, v2.files[page]!))
    expect(problems(snap)).toContainEqual(expect.stringMatching(new RegExp(`^${page.replace(/[./]/g, '\\$&')}: not what the ledger records \\(bytes`)))
  })

  it('an HTML page referencing a file that is gone', () => {
    const snap = deployed(v1)
    const asset = Object.keys(v1.files).find((rel) => rel.startsWith('assets/vendor-'))!
    snap.objects.delete(PREFIX + asset)
    const found = problems(snap)
    expect(found).toContainEqual(`${asset}: in the ledger (release r-v1) but missing from the bucket`)
    expect(found).toContainEqual(expect.stringMatching(new RegExp(`^index\\.html: link rel=modulepreload ${asset.replace(/[./]/g, '\\$&')} → .* is missing$`)))
  })

  it('a page no committed release has (left by a deploy that failed without putting it back)', () => {
    const snap = deployed(v1)
    snap.objects.set(`${PREFIX}extra/index.html`, stored('extra/index.html', '<p>stray</p>'))
    expect(problems(snap)).toContain('extra/index.html: served, but no committed release has it (' + sha256('<p>stray</p>').slice(0, 12) + ')')
  })

  it('a pending intent: allowed after a kill if the old versions are kept, never after runs that ended by themselves', () => {
    const snap = deployed(v1)
    const page = changedPage()
    snap.objects.set(PREFIX + page, stored(page, v2.files[page]!))
    // Its new page references v2's hashed files: missing until its phase 1 uploaded them.
    expect(problems(snap, { ended: 'interrupted', inflight: [v2] })).toContainEqual(expect.stringMatching(/^.*: script src .* is missing$/))
    for (const [rel, text] of Object.entries(v2.files)) if (isAsset(rel)) snap.objects.set(PREFIX + rel, stored(rel, text))
    snap.ledger!.pending = { release: 'r-v2', rels: [page] }
    const old = snap.ledger!.files[page]!.sha256
    // The previous version is not kept: it could never be put back.
    expect(problems(snap, { ended: 'interrupted', inflight: [v2] })).toContain(
      `${page}: pending and changed, but its committed version ${old.slice(0, 12)} is not kept: it cannot be put back`,
    )
    snap.ledger!.blobs = { [old]: 'r-v1' }
    snap.objects.set(`${STATE}blobs/${old}`, stored('blob', v1.files[page]!))
    expect(problems(snap, { ended: 'interrupted', inflight: [v2] })).toEqual([])
    expect(problems(snap, { ended: 'settled', inflight: [v2] })).toEqual([
      expect.stringMatching(/^ledger keeps pending .* left by runs that all ended by themselves without saying so$/),
    ])
    // Bytes of neither release.
    snap.objects.set(PREFIX + page, stored(page, '<p>other</p>'))
    expect(problems(snap, { ended: 'interrupted', inflight: [v2] })).toContainEqual(
      `${page}: pending, but holds bytes of neither the committed release nor the interrupted deploy (${sha256('<p>other</p>').slice(0, 12)})`,
    )
  })

  it('a ledger whose last release is no build (files of two releases), or not the one expected', () => {
    const snap = deployed(v1)
    const page = changedPage()
    snap.ledger!.files[page] = { ...snap.ledger!.files[page]!, sha256: sha256(v2.files[page]!) }
    snap.objects.set(PREFIX + page, stored(page, v2.files[page]!))
    expect(problems(snap)).toContainEqual(expect.stringMatching(/^the ledger's last release r-v1 \(commit v1\) lists \d+ files that are no build's$/))
    expect(problems(deployed(v1), { ended: 'settled', live: 'v2' })).toEqual(['live release is v1, expected v2'])
  })

  it('an object whose bytes or headers are not what the ledger records, a kept blob with other bytes, a ledger that is not JSON', () => {
    const snap = deployed(v1)
    snap.objects.set(`${PREFIX}robots.txt`, { ...stored('robots.txt', v1.files['robots.txt']!), cacheControl: 'no-store' })
    snap.ledger!.blobs = { ['0'.repeat(64)]: 'r-v1' }
    snap.objects.set(`${STATE}blobs/${'0'.repeat(64)}`, stored('blob', 'x'))
    expect(problems(snap)).toEqual([
      'robots.txt: not what the ledger records (Cache-Control no-store ≠ public, max-age=0, must-revalidate)',
      `blobs/${'0'.repeat(12)}: holds other bytes (${sha256('x').slice(0, 12)})`,
    ])
    expect(problems({ ...deployed(v1), ledger: undefined, ledgerError: 'ledger.json is not JSON' })[0]).toBe('ledger.json is not JSON')
  })
})

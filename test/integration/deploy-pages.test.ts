/**
 * All-or-nothing for pages (issue 11.2), on s3rver and moto behind a fault
 * proxy: whichever request of a deploy fails for good, the pages visitors get
 * afterwards are all of the previous release (bytes and headers), the ledger
 * names it, and nothing is half new; a deploy that could not put its pages back
 * (killed, or the store failing) is put back by the next run before anything
 * else, even a redeploy of the previous build that would otherwise be a no-op.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Ledger } from '../../src/plan/types.js'
import { deploy, fixture, getObject, readLedgerObject, removeFixtures, sha256, targetConfig, TUNING, type Tree } from '../helpers/deploy.js'
import { describeRequests, startRecordingProxy, type RecordedRequest, type RecordingProxy } from '../helpers/recording-proxy.js'
import { startMoto, startS3rver, type S3TestServer } from '../helpers/s3-servers.js'

const V1: Tree = {
  'index.html': '<p>v1</p><script type="module" src="/assets/app-Aa11Bb22.js"></script>',
  'about/index.html': '<p>about v1</p>',
  'assets/app-Aa11Bb22.js': 'app(1)',
  'robots.txt': 'User-agent: *',
}
const V2: Tree = {
  'index.html': '<p>v2</p><script type="module" src="/assets/app-Cc33Dd44.js"></script>',
  'about/index.html': '<p>about v2</p>',
  'new/index.html': '<p>a new page</p>',
  'assets/app-Cc33Dd44.js': 'app(2)',
  'robots.txt': 'User-agent: *\nDisallow: /tmp',
}
/** The files visitors get by a fixed URL: what must be all v1 or all v2. */
const PAGES = ['index.html', 'about/index.html', 'new/index.html', 'robots.txt']

const isCopy = (r: RecordedRequest) => r.method === 'PUT' && r.headers['x-amz-copy-source'] !== undefined

describe.each([
  { name: 's3rver', start: startS3rver },
  { name: 'moto', start: startMoto },
])('pages all old or all new on $name', ({ start }) => {
  let server: S3TestServer
  let proxy: RecordingProxy
  beforeAll(async () => {
    server = await start()
    proxy = await startRecordingProxy(server.endpoint, server.bucket)
  })
  afterAll(async () => {
    await proxy?.stop()
    await server?.stop()
    await removeFixtures()
  })

  const run = (prefix: string, dir: string, n: number) =>
    deploy({
      dir,
      config: targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix, concurrency: 1 }),
      storage: TUNING,
      env: {},
      commit: `c${n}`,
    })
  const v1dirs = new Map<string, string>()

  /** Deploy V1 to a fresh prefix; returns what visitors get and the ledger. */
  async function released(prefix: string): Promise<{ pages: Record<string, unknown>; ledger: Ledger }> {
    v1dirs.set(prefix, await fixture(V1))
    await run(prefix, v1dirs.get(prefix)!, 1)
    return { pages: await served(prefix), ledger: (await readLedgerObject(server.client, server.bucket, prefix))! }
  }

  /** Bytes and headers of every page URL (undefined: absent). */
  async function served(prefix: string): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {}
    for (const rel of PAGES) {
      const got = await getObject(server.client, server.bucket, prefix + rel)
      out[rel] = got && { sha256: sha256(got.bytes), type: got.contentType, cache: got.cacheControl, meta: got.metadata.sha256 }
    }
    return out
  }

  const FAULTS: Array<{ at: string; fails: (r: RecordedRequest, prefix: string) => boolean; putBack: boolean }> = [
    { at: 'keeping a replaced page (blob copy)', fails: (r, p) => r.method === 'PUT' && !!r.key?.startsWith(`${p}.cdn-deploy/blobs/`), putBack: false },
    { at: 'recording the intent (first ledger PUT)', fails: (r, p) => r.method === 'PUT' && r.key === `${p}.cdn-deploy/ledger.json`, putBack: false },
    { at: 'phase 2 (robots.txt)', fails: (r, p) => r.method === 'PUT' && r.key === `${p}robots.txt` && !isCopy(r), putBack: true },
    { at: 'phase 3, after one page went up (index.html)', fails: (r, p) => r.method === 'PUT' && r.key === `${p}index.html` && !isCopy(r), putBack: true },
    // The commit's attempts fail; the PUT that clears the intent after the pages are put back goes through.
    {
      at: 'the commit',
      fails: (r, p) => r.method === 'PUT' && r.key === `${p}.cdn-deploy/ledger.json` && intentSeen && ++commitAttempts <= TUNING.maxAttempts,
      putBack: true,
    },
  ]
  let intentSeen = false
  let commitAttempts = 0

  it.each(FAULTS)('a deploy failing at $at leaves every page as it was', async ({ at, fails, putBack }) => {
    const prefix = `fail-${at.replace(/\W+/g, '-')}/`
    const before = await released(prefix)
    intentSeen = false
    commitAttempts = 0
    proxy.fault = (r) => {
      const failing = fails(r, prefix)
      if (r.method === 'PUT' && r.key === `${prefix}.cdn-deploy/ledger.json` && !failing) intentSeen = true
      return failing ? 'internal' : undefined
    }
    const error = await run(prefix, await fixture(V2), 2).then(
      () => undefined,
      (e: Error) => e,
    )
    proxy.fault = () => undefined
    expect(error).toBeInstanceOf(Error)
    if (putBack) expect(error!.message).toMatch(/page files this deploy had started to change were put back: the previous release is whole and served$/)
    expect(await served(prefix)).toEqual(before.pages)
    const ledger = (await readLedgerObject(server.client, server.bucket, prefix))!
    expect(ledger.pending).toBeUndefined()
    expect({ files: ledger.files, releases: ledger.releases }).toEqual({ files: before.ledger.files, releases: before.ledger.releases })

    // The re-run, healthy, deploys v2 whole.
    const report = await run(prefix, await fixture(V2), 3)
    expect(report.committed).toBe(true)
    expect(((await served(prefix))['new/index.html'] as { sha256: string }).sha256).toBe(sha256(V2['new/index.html']!))
  })

  it('a deploy that could not put its pages back (killed, store failing) is put back by the next run, even a redeploy of the previous build', async () => {
    const prefix = 'killed/'
    const before = await released(prefix)
    // The commit fails, and so does every copy that would put a page back: the intent stays in the ledger.
    let intent = false
    proxy.fault = (r) => {
      if (r.method === 'PUT' && r.key === `${prefix}.cdn-deploy/ledger.json`) {
        if (intent) return 'internal'
        intent = true
      }
      return isCopy(r) && !r.key!.includes('.cdn-deploy/') ? 'internal' : undefined
    }
    const error = await run(prefix, await fixture(V2), 2).then(
      () => undefined,
      (e: Error) => e,
    )
    proxy.fault = () => undefined
    expect(error!.message).toMatch(/putting back the page files it had changed failed too \(.*\): the next deploy does that first$/)
    const stuck = (await readLedgerObject(server.client, server.bucket, prefix))!
    expect(stuck.pending).toEqual({ release: expect.any(String), rels: ['about/index.html', 'index.html', 'new/index.html', 'robots.txt'] })
    expect(((await served(prefix))['index.html'] as { sha256: string }).sha256).toBe(sha256(V2['index.html']!)) // half new, for now

    // Redeploying the previous build: its plan is empty, but the ledger's intent sends it through the lock, which puts the pages back.
    const warnings: string[] = []
    proxy.clear()
    const report = await deploy({
      dir: v1dirs.get(prefix)!,
      config: targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix }),
      storage: TUNING,
      env: {},
      commit: 'c1',
      reporter: { warn: (w) => warnings.push(w) },
    })
    expect(report.uploaded.count).toBe(0)
    expect(warnings).toEqual([`the deploy of release ${stuck.pending!.release} stopped before its commit: put back the 4 page files it may have changed`])
    expect(await served(prefix)).toEqual(before.pages)
    const ledger = (await readLedgerObject(server.client, server.bucket, prefix))!
    expect(ledger.pending).toBeUndefined()
    expect(ledger.releases).toEqual(before.ledger.releases)
    // HTML first: the two pages are put back (and the new one deleted) before robots.txt.
    const seq = describeRequests(proxy.requests)
    const at = (line: string) => seq.indexOf(line)
    expect(at(`PUT ${prefix}robots.txt`)).toBeGreaterThan(
      Math.max(at(`PUT ${prefix}about/index.html`), at(`PUT ${prefix}index.html`), at('POST <bucket>?delete')),
    )
    expect(Math.min(at(`PUT ${prefix}about/index.html`), at(`PUT ${prefix}index.html`))).toBeGreaterThan(at(`GET ${prefix}.cdn-deploy/journal.json`))
  })
})

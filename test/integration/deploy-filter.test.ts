/**
 * include / exclude / sourcemaps against s3rver and moto_server: what is left out
 * is never read or uploaded, is listed by the plan, and a key an earlier release
 * uploaded is never deleted because an exclude now covers it (however far past
 * retention). The "keep maps out of the public prefix" recipe: the same build
 * deployed twice, the site without its maps, the maps alone under a private prefix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveConfig } from '../../src/config/resolve.js'
import {
  at,
  deploy,
  fixture,
  getObject,
  listKeys,
  readLedgerObject,
  removeFixtures,
  rewrite,
  sha256,
  targetConfig,
  TUNING,
  type Tree,
} from '../helpers/deploy.js'
import { fileUploads, startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy.js'
import { S3_SERVERS, type S3TestServer } from '../helpers/s3-servers.js'

const JS = 'assets/app-Ab12Cd34.js'
const MAP = `${JS}.map`
const build = (n: number): Tree => ({
  'index.html': `<p>release ${n}</p>`,
  [JS]: 'app()\n//# sourceMappingURL=app-Ab12Cd34.js.map',
  [MAP]: `{"version":3,"sources":["app.ts"],"n":${n}}`,
  '.DS_Store': 'finder',
  'assets/.DS_Store': 'finder',
  '.well-known/security.txt': 'Contact: mailto:security@example.com',
})

describe.each(S3_SERVERS)('include / exclude on $name', ({ start }) => {
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

  const body = async (key: string) => (await getObject(server.client, server.bucket, key))?.bytes.toString()

  it('leaves out what the globs say, and never deletes an owned key because of an exclude', async () => {
    const prefix = 'filt/'
    const dir = await fixture(build(1))
    const open = targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix, retain: { releases: 1, days: 0 } })
    const r1 = await deploy({ dir, config: open, storage: TUNING, now: at(0), env: {} })
    expect(r1.uploaded.count).toBe(6) // no filter: dot files and the map too
    expect(r1.excluded).toEqual({ files: [], kept: [] })

    // From now on: no maps, no Finder files. The map changed in the build, and a new one appeared.
    const filtered = targetConfig({
      endpoint: proxy.endpoint,
      bucket: server.bucket,
      prefix,
      retain: { releases: 1, days: 0 },
      exclude: ['**/*.map', '**/.DS_Store'],
    })
    await rewrite(dir, { ...build(2), 'assets/extra-Qq11Ww22.js.map': '{}' })
    const plan = await deploy({ dir, config: filtered, storage: TUNING, now: at(30), env: {}, dryRun: true })
    expect(plan.excluded).toEqual({
      files: ['.DS_Store', 'assets/.DS_Store', MAP, 'assets/extra-Qq11Ww22.js.map'],
      kept: ['.DS_Store', 'assets/.DS_Store', MAP],
    })
    expect(plan.deleted).toEqual([])

    proxy.clear()
    const r2 = await deploy({ dir, config: filtered, storage: TUNING, now: at(30), env: {} })
    expect(fileUploads(proxy.requests)).toEqual([`${prefix}index.html`])
    expect(r2.deleted).toEqual([])
    expect(await body(`${prefix}${MAP}`)).toContain('"n":1') // the first release's bytes, untouched
    expect(await body(`${prefix}assets/extra-Qq11Ww22.js.map`)).toBeUndefined() // never uploaded
    expect(await body(`${prefix}.well-known/security.txt`)).toContain('Contact') // dot files ship unless excluded

    // Far past retention, release after release: the excluded keys stay, owned.
    const releases: string[] = []
    for (const n of [3, 4, 5]) {
      await rewrite(dir, build(n))
      const report = await deploy({ dir, config: filtered, storage: TUNING, now: at(30 * n), env: {} })
      expect(report.deleted).toEqual([])
      releases.push(report.release)
    }
    const ledger = await readLedgerObject(server.client, server.bucket, prefix)
    expect(Object.keys(ledger!.files)).toEqual(expect.arrayContaining([MAP, '.DS_Store', 'assets/.DS_Store']))
    // Besides the ledger, the tool's bookkeeping for a rollback (retain.releases: 1): the file maps
    // of the live release (5) and of the one it keeps (4), and release 4's index.html, kept when
    // release 5 replaced it. Those of releases 1–3 are pruned with their last files.
    const state = [`blobs/${sha256('<p>release 4</p>')}`, 'ledger.json', `releases/${releases[1]}.json`, `releases/${releases[2]}.json`].map(
      (rel) => `.cdn-deploy/${rel}`,
    )
    expect(await listKeys(server.client, server.bucket, prefix)).toEqual(
      ['.DS_Store', ...state, '.well-known/security.txt', 'assets/.DS_Store', JS, MAP, 'index.html'].map((rel) => prefix + rel).sort(),
    )
  })

  it('sourcemaps: the site without its maps, the maps alone under a private prefix (docs/files-and-headers.md)', async () => {
    const file = {
      domain: 'https://cdn.example.com',
      prefix: 'site/',
      sourcemaps: 'skip',
      storage: { bucket: server.bucket, endpoint: proxy.endpoint, forcePathStyle: true, region: 'us-east-1' },
      environments: { sourcemaps: { sourcemaps: 'publish', include: ['**/*.map'], prefix: '_sourcemaps/site/' } },
    }
    const dir = await fixture(build(1))
    const site = resolveConfig({ file, env: {} })
    const maps = resolveConfig({ file, mode: 'sourcemaps', env: {} })
    const first = await deploy({ dir, config: site, storage: TUNING, now: at(0), env: {} })
    expect(first.excluded.files).toEqual([MAP])
    const second = await deploy({ dir, config: maps, storage: TUNING, now: at(0), env: {} })
    expect(second.uploaded.files.map((f) => f.rel)).toEqual([MAP])
    expect((await listKeys(server.client, server.bucket, 'site/')).filter((key) => key.endsWith('.map'))).toEqual([])
    // The maps deployment is a deployment of its own: its ledger, and its release's file map (for a rollback).
    expect(await listKeys(server.client, server.bucket, '_sourcemaps/')).toEqual([
      '_sourcemaps/site/.cdn-deploy/ledger.json',
      `_sourcemaps/site/.cdn-deploy/releases/${second.release}.json`,
      `_sourcemaps/site/${MAP}`,
    ])
  })

  it('refuses a build that include/exclude empty, saying so', async () => {
    const dir = await fixture({ 'a.js.map': '{}' })
    const config = targetConfig({ endpoint: proxy.endpoint, bucket: server.bucket, prefix: 'none/', sourcemaps: 'skip' })
    await expect(deploy({ dir, config, storage: TUNING, env: {} })).rejects.toThrow(
      /nothing to deploy: .* is empty once include\/exclude leave out its 1 files/,
    )
    expect(await listKeys(server.client, server.bucket, 'none/')).toEqual([])
  })
})

/**
 * `cdn-deploy destroy` against moto_server: a preview deployed next to a
 * production site, with objects the tool did not write, an unfinished deploy's
 * journal and bookkeeping objects (`blobs/`, `releases/`: the deploy's own
 * release record, and more put there by hand) under its state prefix. The dry
 * run lists and writes nothing; outside a terminal it needs --yes; a live lock
 * is refused; a "no" deletes nothing; a "yes" deletes exactly what the tool
 * wrote under the prefix, and production is untouched.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { destroyCommand, type DestroyFlags, type DestroyIo } from '../../src/cli/destroy.js'
import { createStorage } from '../../src/storage/index.js'
import { tempDir } from '../helpers/build.js'
import { assertBuilt, baseEnv, parseJson, runCli, writeConfig } from '../helpers/cli.js'
import { at, deploy, fixture, listKeys, removeFixtures, targetConfig, TUNING } from '../helpers/deploy.js'
import { s3Options, startMoto, type S3TestServer } from '../helpers/s3-servers.js'

const BUCKET = 'destroy-site'
const P = 'previews/feat-x/'
const S = `${P}.cdn-deploy/`
let moto: S3TestServer
let cwd: string
/** The preview's release: its deploy wrote the release's file map, `releases/<id>.json`. */
let previewRelease: string
let productionRelease: string
const cli = (...args: string[]) => runCli(args, { cwd, env: baseEnv(cwd) })
const put = (key: string, body = 'x') =>
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
  moto.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }))

/** destroyCommand in `cwd`, with a fake terminal. */
async function destroyHere(flags: DestroyFlags, io: DestroyIo): Promise<number> {
  const before = process.cwd()
  process.chdir(cwd)
  try {
    return await destroyCommand({ quiet: true, ...flags }, io)
  } finally {
    process.chdir(before)
  }
}
const answering = (answer: boolean, asked: string[] = []): DestroyIo => ({ isTTY: true, confirm: async (q) => (asked.push(q), answer) })

beforeAll(async () => {
  assertBuilt()
  moto = await startMoto(BUCKET)
  cwd = await tempDir('destroy')
  const storage = { bucket: BUCKET, region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true }
  await writeConfig(cwd, {
    domain: 'https://cdn.example.com',
    prefix: 'app/',
    storage,
    environments: { private: { storage: { statePrefix: '_cdn-deploy/app/' } } },
  })
  const site = { 'index.html': '<p>hi</p>', 'assets/app-Ab12Cd34.js': 'app()', 'robots.txt': 'User-agent: *' }
  const dir = await fixture(site)
  for (const prefix of ['app/', P]) {
    const report = await deploy({
      dir,
      config: targetConfig({ endpoint: moto.endpoint, bucket: BUCKET, prefix, redirects: { '/old': '/x' } }),
      storage: TUNING,
      now: at(0),
      env: {},
    })
    if (prefix === P) previewRelease = report.release
    else productionRelease = report.release
  }
  // Not the tool's: kept. The tool's: an unfinished deploy's upload and journal, bookkeeping objects.
  await put(`${P}by-hand.txt`)
  await put(`${S}notes.txt`)
  await put(`${P}orphan-Qq11Ww22.js`)
  await put(
    `${S}journal.json`,
    JSON.stringify({
      version: 1,
      files: { 'orphan-Qq11Ww22.js': { sha256: 'x', size: 1, contentType: 'text/javascript', cacheControl: 'x', immutable: true, release: 'journal' } },
    }),
  )
  await put(`${S}blobs/ab/cdef`)
  await put(`${S}releases/r1.json`)
})

afterAll(async () => {
  await moto?.stop()
  await removeFixtures()
})

describe('cdn-deploy destroy', () => {
  const OWNED = ['assets/app-Ab12Cd34.js', 'index.html', 'old', 'orphan-Qq11Ww22.js', 'robots.txt'].map((rel) => P + rel)
  // The deploy's own release record is the tool's too (written before its commit, for a rollback):
  // it goes with the ledger, next to the ones put there by hand.
  const STATE = () => ['blobs/ab/cdef', 'journal.json', 'ledger.json', `releases/${previewRelease}.json`, 'releases/r1.json'].map((rel) => S + rel)
  const KEPT = [`${S}notes.txt`, `${P}by-hand.txt`]

  it('--dry-run lists what goes and what stays, and writes nothing', async () => {
    const before = await listKeys(moto.client, BUCKET, '')
    const r = await cli('destroy', '--prefix', P, '--dry-run', '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(parseJson(r)).toEqual({ dryRun: true, bucket: BUCKET, prefix: P, statePrefix: S, deleted: OWNED, state: STATE(), kept: KEPT })
    const text = await cli('destroy', '--prefix', P, '--dry-run')
    expect(text.stdout).toContain(`owned by the ledger: 5 objects (would be deleted)`)
    expect(text.stdout).toContain(`not written by the tool: 2 (kept)\n    ${KEPT[0]}\n    ${KEPT[1]}`)
    expect(await listKeys(moto.client, BUCKET, '')).toEqual(before)
  })

  it('refuses without --yes outside a terminal, a live lock, an empty --prefix, and --prefix with a statePrefix of its own', async () => {
    const before = await listKeys(moto.client, BUCKET, '')
    const noYes = await cli('destroy', '--prefix', P)
    expect([noYes.code, noYes.stderr]).toEqual([1, expect.stringContaining('not a terminal, so pass --yes to confirm')])
    const empty = await cli('destroy', '--prefix', '/', '--yes')
    expect([empty.code, empty.stderr]).toEqual([1, expect.stringContaining('--prefix needs a prefix such as "previews/my-branch/"')])
    const fixed = await cli('destroy', '--prefix', P, '--mode', 'private', '--yes')
    expect([fixed.code, fixed.stderr]).toEqual([1, expect.stringContaining('storage.statePrefix is "_cdn-deploy/app/", which does not follow --prefix')])

    const storage = createStorage(s3Options(moto, { bucket: BUCKET, prefix: P }))
    const lock = await storage.acquireLock('deploy of feat-x', 60_000)
    try {
      const held = await cli('destroy', '--prefix', P, '--yes')
      expect([held.code, held.stderr]).toEqual([1, expect.stringContaining('[cdn-deploy] [lock] another deploy holds')])
      await expect(destroyHere({ prefix: P }, answering(true))).rejects.toThrow(/\[lock\] a deploy holds .*deploy of feat-x/)
    } finally {
      await storage.releaseLock(lock)
      storage.destroy()
    }
    expect(await listKeys(moto.client, BUCKET, '')).toEqual(before)
  })

  it('asks in a terminal: "no" deletes nothing, "yes" deletes what the tool wrote under the prefix and nothing else', async () => {
    const before = await listKeys(moto.client, BUCKET, '')
    const asked: string[] = []
    expect(await destroyHere({ prefix: P }, answering(false, asked))).toBe(1)
    // 5 owned + 5 of the tool's own (STATE: the ledger, the journal, a blob, two release records).
    expect(asked).toEqual(['[cdn-deploy] delete these 10 objects? [y/N] '])
    expect(await listKeys(moto.client, BUCKET, '')).toEqual(before)

    expect(await destroyHere({ prefix: P }, answering(true))).toBe(0)
    expect(await listKeys(moto.client, BUCKET, P)).toEqual(KEPT)
    // Production, and everything outside the prefix, as it was.
    expect(await listKeys(moto.client, BUCKET, 'app/')).toEqual(before.filter((key) => key.startsWith('app/')))
    // (its 4 objects, its ledger and its release record)
    expect((await listKeys(moto.client, BUCKET, 'app/')).length).toBe(6)
    expect(await listKeys(moto.client, BUCKET, 'app/.cdn-deploy/')).toEqual(
      ['ledger.json', `releases/${productionRelease}.json`].map((rel) => `app/.cdn-deploy/${rel}`),
    )

    // Again: nothing of the tool's is left; the kept objects stay kept.
    const again = await cli('destroy', '--prefix', P, '--yes', '--json')
    expect(again.code, again.stderr).toBe(0)
    expect(parseJson(again)).toMatchObject({ deleted: [], state: [], kept: KEPT })
    expect(await listKeys(moto.client, BUCKET, P)).toEqual(KEPT)
  })
})

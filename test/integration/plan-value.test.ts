/**
 * The plan is a value: executePlan runs a deeply frozen plan (it never patches
 * it), and what lands in the bucket is exactly what the plan said.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { executePlan } from '../../src/deploy/execute.js'
import { journalFiles, openJournal, readJournal } from '../../src/deploy/journal.js'
import { scanDir } from '../../src/deploy/scan.js'
import { createPlan } from '../../src/plan/plan.js'
import { createStorage } from '../../src/storage/index.js'
import { day, fixture, readLedgerObject, removeFixtures } from '../helpers/deploy.js'
import { s3Options, startS3rver, type S3TestServer } from '../helpers/s3-servers.js'

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze)
    Object.freeze(value)
  }
  return value
}

describe('a frozen plan (s3rver)', () => {
  let server: S3TestServer
  beforeAll(async () => void (server = await startS3rver('frozen')))
  afterAll(async () => {
    await server?.stop()
    await removeFixtures()
  })

  it.each([
    ['a first deploy', 'first/', false],
    ['a deploy over a release, with pending invalidations', 'second/', true],
  ])('executes %s without touching the plan', async (_name, prefix, twice) => {
    const storage = createStorage(s3Options(server, { prefix }))
    try {
      const dir = await fixture({ 'index.html': '<p>hi</p>', 'assets/app-Aa11Bb22.js': 'app()', 'robots.txt': 'User-agent: *' })
      const options = { prefix, cacheControl: [], retain: { releases: 3, days: 7 }, release: 'r1', now: day(0) }
      let ledger = await storage.readLedger()
      if (twice) {
        const first = createPlan(await scanDir(dir), undefined, options)
        await executePlan({
          storage,
          plan: deepFreeze(first),
          base: { version: 1, releases: [], files: {} },
          concurrency: 2,
          reporter: {},
          journal: openJournal(storage, { data: undefined, exists: false }, first.ledger, {}),
        })
        ledger = await storage.readLedger()
        await writeFile(join(dir, 'index.html'), '<p>hello</p>') // one upload, one purge
      }
      const stored = await readJournal(storage)
      const plan = deepFreeze(
        createPlan(await scanDir(dir), ledger, {
          ...options,
          release: twice ? 'r2' : 'r1',
          journal: journalFiles(ledger ?? { version: 1, releases: [], files: {} }, stored).files,
        }),
      )
      const before = JSON.stringify(plan)
      const purged: string[][] = []
      const invalidator = { name: 'test', invalidate: async (rels: string[]) => (purged.push(rels), { ids: ['i1'], paths: rels }) }
      const result = await executePlan({
        storage,
        plan,
        base: ledger ?? { version: 1, releases: [], files: {} },
        concurrency: 2,
        reporter: {},
        invalidator,
        journal: openJournal(storage, stored, plan.ledger, {}),
      })
      expect(result.committed).toBe(true)
      expect(JSON.stringify(plan)).toBe(before)
      expect(purged).toEqual([plan.invalidate])
      const committed = await readLedgerObject(server.client, server.bucket, prefix)
      expect(committed!.files).toEqual(plan.ledger.files)
      expect(committed!.releases.map((r) => r.id)).toEqual(plan.ledger.releases.map((r) => r.id))
    } finally {
      storage.destroy()
    }
  })
})

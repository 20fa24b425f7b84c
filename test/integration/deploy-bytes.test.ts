/**
 * Bytes uploaded = bytes hashed (issue 11.6), on s3rver and moto: a file
 * rewritten (same size) or swapped for a symlink after the scan, a symlink
 * retargeted at a file outside the build, a big file changed under its
 * multipart upload: the deploy fails naming the file and never publishes bytes
 * other than the ones it hashed; a retargeted link publishes what was scanned.
 */
import { rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/build.js'
import { deploy, fixture, getObject, readLedgerObject, removeFixtures, sha256, targetConfig, TUNING } from '../helpers/deploy.js'
import { startMoto, startS3rver, type S3TestServer } from '../helpers/s3-servers.js'

describe.each([
  { name: 's3rver', start: startS3rver },
  { name: 'moto', start: startMoto },
])('bytes uploaded are the bytes hashed on $name', ({ start }) => {
  let server: S3TestServer
  let outside: string
  beforeAll(async () => {
    server = await start()
    outside = await tempDir('outside')
    await writeFile(join(outside, 'secret.txt'), 'AWS_SECRET=hunter2!!') // 20 bytes, like inside.txt below
  })
  afterAll(async () => {
    await server?.stop()
    await rm(outside, { recursive: true, force: true })
    await removeFixtures()
  })

  /** Deploy `dir`, running `meddle` (synchronous: done before any upload starts) once the plan is made, after the scan. */
  const run = (prefix: string, dir: string, meddle: () => void) =>
    deploy({
      dir,
      config: targetConfig({ endpoint: server.endpoint, bucket: server.bucket, prefix, concurrency: 1 }),
      storage: TUNING,
      env: {},
      commit: 'c1',
      reporter: { start: meddle },
    })
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: Error) => e,
    )

  it.each([
    {
      what: 'a small file rewritten with the same size',
      file: 'robots.txt',
      change: (f: string) => writeFileSync(f, 'User-agent: XXXXXX'),
      message: /robots\.txt changed on disk since it was scanned \(same size, other bytes\); nothing of it was uploaded/,
    },
    {
      what: 'a file that grew',
      file: 'robots.txt',
      change: (f: string) => writeFileSync(f, 'User-agent: * and more'),
      message: /robots\.txt changed on disk since it was scanned \(18 → 19 bytes\)/,
    },
    {
      what: 'a file swapped for a symlink',
      file: 'robots.txt',
      change: (f: string) => (rmSync(f), symlinkSync('/etc/hostname', f)),
      message: /cannot read robots\.txt for upload .* \(it became a symlink since the scan; links are not followed\)/,
    },
  ])('$what fails the deploy naming it, and nothing else of the release goes live', async ({ file, change, message }) => {
    const prefix = `changed-${file}-${Math.random().toString(36).slice(2, 8)}/`
    const dir = await fixture({ 'index.html': '<p>hi</p>', [file]: 'User-agent: *-----' })
    const error = await failure(run(prefix, dir, () => change(join(dir, file))))
    expect(error?.message).toMatch(message)
    expect(await getObject(server.client, server.bucket, prefix + file)).toBeUndefined()
    expect(await getObject(server.client, server.bucket, `${prefix}index.html`)).toBeUndefined()
    const ledger = await readLedgerObject(server.client, server.bucket, prefix) // the intent made one; put back, it lists nothing
    expect([ledger?.releases ?? [], ledger?.files ?? {}, ledger?.pending]).toEqual([[], {}, undefined])
  })

  it('a symlink retargeted after the scan to a file outside the build: what was scanned goes up, never the outside file', async () => {
    const prefix = 'retarget/'
    const dir = await fixture({ 'inside.txt': 'public words, twenty' })
    await symlink('inside.txt', join(dir, 'link.txt'))
    const report = await run(prefix, dir, () => {
      rmSync(join(dir, 'link.txt'))
      symlinkSync(join(outside, 'secret.txt'), join(dir, 'link.txt'))
    })
    expect(report.committed).toBe(true)
    expect((await getObject(server.client, server.bucket, `${prefix}link.txt`))!.bytes.toString()).toBe('public words, twenty')
  })

  it('a big file changed under its multipart upload: never completed, the deploy fails naming it', async () => {
    const prefix = 'big/'
    const size = 6 * 1024 * 1024 // above the tests' 5 MiB multipart threshold
    const dir = await fixture({ 'index.html': '<p>hi</p>', 'media/clip-Ab12Cd34.webm': Buffer.alloc(size, 1) })
    const error = await failure(run(prefix, dir, () => writeFileSync(join(dir, 'media/clip-Ab12Cd34.webm'), Buffer.alloc(size, 2))))
    expect(error?.message).toMatch(/media\/clip-Ab12Cd34\.webm changed on disk since it was scanned \(other bytes than scanned\)/)
    expect(await getObject(server.client, server.bucket, `${prefix}media/clip-Ab12Cd34.webm`)).toBeUndefined()
    expect(sha256(Buffer.alloc(size, 1))).not.toBe(sha256(Buffer.alloc(size, 2)))
  })
})

/**
 * Precompression against real S3 servers: gzip-encoded objects under their own
 * keys, brotli siblings next to them, both decoding to the exact source bytes.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveConfig } from '../../src/index.js'
import { tempDir } from '../helpers/build.js'
import { deploy } from '../helpers/deploy.js'
import { startMoto, startS3rver, type S3TestServer } from '../helpers/s3-servers.js'

const FILES: Record<string, string> = {
  'index.html': `<!doctype html><title>x</title>${'<p>hello</p>'.repeat(200)}`,
  'assets/app-Ab12Cd34.js': `console.log(${JSON.stringify('compress me '.repeat(300))})`,
  'assets/tiny-Ef56Gh78.css': 'a{color:red}',
}
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')

describe.each([
  ['s3rver', startS3rver],
  ['moto', startMoto],
] as const)('precompress on %s', (_name, start) => {
  let server: S3TestServer
  beforeAll(async () => {
    server = await start('precompress')
  })
  afterAll(() => server?.stop())

  async function getRaw(key: string) {
    const out = await server.client.send(new GetObjectCommand({ Bucket: server.bucket, Key: key }))
    return { body: Buffer.from(await out.Body!.transformToByteArray()), encoding: out.ContentEncoding, type: out.ContentType, sha: out.Metadata?.sha256 }
  }

  it('stores gzip under the key and a brotli sibling, each decoding to the source', async () => {
    const dir = await tempDir('precompress')
    for (const [rel, text] of Object.entries(FILES)) {
      await mkdir(dirname(join(dir, rel)), { recursive: true })
      await writeFile(join(dir, rel), text)
    }
    const config = resolveConfig({
      file: {
        domain: 'http://127.0.0.1:1',
        prefix: 'pc/',
        storage: { bucket: server.bucket, endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1' },
        precompress: { gzip: true, brotli: true },
      },
      env: {},
    })
    const report = await deploy({ dir, config, commit: 'test', env: {} })
    expect(report.uploaded.count).toBe(5) // 3 files + 2 brotli siblings (the tiny css is below 1 KiB)

    for (const rel of ['index.html', 'assets/app-Ab12Cd34.js']) {
      const gz = await getRaw(`pc/${rel}`)
      expect(gz.encoding).toBe('gzip')
      expect(sha(gunzipSync(gz.body))).toBe(sha(FILES[rel]!))
      expect(gz.sha).toBe(sha(FILES[rel]!))
      const br = await getRaw(`pc/${rel}.br`)
      expect(br.encoding).toBe('br')
      expect(br.type).toBe(gz.type)
      expect(brotliDecompressSync(br.body).toString()).toBe(FILES[rel])
    }
    const tiny = await getRaw('pc/assets/tiny-Ef56Gh78.css')
    expect(tiny.encoding).toBeUndefined()
    expect(tiny.body.toString()).toBe(FILES['assets/tiny-Ef56Gh78.css'])

    // Unchanged: nothing goes up again.
    const again = await deploy({ dir, config, commit: 'test', env: {} })
    expect(again.uploaded.count).toBe(0)
  })
})

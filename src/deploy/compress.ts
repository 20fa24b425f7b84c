/**
 * Encodes a planned upload on its way up (precompress): the file is streamed
 * through gzip or brotli into a temp file, so the upload knows its length and a
 * retry can re-read it; the temp file is removed afterwards.
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { constants, createBrotliCompress, createGzip } from 'node:zlib'
import type { PlannedUpload } from '../plan/types.js'

/** Brotli's best quality is slow on large inputs; above this, a quality nearly as good at a fraction of the CPU. */
const BROTLI_MAX_QUALITY_SIZE = 4 * 1024 * 1024

function encoder(upload: PlannedUpload) {
  if (upload.contentEncoding === 'br') {
    return createBrotliCompress({
      params: {
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_QUALITY]: upload.size <= BROTLI_MAX_QUALITY_SIZE ? 11 : 9,
        [constants.BROTLI_PARAM_SIZE_HINT]: upload.size,
      },
    })
  }
  return createGzip({ level: 9 })
}

/** Run `send` with the upload as it should be stored: as is, or encoded into a temp file. */
export async function withEncodedBody<T>(upload: PlannedUpload, send: (stored: PlannedUpload) => Promise<T>): Promise<T> {
  if (!upload.contentEncoding) return send(upload)
  const dir = await mkdtemp(join(tmpdir(), 'cdn-deploy-'))
  const path = join(dir, 'body')
  try {
    await pipeline(createReadStream(upload.path), encoder(upload), createWriteStream(path))
    const { size } = await stat(path)
    return await send({ ...upload, path, size })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * Encodes a planned upload on its way up (precompress): the file's bytes, read
 * and checked against the scan's sha256, are compressed in memory (text files:
 * JS, CSS, HTML, SVG, JSON), so the bytes compressed are the bytes hashed.
 */
import { promisify } from 'node:util'
import { brotliCompress, constants, gzip } from 'node:zlib'
import type { PlannedUpload } from '../plan/types.js'

const brotli = promisify(brotliCompress)
const gz = promisify(gzip)

/** Brotli's best quality is slow on large inputs; above this, a quality nearly as good at a fraction of the CPU. */
const BROTLI_MAX_QUALITY_SIZE = 4 * 1024 * 1024

/** The body to store for an upload with a `contentEncoding`. */
export async function encodeBody(upload: PlannedUpload, source: Buffer): Promise<Buffer> {
  if (upload.contentEncoding === 'br') {
    return brotli(source, {
      params: {
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_QUALITY]: source.length <= BROTLI_MAX_QUALITY_SIZE ? 11 : 9,
        [constants.BROTLI_PARAM_SIZE_HINT]: source.length,
      },
    })
  }
  return gz(source, { level: 9 })
}

/**
 * S3's limits and the storage layer's transfer sizes, as plain constants (no SDK
 * import): the plan reads them for its request estimate, the storage layer for
 * its uploads, so the two agree.
 */
export const MiB = 1024 * 1024

/**
 * Files below this size go up in one PutObject, read whole into memory (so the
 * bytes sent are the bytes hashed, and a retry resends the same buffer); from
 * this size on as a multipart upload in parts of MULTIPART_PART_SIZE: parts
 * small enough to retry cheaply and to keep `partConcurrency` of them in memory,
 * with S3's 10,000-part limit still covering ~78 GiB before parts have to grow.
 */
export const MULTIPART_THRESHOLD = 16 * MiB
export const MULTIPART_PART_SIZE = 8 * MiB

/**
 * Bytes that uploads in flight may hold at once (files read whole, parts): with
 * up to 256 in flight, files of a few MiB would otherwise hold gigabytes.
 */
export const UPLOAD_BUFFER_BUDGET = 128 * MiB

/** Bytes an upload holds while in flight: the file below the threshold, else its parts in flight. */
export function uploadBytesHeld(size: number, settings: { multipartThreshold: number; partSize: number; partConcurrency: number }): number {
  return size < settings.multipartThreshold ? size : partSizeFor(size, settings.partSize) * settings.partConcurrency
}

/** S3's multipart limits: parts of 5 MiB..5 GiB (the last may be smaller), at most 10,000. */
export const MIN_PART_SIZE = 5 * MiB
export const MAX_PARTS = 10_000

/** Keys per DeleteObjects request and per ListObjectsV2 page (the S3 maxima). */
export const DELETE_BATCH_SIZE = 1000
export const LIST_PAGE_SIZE = 1000

/** Part size for a file: the configured size, raised so the file fits in 10,000 parts. */
export function partSizeFor(size: number, configured: number): number {
  return Math.max(configured, Math.ceil(size / MAX_PARTS))
}

/** S3 requests to upload one file of `size` bytes with the default sizes. */
export function uploadRequests(size: number): number {
  return size < MULTIPART_THRESHOLD ? 1 : Math.ceil(size / partSizeFor(size, MULTIPART_PART_SIZE)) + 2
}

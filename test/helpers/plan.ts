/** Inputs for createPlan() in the unit tables: a clock, local files and the plan options most cases share. */
import { createHash } from 'node:crypto'
import { contentTypeFor } from '../../src/plan/content-type.js'
import type { PlanOptions } from '../../src/plan/plan.js'
import { looksHashed } from '../../src/plan/rules.js'
import type { LocalFile } from '../../src/plan/types.js'

export const DAY = 86_400_000
/** `days` after the tests' day 0 (2026-01-01). */
export const at = (days: number) => new Date(Date.parse('2026-01-01T00:00:00.000Z') + days * DAY)

/** A scanned file as scanDir would give it (its size, sha256, type and immutability from its name). */
export function localFile(rel: string, content = `content of ${rel}`, size?: number): LocalFile {
  const sha256 = createHash('sha256').update(content).digest('hex')
  return { rel, path: `/dist/${rel}`, size: size ?? Buffer.byteLength(content), sha256, contentType: contentTypeFor(rel), immutable: looksHashed(rel) }
}

/** Prefix `app/`, three releases or seven days kept, day 100. */
export const planOptions = (over: Partial<PlanOptions> = {}): PlanOptions => ({
  prefix: 'app/',
  cacheControl: [],
  retain: { releases: 3, days: 7 },
  release: 'r-next',
  now: at(100),
  ...over,
})

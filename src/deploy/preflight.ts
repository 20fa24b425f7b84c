/**
 * Checks before the lock and the first write of a deploy that will write, so a
 * misconfiguration fails with nothing published: the report path can be
 * written, and the provider's target exists and answers (CloudFront
 * GetDistribution, Cloudflare zone, the webhook's `${VAR}`s set and its URL
 * answering). Credentials: the ledger GET before this proved read access, and
 * the lock PUT, which comes before any site write, proves write access.
 */
import { constants } from 'node:fs'
import { access, mkdir, open, rm } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { CdnDeployError } from '../errors.js'
import type { Invalidator } from './execute.js'

/** The report file can be created or appended to (a file created for the check is removed again). */
export async function checkWritable(path: string): Promise<void> {
  const file = resolve(path)
  try {
    await mkdir(dirname(file), { recursive: true })
    const existed = await access(file, constants.F_OK).then(
      () => true,
      () => false,
    )
    await (await open(file, 'a')).close()
    if (!existed) await rm(file, { force: true })
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException)?.code ?? 'error'
    throw new CdnDeployError('deploy', `cannot write the report to ${path} (${code}): fix the path before deploying; nothing was uploaded`, { cause })
  }
}

export async function preflight(options: { reportFile?: string; invalidator?: Invalidator }): Promise<void> {
  if (options.reportFile) await checkWritable(options.reportFile)
  await options.invalidator?.check?.()
}

/**
 * A directory's files as sorted relative paths: what the build lists of
 * `public/` and the frameworks' adapters of an output folder. (The deploy's scan
 * walks with its own checks: links that leave the folder, cycles, odd names.)
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'

/** Every file under `dir`, relative, with `/` separators. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
  return entries
    .filter((e) => e.isFile())
    .map((e) =>
      join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)
        .slice(dir.length + 1)
        .split('\\')
        .join('/'),
    )
    .sort()
}

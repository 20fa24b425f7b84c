/**
 * Consumer type tests: small projects under test/types/<name>/ that import the
 * package by its name (self-reference through package.json `exports`, so they
 * see the built dist/*.d.ts as users do), each type-checked by
 * `tsc --noEmit -p test/types/<name>/tsconfig.json`.
 *
 * - vite8: a vite.config.ts on Vite 8 (the `vite` devDependency, Rolldown types).
 * - vite7: the same on Vite 7 (the `vite7` alias, mapped to 'vite' by `paths`).
 * - rollup: a typed rollup.config.ts while Vite 8 is installed, the case that
 *   failed with TS2322 when cdn() returned Vite's `Plugin[]` alone.
 *
 * Each run lists its files, so a test also proves which Vite it checked against.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, realpathSync } from 'node:fs'
import { createRequire } from 'node:module'
import { isAbsolute, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const REPO = resolve(import.meta.dirname, '../..')
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc')

/** Run tsc on one project; `files` are the absolute paths of the program's files (as tsc prints them: real paths). */
function typecheck(project: string): { code: number | null; output: string; files: string[] } {
  const result = spawnSync(process.execPath, [TSC, '--noEmit', '--listFiles', '-p', join(REPO, 'test/types', project, 'tsconfig.json')], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 120_000,
  })
  const lines = `${result.stdout}${result.stderr}`.split('\n')
  const files = lines.filter((line) => isAbsolute(line))
  const output = lines.filter((line) => line && !isAbsolute(line)).join('\n')
  return { code: result.status, output, files }
}

const DIST = join(REPO, 'dist/index.d.ts')
const VITE8 = '/node_modules/vite/dist/node/index.d.ts'
const VITE7 = '/node_modules/vite7/dist/node/index.d.ts'
const ROLLUP = '/node_modules/rollup/dist/rollup.d.ts'

const projects: Array<{ project: string; loads: string[]; never: string }> = [
  { project: 'vite8', loads: [VITE8], never: '/node_modules/vite7/' },
  { project: 'vite7', loads: [VITE7], never: '/node_modules/vite/' },
  // Vite 8's types are in the program too (the package's .d.ts imports them): the case of the bug.
  { project: 'rollup', loads: [ROLLUP, VITE8], never: '/node_modules/vite7/' },
]

describe('consumer type tests', () => {
  it('dist/ is built (npm run build)', () => {
    expect(existsSync(DIST), 'dist/index.d.ts is missing: run `npm run build` first').toBe(true)
  })

  it.each(projects)('$project: tsc --noEmit passes', ({ project, loads, never }) => {
    const { code, output, files } = typecheck(project)
    expect(output, `tsc -p test/types/${project}/tsconfig.json`).toBe('')
    expect(code).toBe(0)
    // The package's own types, as the package name resolves (exports → dist/), and the bundler's the project is about.
    expect(files).toContain(realpathSync(DIST))
    for (const suffix of loads)
      expect(
        files.filter((file) => file.endsWith(suffix)),
        `${project} loads …${suffix}`,
      ).toHaveLength(1)
    expect(files.filter((file) => file.includes(never))).toEqual([])
  })
})

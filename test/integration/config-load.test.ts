/**
 * How cdn.config.* is loaded (src/config/load.ts): Node's own loader the first
 * time where Node runs the file as it is, jiti otherwise and for every later
 * load, so an edited config is read anew and no Node warning reaches the user.
 * Each case runs in a child process, under this Node and under Node 22 (which
 * strips TypeScript types itself).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { node22, REPO } from '../helpers/frameworks.js'

const dirs: string[] = []
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

/** A project with `package.json` (its `type` as given) and one config file exporting `{ domain }`. */
function project(type: 'module' | undefined, file: string, body: (n: number) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cdn-config-load-'))
  dirs.push(dir)
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', ...(type ? { type } : {}) }))
  writeFileSync(join(dir, file), body(1))
  return dir
}

/** Load the config, rewrite it (n = 2), load again; what each load saw and what Node printed. */
function loadTwice(node: string, dir: string, file: string, body: (n: number) => string): { seen: string[]; stderr: string } {
  const script = `
    import { writeFileSync } from 'node:fs'
    import { loadConfigFile } from ${JSON.stringify(join(REPO, 'dist/index.js'))}
    const first = await loadConfigFile(${JSON.stringify(dir)})
    writeFileSync(${JSON.stringify(join(dir, file))}, ${JSON.stringify(body(2))})
    const second = await loadConfigFile(${JSON.stringify(dir)})
    console.log(JSON.stringify([first.config.domain, second.config.domain]))`
  const result = spawnSync(node, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } })
  expect(result.status, result.stderr).toBe(0)
  return { seen: JSON.parse(result.stdout.trim().split('\n').at(-1)!) as string[], stderr: result.stderr }
}

const esm = (n: number) => `export default { domain: 'https://cdn${n}.example.test/' }\n`
const ts = (n: number) => `const n: number = ${n}\nexport default { domain: \`https://cdn\${n}.example.test/\` }\n`

describe('loading cdn.config.*', () => {
  const nodes: Array<[string, () => string]> = [
    ['this Node', () => process.execPath],
    ['Node 22', node22],
  ]
  it.each(
    nodes.flatMap(([name, node]) =>
      [
        ['an ES module package, cdn.config.js', 'module', 'cdn.config.js', esm],
        ['a package without "type", cdn.config.js in ESM syntax', undefined, 'cdn.config.js', esm],
        ['a package without "type", cdn.config.mjs', undefined, 'cdn.config.mjs', esm],
        ['an ES module package, cdn.config.ts', 'module', 'cdn.config.ts', ts],
        ['a package without "type", cdn.config.ts', undefined, 'cdn.config.ts', ts],
      ].map(([label, type, file, body]) => [`${name}: ${label as string}`, node, type, file, body] as const),
    ),
  )('%s: loads, reads an edit on the next load, prints no warning', (_, node, type, file, body) => {
    const dir = project(type as 'module' | undefined, file as string, body as (n: number) => string)
    const { seen, stderr } = loadTwice(node(), dir, file as string, body as (n: number) => string)
    expect(seen).toEqual(['https://cdn1.example.test/', 'https://cdn2.example.test/'])
    expect(stderr).not.toMatch(/Warning/)
  })
})

/**
 * The runtime must load where Node does not (edge workers, Deno, browsers): no
 * `node:` or bare-package imports, no `process`, `Buffer`, `require` or `__dirname`
 * in any module the runtime entry reaches. The one Node fallback (reading a path
 * without `readFile`) loads `node:fs/promises` through a variable specifier, in its
 * own module. `npm run typecheck` checks the same with tsconfig.runtime.json
 * (web globals, no @types/node); this test runs that too.
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')
const ENTRY = join(ROOT, 'src/runtime/index.ts')
const NODE_FALLBACK = 'src/runtime/node-fs.ts'

/** Source without comments and with string contents kept (imports live in strings). */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
}

const SPECIFIERS = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*|\bexport\s*\*\s*from\s*)(['"])([^'"]+)\1/g

/** Every module reachable from the runtime entry through relative imports. */
async function runtimeModules(): Promise<Map<string, string>> {
  const seen = new Map<string, string>()
  const queue = [ENTRY]
  while (queue.length) {
    const file = queue.shift()!
    if (seen.has(file)) continue
    const code = stripComments(await readFile(file, 'utf8'))
    seen.set(file, code)
    for (const [, , spec] of code.matchAll(SPECIFIERS)) {
      if (spec!.startsWith('.')) queue.push(resolve(dirname(file), spec!.replace(/\.js$/, '.ts')))
    }
  }
  return seen
}

const FORBIDDEN: Array<[string, RegExp]> = [
  ['process', /\bprocess\s*[.[]/],
  ['Buffer', /\bBuffer\b/],
  ['require()', /\brequire\s*\(/],
  ['__dirname/__filename', /\b__(dirname|filename)\b/],
  ['import.meta.dirname/filename', /import\.meta\.(dirname|filename)/],
]

describe('the runtime stays Node-free', () => {
  it('reaches only relative, Node-free modules', async () => {
    const modules = await runtimeModules()
    expect(modules.size).toBeGreaterThanOrEqual(6)
    const problems: string[] = []
    for (const [file, code] of modules) {
      const rel = relative(ROOT, file)
      for (const [, , spec] of code.matchAll(SPECIFIERS)) {
        if (!spec!.startsWith('.')) problems.push(`${rel} imports "${spec}"`)
      }
      for (const [name, pattern] of FORBIDDEN) if (pattern.test(code)) problems.push(`${rel} uses ${name}`)
      const nodeStrings = code.match(/['"`]node:[^'"`]*['"`]/g) ?? []
      if (nodeStrings.length && rel !== NODE_FALLBACK) problems.push(`${rel} names ${nodeStrings.join(', ')}`)
    }
    expect(problems).toEqual([])
  })

  it('loads node:fs only through a variable specifier, in its own module', async () => {
    const code = stripComments(await readFile(join(ROOT, NODE_FALLBACK), 'utf8'))
    expect(code.match(/['"`]node:[^'"`]*['"`]/g)).toEqual(["'node:fs/promises'"])
    expect(code).toMatch(/import\(\s*NODE_FS\s*\)/)
  })

  it('catches a forbidden import (the scanner itself works)', () => {
    const code = stripComments(`import { readFile } from 'node:fs'\n// process.env in a comment is fine\nconst b = Buffer.from('x')`)
    expect([...code.matchAll(SPECIFIERS)].map((m) => m[2])).toEqual(['node:fs'])
    expect(FORBIDDEN.filter(([, p]) => p.test(code)).map(([n]) => n)).toEqual(['Buffer'])
  })

  it('type-checks with web globals only (tsconfig.runtime.json)', async () => {
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc')
    const result = await promisify(execFile)(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.runtime.json'), '--noEmit'], { cwd: ROOT }).catch(
      (e: { stdout: string }) => e,
    )
    expect('stdout' in result ? result.stdout : '').toBe('')
  })
})

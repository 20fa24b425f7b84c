/**
 * The examples built as a user builds them: the bundler's own CLI in the example
 * directory, reading the example's vite/rollup config and cdn.config.ts (which
 * import the package by name, so this needs `npm run build` first: `npm test` does it).
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import type { CdnManifest } from '../../src/index.js'
import { EXAMPLES } from '../helpers/build.js'

const run = promisify(execFile)
const BIN = resolve(import.meta.dirname, '../../node_modules/.bin')

describe.each([
  { example: 'basic', command: 'vite', args: ['build'], base: 'https://cdn.example.com/basic/', entry: 'index.html' },
  { example: 'rollup', command: 'rollup', args: ['-c'], base: 'https://cdn.example.com/widgets/', entry: 'src/main.js' },
])('examples/$example', ({ example, command, args, base, entry }) => {
  it(`builds with \`${command} ${args.join(' ')}\` and its cdn.config.ts`, async () => {
    if (!existsSync(resolve(import.meta.dirname, '../../dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does)')
    const cwd = join(EXAMPLES, example)
    await rm(join(cwd, 'dist'), { recursive: true, force: true })
    await run(join(BIN, command), args, { cwd, env: { ...process.env, CDN_DEPLOY: '0' } })
    const manifest = JSON.parse(await readFile(join(cwd, 'dist/.vite/cdn-manifest.json'), 'utf8')) as CdnManifest
    expect(manifest.base).toBe(base)
    expect(manifest.entries[entry]!.url.startsWith(base)).toBe(true)
    await rm(join(cwd, 'dist'), { recursive: true, force: true })
  })
})

it('the root cdn.config.ts (the README example) resolves, with its staging environment', async () => {
  const { loadConfigFile, resolveConfig } = await import('../../src/index.js')
  const root = resolve(import.meta.dirname, '../..')
  const file = await loadConfigFile(root)
  const env = { AWS_REGION: 'eu-west-1' }
  const prod = resolveConfig({ file: file.config, env, source: file.path })
  expect(prod).toMatchObject({ publicBase: 'https://cdn.example.com/app/', provider: { type: 'cloudfront', distributionId: 'E2EXAMPLE' } })
  const staging = resolveConfig({ file: file.config, env, mode: 'staging', strictMode: true })
  expect(staging).toMatchObject({ publicBase: 'https://cdn-staging.example.com/app/', storage: { bucket: 'example-assets-staging', region: 'eu-west-1' } })
  expect(staging.cacheControl).toEqual([['data/**/*.json', 'public, max-age=60, stale-while-revalidate=600']])
})

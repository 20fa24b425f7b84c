/**
 * The plugin's deploy step in a real `vite build` of examples/basic against
 * s3rver: a successful build is uploaded as built; a build that fails (a plugin
 * throwing in generateBundle or in writeBundle, under Vite and plain Rollup, or a
 * syntax error) deploys nothing, and neither does a build with CDN_DEPLOY=0.
 */
import { execFile } from 'node:child_process'
import { cp, mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { join } from 'node:path'
import { rollup, type Plugin as RollupPlugin } from 'rollup'
import type { InlineConfig, Plugin } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import cdn, { type CdnManifest } from '../../src/index.js'
import { EXAMPLES, listTree, readJson, tempDir, viteBuild, type ViteName } from '../helpers/build.js'
import { expectTreeInBucket, getObject, listKeys, readLedgerObject } from '../helpers/deploy.js'
import { startS3rver, type S3TestServer } from '../helpers/s3-servers.js'
// @ts-expect-error the example's helper plugin is plain JS
import cssAsset from '../../examples/rollup/css-asset.mjs'

describe('cdn:deploy in a real vite build (s3rver)', () => {
  let server: S3TestServer

  beforeAll(async () => {
    server = await startS3rver()
  })
  afterAll(async () => {
    await server?.stop()
  })

  const plugin = (prefix: string) =>
    cdn({
      configFile: false,
      domain: 'https://cdn.example.com',
      prefix,
      storage: { bucket: server.bucket, endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1' },
      deploy: true,
    })

  it('uploads the build once writeBundle has finished, as built', async () => {
    const prefix = 'plugin/'
    const outDir = await viteBuild('vite', { plugins: [plugin(prefix)] })
    const files = (await listTree(outDir)).filter((f) => !f.startsWith('.vite/'))
    expect(files.length).toBeGreaterThanOrEqual(8)
    expect(await expectTreeInBucket(server.client, server.bucket, prefix, outDir, files)).toEqual([])
    expect((await listKeys(server.client, server.bucket, prefix)).filter((k) => !k.includes('.cdn-deploy/')).sort()).toEqual(
      files.map((f) => prefix + f).sort(),
    )
    const manifest = await readJson<CdnManifest>(join(outDir, '.vite/cdn-manifest.json'))
    const ledger = await readLedgerObject(server.client, server.bucket, prefix)
    expect(ledger!.releases.map((r) => r.id)).toEqual([manifest.release])
    // Headers come from the build's own knowledge of what is hashed.
    for (const rel of files) {
      const got = await getObject(server.client, server.bucket, prefix + rel)
      expect(got!.cacheControl, rel).toBe(
        manifest.files[rel]!.immutable
          ? 'public, max-age=31536000, immutable'
          : rel.endsWith('.html')
            ? 'public, max-age=0, must-revalidate'
            : 'public, max-age=300',
      )
    }
  })

  const throwing = (hook: 'generateBundle' | 'writeBundle', order?: 'post'): Plugin => ({
    name: `throws-in-${hook}`,
    [hook]: {
      ...(order ? { order } : {}),
      async handler() {
        // Fail after our own writeBundle has written the manifest (it is async too).
        await new Promise((resolve) => setTimeout(resolve, 20))
        throw new Error(`planned failure in ${hook}`)
      },
    },
  })

  // Where the failing plugin sits: after cdn() (the usual place for compression or
  // copy plugins), and before it with order 'post' like our own writeBundle.
  it.each([
    { hook: 'generateBundle', where: 'after', order: undefined },
    { hook: 'writeBundle', where: 'after', order: undefined },
    { hook: 'writeBundle', where: 'before', order: 'post' },
  ] as const)('a build failing in $hook ($where cdn(), order $order) deploys nothing', async ({ hook, where, order }) => {
    const prefix = `fail-${hook}-${where}/`
    const plugins = where === 'after' ? [plugin(prefix), throwing(hook, order)] : [throwing(hook, order), plugin(prefix)]
    await expect(viteBuild('vite', { plugins })).rejects.toThrow(`planned failure in ${hook}`)
    expect(await listKeys(server.client, server.bucket, prefix)).toEqual([])
  })

  it('a plain Rollup build whose writeBundle fails deploys nothing (Rollup runs writeBundle handlers in parallel)', async () => {
    const prefix = 'fail-rollup/'
    const dir = await tempDir('rollup-fail')
    const bundle = await rollup({
      input: join(EXAMPLES, 'rollup/src/main.js'),
      plugins: [cssAsset(), ...(plugin(prefix) as RollupPlugin[]), throwing('writeBundle') as RollupPlugin],
      logLevel: 'silent',
    })
    try {
      await expect(bundle.write({ dir, format: 'es' })).rejects.toThrow('planned failure in writeBundle')
    } finally {
      await bundle.close() // runs closeBundle, with no error, as Vite does after a failed write
    }
    expect(await listTree(dir)).toContain('.vite/cdn-manifest.json') // our writeBundle did finish
    expect(await listKeys(server.client, server.bucket, prefix)).toEqual([])
    // The same build without the failing plugin does deploy (the check above could fail).
    const ok = await rollup({ input: join(EXAMPLES, 'rollup/src/main.js'), plugins: [cssAsset(), ...(plugin(prefix) as RollupPlugin[])], logLevel: 'silent' })
    try {
      await ok.write({ dir: await tempDir('rollup-ok'), format: 'es' })
    } finally {
      await ok.close()
    }
    expect((await listKeys(server.client, server.bucket, prefix)).length).toBeGreaterThan(1)
  })

  it('a build with a syntax error deploys nothing', async () => {
    const prefix = 'fail-syntax/'
    const root = await tempDir('basic-broken')
    await cp(join(EXAMPLES, 'basic'), root, { recursive: true })
    await writeFile(join(root, 'src/lazy.js'), 'export const = broken(\n')
    await expect(viteBuild('vite', { root, plugins: [plugin(prefix)] })).rejects.toThrow()
    expect(await listKeys(server.client, server.bucket, prefix)).toEqual([])
  })

  it('CDN_DEPLOY=0 builds for the CDN but deploys nothing', async () => {
    const prefix = 'env-off/'
    process.env.CDN_DEPLOY = '0'
    try {
      const outDir = await viteBuild('vite', { plugins: [plugin(prefix)] })
      expect(await listTree(outDir)).toContain('.vite/cdn-manifest.json')
    } finally {
      delete process.env.CDN_DEPLOY
    }
    expect(await listKeys(server.client, server.bucket, prefix)).toEqual([])
  })

  /** A logger that keeps what the plugin says, as Vite would print it. */
  function listening(): { lines: string[]; config: InlineConfig } {
    const lines: string[] = []
    const keep = (message: string) => void lines.push(message)
    const customLogger = { info: keep, warn: keep, warnOnce: keep, error: keep, clearScreen() {}, hasErrorLogged: () => false, hasWarned: false }
    return { lines, config: { customLogger } as InlineConfig }
  }
  // Sorted after cdn:deploy: enforce 'post' too, and listed after cdn().
  const laterBuildApp: Plugin = { name: 'late-writer', enforce: 'post', buildApp: { order: 'post', async handler() {} } }
  const releasesOf = async (prefix: string) => (await readLedgerObject(server.client, server.bucket, prefix))?.releases.length ?? 0

  // When the plugin deploys, and when it says why it does not: never silently inert.
  it.each<{ name: string; vite: ViteName; api?: boolean; config?: InlineConfig; extra?: Plugin[]; enabled?: boolean; releases: number; says?: RegExp }>([
    { name: '`vite build` on Vite 8: once, at the end of buildApp', vite: 'vite', releases: 1 },
    { name: '`vite build` on Vite 7', vite: 'vite7', releases: 1 },
    { name: '`vite build` on Vite 6: at the end of the client build', vite: 'vite6', releases: 1 },
    { name: '`vite build` on Vite 5', vite: 'vite5', releases: 1 },
    {
      name: 'Vite 8 through build(): a tool may write more after it returns',
      vite: 'vite',
      api: true,
      releases: 0,
      says: /started through Vite's build\(\) API.*npx cdn-deploy deploy /,
    },
    {
      name: 'a server build only (`vite build --ssr`)',
      vite: 'vite',
      config: { build: { ssr: 'src/lazy.js' } },
      releases: 0,
      says: /no client build in this run/,
    },
    { name: 'another plugin still builds after ours', vite: 'vite', extra: [laterBuildApp], releases: 0, says: /late-writer still builds after this point/ },
    { name: 'enabled: false', vite: 'vite', enabled: false, releases: 0, says: /disabled \(enabled: false/ },
  ])('$name', async ({ name, vite, api, config, extra, enabled, releases, says }) => {
    const prefix = `when-${name.replace(/\W+/g, '-').slice(0, 40)}/`
    const { lines, config: logging } = listening()
    const plugins = [
      cdn({
        configFile: false,
        domain: 'https://cdn.example.com',
        prefix,
        storage: { bucket: server.bucket, endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1' },
        ...(enabled === false ? { enabled } : {}),
      }),
      ...(extra ?? []),
    ]
    const inline: InlineConfig = { ...logging, ...config }
    if (api) {
      const { build } = await import('vite')
      await build({
        root: join(EXAMPLES, 'basic'),
        configFile: false,
        logLevel: 'silent',
        plugins,
        ...inline,
        build: { outDir: await tempDir('api'), emptyOutDir: true },
      })
    } else {
      await viteBuild(vite, { plugins, config: inline })
    }
    expect(await releasesOf(prefix)).toBe(releases)
    if (says) expect(lines.join('\n')).toMatch(says)
  })

  // The deploy speaks through Vite's logger and at its level: `vite build --logLevel …` as a user runs it.
  it.each([
    { level: 'info', prints: true },
    { level: 'silent', prints: false },
  ])('`vite build --logLevel $level` deploys, and prints its progress: $prints', async ({ level, prints }) => {
    const prefix = `log-${level}/`
    const root = await tempDir(`basic-log-${level}`)
    await cp(join(EXAMPLES, 'basic'), root, { recursive: true, filter: (src) => !/[\\/](dist|node_modules)$/.test(src) })
    await rm(join(root, 'cdn.config.ts'))
    await writeFile(
      join(root, 'cdn.config.mjs'),
      `export default ${JSON.stringify({ domain: 'https://cdn.example.com', prefix, storage: { bucket: server.bucket, endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1' } })}\n`,
    )
    const vite = join(import.meta.dirname, '../../node_modules/vite/bin/vite.js')
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', NODE_ENV: 'production', CI: '1' }
    // The config imports the plugin by its package name: link this repo in.
    await mkdir(join(root, 'node_modules'), { recursive: true })
    await symlink(join(import.meta.dirname, '../..'), join(root, 'node_modules/vite-plugin-cdn-deploy'), 'dir')
    await writeFile(join(root, 'package.json'), '{ "type": "module" }\n')
    await writeFile(join(root, 'vite.config.js'), "import cdn from 'vite-plugin-cdn-deploy'\nexport default { plugins: [cdn()] }\n")
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [vite, 'build', '--logLevel', level], { cwd: root, env })
    expect(await releasesOf(prefix)).toBe(1)
    const ours = `${stdout}\n${stderr}`.split('\n').filter((line) => line.includes('[cdn-deploy]'))
    if (prints) expect(ours.some((line) => line.includes('committing release'))).toBe(true)
    else expect(ours).toEqual([])
  })
})

/**
 * Issue 15.4: the CLI's no-op redeploy of a 2,000-file site as a whole process,
 * next to `aws s3 sync`'s, on the same moto: start-up (Node, module loading,
 * the TypeScript config), the scan and the one ledger GET.
 *
 * A project as a user has it: package.json, `cdn.config.ts`, this repo linked
 * as node_modules/vite-plugin-cdn-deploy with its bin (executable, as npm
 * installs it) in node_modules/.bin. One untimed deploy first (the bucket then
 * holds the site and the ledger), and one untimed run of each tool (the page
 * cache, and jiti's cache of the transpiled config, as the `vite build` before
 * a deploy leaves them); then the timed runs, tools alternating:
 * - `npx cdn-deploy deploy dist` (what the issue measured: npm's own start-up included),
 * - `node_modules/.bin/cdn-deploy deploy dist` (the same without npx),
 * - the same under Node 22 (.cache/node22) when it is there: compile cache and type stripping,
 * - `aws s3 sync dist s3://bucket` (files older than the objects: nothing to upload).
 */
import { chmod, mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { node22 } from '../frameworks.mjs'
import { planTree, writeTree } from '../gen.mjs'
import { toolEnv } from '../measure.mjs'
import { TITLES, present, rotate, warm } from './common.mjs'

const BUCKET = 'bench-startup'

async function project(ctx) {
  const repo = fileURLToPath(new URL('../../..', import.meta.url))
  const root = join(ctx.tmp, 'startup')
  await mkdir(join(root, 'node_modules/.bin'), { recursive: true })
  await writeFile(join(root, 'package.json'), '{ "name": "site", "private": true, "type": "module" }\n')
  await symlink(repo, join(root, 'node_modules/vite-plugin-cdn-deploy'))
  await symlink('../vite-plugin-cdn-deploy/dist/cli/index.js', join(root, 'node_modules/.bin/cdn-deploy'))
  await chmod(join(repo, 'dist/cli/index.js'), 0o755)
  await writeFile(
    join(root, 'cdn.config.ts'),
    [
      "import { defineCdnConfig } from 'vite-plugin-cdn-deploy'",
      '',
      'export default defineCdnConfig({',
      "  domain: 'https://cdn.bench.invalid',",
      `  storage: { bucket: '${BUCKET}', endpoint: '${ctx.moto.endpoint}', region: 'us-east-1', forcePathStyle: true },`,
      "  provider: { type: 'none' },",
      '})',
      '',
    ].join('\n'),
  )
  const info = await writeTree(join(root, 'dist'), planTree({ seed: 2_000, count: 2_000, totalBytes: 45e6 }))
  return { root, dir: join(root, 'dist'), info }
}

export const startup = {
  title: TITLES.startup,
  async run(ctx) {
    const { root, dir, info } = await project(ctx)
    ctx.log(`generated ${info.files} files, ${(info.bytes / 1e6).toFixed(1)} MB in ${dir}, with cdn.config.ts`)
    await ctx.moto.reset()
    await ctx.moto.createBucket(BUCKET)
    const env = toolEnv({ npm_config_update_notifier: 'false', NO_COLOR: '1' })
    const args = ['deploy', 'dist', '--commit', 'bench']
    const n22 = node22(fileURLToPath(new URL('../../..', import.meta.url)))
    const specs = {
      'cli-npx': { cmd: 'npx', args: ['cdn-deploy', ...args], env, cwd: root, count: true },
      cli: { cmd: join(root, 'node_modules/.bin/cdn-deploy'), args, env, cwd: root, count: true },
      ...(n22
        ? {
            cli22: {
              cmd: join(root, 'node_modules/.bin/cdn-deploy'),
              args,
              env: { ...env, PATH: `${dirname(n22)}:${env.PATH ?? ''}` },
              cwd: root,
              count: true,
            },
          }
        : {}),
    }
    if (!n22) ctx.log('startup: no Node 22 at .cache/node22: its variant is left out')
    const target = (tool) => specs[tool] ?? { bucket: BUCKET, prefix: '', dir }
    await ctx.run('startup-setup', 'cli', specs.cli, 0)
    const tools = [...Object.keys(specs), ...present(ctx, ['aws'])]
    for (const tool of tools) await ctx.run('startup-warmup', tool, target(tool), 0)
    for (let r = 0; r < ctx.options.reps; r++) {
      for (const tool of rotate(tools, r)) {
        await warm(dir)
        await ctx.run('startup', tool, target(tool), r)
      }
    }
    ctx.runs.splice(0, ctx.runs.length, ...ctx.runs.filter((x) => x.scenario !== 'startup-warmup' && x.scenario !== 'startup-setup'))
    await rm(root, { recursive: true, force: true })
  },
}

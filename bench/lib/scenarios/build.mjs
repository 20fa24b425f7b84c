/** The build overhead of the plugin on a generated Vite app (issue 6). */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeViteApp } from '../vite-app.mjs'
import { TITLES, rotate } from './common.mjs'

export const build = {
  title: TITLES.build,
  async run(ctx) {
    const app = join(ctx.tmp, 'vite-app')
    const info = await writeViteApp(app, { seed: 5, modules: 1000, assets: 300 })
    ctx.log(`generated a Vite app: ${info.js} JS + ${info.css} CSS modules, ${info.assets} assets, ${info.routes} lazy routes`)
    const script = fileURLToPath(new URL('../../tools/vite-build.mjs', import.meta.url))
    const spec = (plugin, phases = false, control = false) => ({
      cmd: process.execPath,
      args: [script, JSON.stringify({ root: app, outDir: join(ctx.tmp, 'vite-out'), plugin, phases, control })],
    })
    const specFor = (tool) => (tool === 'vite+cdn' ? spec(true) : tool === 'vite+hooks' ? spec(false, false, true) : spec(false))
    // One untimed warm-up of each, so both timed series read from a warm page cache.
    await ctx.run('build-warmup', 'vite', spec(false), 0)
    await ctx.run('build-warmup', 'vite+cdn', spec(true), 0)
    const reps = Math.max(ctx.options.reps, 7) // builds are short: more runs for a steadier median (they move ±100 ms)
    for (let r = 0; r < reps; r++) {
      for (const tool of rotate(['vite', 'vite+cdn', 'vite+hooks'], r)) await ctx.run('build', tool, specFor(tool), r)
    }
    // Separate run with the hooks and digests timed (the wrappers cost a little).
    await ctx.run('build-phases', 'vite+cdn', spec(true, true), 0)
    ctx.runs.splice(0, ctx.runs.length, ...ctx.runs.filter((x) => x.scenario !== 'build-warmup'))
  },
}

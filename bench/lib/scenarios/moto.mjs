/**
 * The issue 6 scenarios on moto: a first deploy of 2,000 files, the no-op and
 * one-changed-file redeploys of a 10,000-file site, and a 1 GiB file.
 */
import { rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fakeHash, fillBytes, htmlFor, mulberry32, planTree, writeBigFile, writeTree } from '../gen.mjs'
import { MiB, TITLES, present, profileOurs, rotate, warm, withBase } from './common.mjs'

/** The 10,000-file site shared by `noop` and `changed` (set up once). */
async function site10k(ctx) {
  if (ctx.site) return ctx.site
  const dir = join(ctx.tmp, 'site10k')
  const files = planTree({ seed: 10_000, count: 10_000, totalBytes: 20e6 })
  const info = await writeTree(dir, files)
  const index = files.find((f) => f.rel === 'index.html')
  ctx.log(`generated ${info.files} files, ${(info.bytes / 1e6).toFixed(1)} MB in ${dir}; deploying them once with ours (setup)`)
  await ctx.moto.reset()
  await ctx.moto.createBucket('bench-site')
  await ctx.run('setup', 'ours', { bucket: 'bench-site', prefix: '', dir }, 0)
  const slot = files.find((f) => f.rel === info.firstJs)
  ctx.site = { dir, bucket: 'bench-site', slot: { rel: slot.rel, size: slot.size, seed: slot.seed }, index: { size: index.size } }
  return ctx.site
}

/**
 * One rebuild with one module changed: the module's hashed file gets a new name
 * and bytes (the old one disappears from the output, as in a real build), and
 * index.html, which references it, is rewritten. Nothing else is touched.
 */
async function applyChange(site, k) {
  const rand = mulberry32(0xc0ffee + k)
  const dir = dirname(site.slot.rel)
  const base = site.slot.rel.slice(dir.length + 1).split('-')[0]
  const rel = `${dir}/${base}-${fakeHash(rand)}.js`
  await rm(join(site.dir, site.slot.rel), { force: true })
  await writeFile(join(site.dir, rel), fillBytes(Buffer.allocUnsafe(site.slot.size), site.slot.seed + k, true))
  await writeFile(join(site.dir, 'index.html'), htmlFor(rel, site.index.size, site.slot.seed + k))
  site.slot.rel = rel
  return rel
}

export const MOTO = {
  first: {
    title: TITLES.first,
    async run(ctx) {
      const dir = join(ctx.tmp, 'site2k')
      const info = await writeTree(dir, planTree({ seed: 2_000, count: 2_000, totalBytes: 45e6 }))
      ctx.log(`generated ${info.files} files, ${(info.bytes / 1e6).toFixed(1)} MB`)
      const tools = present(ctx, ctx.options.firstTools)
      for (let r = 0; r < ctx.options.reps; r++) {
        for (const tool of rotate(tools, r)) {
          // A fresh server state per run: every run is a real first deploy.
          await ctx.moto.reset()
          await ctx.moto.createBucket('bench-first')
          await warm(dir)
          await ctx.run('first', tool, { bucket: 'bench-first', prefix: '', dir }, r)
        }
      }
      if (ctx.options.profile) {
        await ctx.moto.reset()
        await ctx.moto.createBucket('bench-first')
        await warm(dir)
        await profileOurs(ctx, 'first', { bucket: 'bench-first', prefix: '', dir })
      }
      await rm(dir, { recursive: true, force: true })
    },
  },

  noop: {
    title: TITLES.noop,
    async run(ctx) {
      const site = await site10k(ctx)
      const tools = present(ctx, withBase(ctx, ['ours', 'aws', 's3sync', 'rclone']))
      for (let r = 0; r < ctx.options.reps; r++) {
        for (const tool of rotate(tools, r)) {
          await warm(site.dir)
          await ctx.run('noop', tool, { bucket: site.bucket, prefix: '', dir: site.dir }, r)
        }
      }
      if (ctx.options.profile) {
        await warm(site.dir)
        await profileOurs(ctx, 'noop', { bucket: site.bucket, prefix: '', dir: site.dir })
      }
    },
  },

  changed: {
    title: TITLES.changed,
    async run(ctx) {
      const site = await site10k(ctx)
      const tools = present(ctx, withBase(ctx, ['ours', 'aws', 's3sync', 'rclone']))
      let k = 0
      for (let r = 0; r < ctx.options.reps; r++) {
        for (const tool of rotate(tools, r)) {
          const rel = await applyChange(site, ++k)
          await warm(site.dir)
          const run = await ctx.run('changed', tool, { bucket: site.bucket, prefix: '', dir: site.dir }, r)
          run.changed = rel
        }
      }
    },
  },

  big: {
    title: TITLES.big,
    async run(ctx) {
      const dir = join(ctx.tmp, 'big')
      await writeBigFile(join(dir, 'media/video-4f3a9c2e.bin'), 1024 * MiB, 1_073_741_824)
      const tools = present(ctx, ctx.options.bigTools)
      for (let r = 0; r < ctx.options.bigReps; r++) {
        for (const tool of rotate(tools, r)) {
          await ctx.moto.reset()
          await ctx.moto.createBucket('bench-big')
          await ctx.run('big', tool, { bucket: 'bench-big', prefix: '', dir }, r)
        }
      }
      await ctx.moto.reset()
      await rm(dir, { recursive: true, force: true })
    },
  },
}

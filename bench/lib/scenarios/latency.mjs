/**
 * Issue 15 against bench/lib/latency-s3.mjs (every request answered after
 * BENCH_LATENCY_MS, no limit on requests in flight): the 10,000-file first
 * deploy of every tool, the 100,000-file site of ours alone (`huge`), and ours
 * against an endpoint that throttles (`throttle`).
 */
import { rm } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import { planSmallFiles, writeTree } from '../gen.mjs'
import { median } from '../measure.mjs'
import { LATENCY, TITLES, perFile, present, profileOurs, rotate, warm, withBase } from './common.mjs'

export const LATENCY_SCENARIOS = {
  /**
   * Issue 15: the same site against bench/lib/latency-s3.mjs (every request
   * answered after BENCH_LATENCY_MS, unlimited parallelism), every run into a
   * freshly reset bucket (a first deploy), the raw keep-alive client at 16, 64
   * and 256 in flight as the floor.
   */
  latency: {
    title: TITLES.latency,
    async run(ctx) {
      const s3 = await ctx.latencyS3()
      const dir = join(ctx.tmp, 'site-latency')
      const info = await writeTree(dir, planSmallFiles({ seed: 15_000, count: LATENCY.files }))
      ctx.log(`generated ${info.files} files, ${(info.bytes / 1e6).toFixed(1)} MB; latency-s3 on ${s3.endpoint}, ${s3.latencyMs} ms per request`)
      const tools = present(ctx, withBase(ctx, ctx.options.latencyTools))
      const target = { bucket: 'bench-latency', prefix: '', dir, server: s3 }
      for (let r = 0; r < ctx.options.latencyReps; r++) {
        for (const tool of rotate(tools, r)) {
          await s3.reset()
          await s3.createBucket('bench-latency')
          await warm(dir)
          const run = await ctx.run('latency', tool, target, r)
          perFile(run, info.files)
        }
      }
      if (ctx.options.profile) {
        await s3.reset()
        await s3.createBucket('bench-latency')
        await warm(dir)
        await profileOurs(ctx, 'latency', target, info.files)
      }
      await s3.reset()
      await rm(dir, { recursive: true, force: true })
    },
  },

  /**
   * Issue 15: the same site and endpoint, answering 503 SlowDown to a request
   * that arrives while BENCH_THROTTLE_INFLIGHT (64) are in flight (S3 past a
   * prefix's request rate): ours (its flow halves on the 503s) and ours at a
   * fixed concurrency (the same deploy without the flow: retries only).
   */
  throttle: {
    title: TITLES.throttle,
    async run(ctx) {
      const s3 = await ctx.latencyS3()
      const dir = join(ctx.tmp, 'site-throttle')
      const info = await writeTree(dir, planSmallFiles({ seed: 15_000, count: LATENCY.files }))
      const tools = present(ctx, withBase(ctx, ['ours', 'ours-fixed']))
      const target = { bucket: 'bench-throttle', prefix: '', dir, server: s3 }
      ctx.log(`throttle: 503 SlowDown past ${ctx.options.throttleInflight} requests in flight`)
      try {
        for (let r = 0; r < ctx.options.latencyReps; r++) {
          for (const tool of rotate(tools, r)) {
            await s3.reset()
            await s3.createBucket('bench-throttle')
            await s3.throttle(ctx.options.throttleInflight)
            await warm(dir)
            const run = perFile(await ctx.run('throttle', tool, target, r), info.files)
            run.slowdowns = run.byStatus?.[503] ?? 0
          }
        }
      } finally {
        await s3.throttle(0)
        await s3.reset()
        await rm(dir, { recursive: true, force: true })
      }
    },
  },

  /**
   * Issue 15: ours alone on a 100,000-file site (BENCH_ONLY=huge; not in the
   * default set): the first deploy (peak RSS), then its no-op redeploy (wall,
   * requests), and the ledger it wrote (bytes, JSON.parse time).
   */
  huge: {
    title: TITLES['huge-first'],
    async run(ctx) {
      const s3 = await ctx.latencyS3()
      const dir = join(ctx.tmp, 'site-huge')
      const t0 = performance.now()
      const info = await writeTree(dir, planSmallFiles({ seed: 100_000, count: LATENCY.hugeFiles }))
      ctx.log(
        `generated ${info.files} files, ${(info.bytes / 1e6).toFixed(1)} MB in ${((performance.now() - t0) / 1000).toFixed(0)} s; latency-s3 on ${s3.endpoint}, ${s3.latencyMs} ms per request`,
      )
      const target = { bucket: 'bench-huge', prefix: '', dir, server: s3 }
      for (let r = 0; r < ctx.options.hugeReps; r++) {
        await s3.reset()
        await s3.createBucket('bench-huge')
        await warm(dir)
        perFile(await ctx.run('huge-first', 'ours', target, r), info.files)
        await warm(dir)
        const noop = await ctx.run('huge-noop', 'ours', target, r)
        const ledger = await ledgerStats(s3, 'bench-huge', '.cdn-deploy/ledger.json')
        Object.assign(noop, ledger)
        ctx.log(`ledger: ${ledger.ledgerBytes} bytes, JSON.parse ${ledger.ledgerParseMs.toFixed(0)} ms (median of 5, in the bench's Node)`)
      }
      if (ctx.options.profile) {
        await warm(dir)
        await profileOurs(ctx, 'huge-noop', target, info.files)
      }
      await s3.reset()
      await rm(dir, { recursive: true, force: true })
    },
  },
}

/** The ledger as the server holds it: its size, and JSON.parse of it (median of 5) in this process. */
async function ledgerStats(s3, bucket, key) {
  const info = await s3.object(bucket, key)
  if (!info) throw new Error(`huge: no ${key} in the bucket after the first deploy`)
  const body = await new Promise((resolve, reject) => {
    const req = request(`${s3.endpoint}/${bucket}/${key}`, { agent: false }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`GET ${key}: ${res.statusCode}`))))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
  const times = []
  for (let i = 0; i < 5; i++) {
    const t = performance.now()
    JSON.parse(body)
    times.push(performance.now() - t)
  }
  return { ledgerBytes: info.size, ledgerParseMs: median(times) }
}

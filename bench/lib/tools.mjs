/**
 * The tools compared, each run as its own process against the same moto server,
 * each with its own defaults (what a user gets), except where noted:
 * - ours: deploy() from dist, default concurrency (128: its flow starts at 16
 *   and grows to it while the store answers, src/flow.ts) and storage settings;
 *   ours-fixed: the same at a fixed concurrency (no flow: the throttle scenario).
 * - base (BENCH_BASE=<another checkout, built>): that checkout's deploy, to compare two versions.
 * - raw: bench/tools/raw-put.mjs at ours' concurrency (128), part size 8 MiB × 4.
 * - cli-npx, cli, cli22 (startup scenario): `npx cdn-deploy deploy`, the bin without npx, the bin under Node 22.
 * - aws: `aws s3 sync` (10 requests in flight, 8 MiB multipart threshold/part).
 * - s3sync: s3-sync-client `sync()` (10 transfers, 5 MiB parts).
 * - rclone: `rclone sync --checksum` (4 transfers, 8 checkers); `--checksum`
 *   compares size + MD5 (ETag) instead of modification times, which is what a CI
 *   deploy of a fresh build needs (its files always have new mtimes), and it keeps
 *   rclone from rewriting every object's mtime metadata on the no-op run.
 *   `.cdn-deploy/**` (our ledger) is excluded so rclone's deletes leave it alone.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { commandExists, toolEnv } from './measure.mjs'

const here = (p) => fileURLToPath(new URL(p, import.meta.url))

export const LABELS = {
  ours: 'ours: deploy()',
  'ours-fixed': 'ours at a fixed concurrency (no flow)',
  base: `base: deploy() of ${process.env.BENCH_BASE ?? 'BENCH_BASE'}`,
  'cli-npx': 'ours: npx cdn-deploy deploy',
  cli: 'ours: node_modules/.bin/cdn-deploy deploy',
  cli22: 'ours: node_modules/.bin/cdn-deploy deploy, Node 22',
  raw: 'raw PUT floor',
  'raw-signed': 'raw PUT, signed + streamed',
  aws: 'aws s3 sync',
  s3sync: 's3-sync-client',
  rclone: 'rclone sync',
  vite: 'vite build (no plugin)',
  'vite+cdn': 'vite build + cdn() (deploy off)',
  'vite+hooks': 'vite build + empty plugin, same hooks (control)',
  fw: 'framework build, plugin removed',
  'fw+cdn': 'framework build + plugin (CDN_DEPLOY=0)',
}

/** Display name of a tool, `ours@8` → `ours: deploy() @ concurrency 8`. */
export function label(tool) {
  const [base, n] = tool.split('@')
  return n ? `${LABELS[base] ?? base} @ concurrency ${n}` : (LABELS[tool] ?? tool)
}

/** BENCH_NODE_FLAGS: Node options for ours' process (e.g. `--max-old-space-size=160`, to see what a capped heap costs). */
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)

/** `t`: { endpoint, bucket, prefix, dir, extra } → { cmd, args, env } */
export const TOOLS = {
  ours: (t) => ({
    cmd: process.execPath,
    args: [
      ...NODE_FLAGS,
      ...(t.nodeFlags ?? []),
      here('../tools/ours.mjs'),
      JSON.stringify({ endpoint: t.endpoint, bucket: t.bucket, prefix: t.prefix, dir: t.dir, ...t.extra }),
    ],
  }),
  'ours-fixed': (t) => TOOLS.ours({ ...t, extra: { storage: { adaptive: false }, ...t.extra } }),
  base: (t) => ({
    cmd: process.execPath,
    args: [
      ...(t.nodeFlags ?? []),
      join(process.env.BENCH_BASE ?? '.', 'bench/tools/ours.mjs'),
      JSON.stringify({ endpoint: t.endpoint, bucket: t.bucket, prefix: t.prefix, dir: t.dir, ...t.extra }),
    ],
  }),
  raw: (t) => ({
    cmd: process.execPath,
    args: [
      here('../tools/raw-put.mjs'),
      JSON.stringify({ endpoint: t.endpoint, bucket: t.bucket, prefix: t.prefix, dir: t.dir, concurrency: 128, ...t.extra }),
    ],
  }),
  // Not the floor: the raw client doing what any real client must (SigV4 signing,
  // streaming each file from disk), to split ours' CPU into duties and overhead.
  'raw-signed': (t) => ({
    cmd: process.execPath,
    args: [
      here('../tools/raw-put.mjs'),
      JSON.stringify({ endpoint: t.endpoint, bucket: t.bucket, prefix: t.prefix, dir: t.dir, concurrency: 128, sign: true, stream: true, ...t.extra }),
    ],
  }),
  aws: (t) => ({
    cmd: 'aws',
    args: ['--endpoint-url', t.endpoint, 's3', 'sync', '--only-show-errors', '--no-progress', t.dir, `s3://${t.bucket}/${t.prefix}`],
  }),
  s3sync: (t) => ({
    cmd: process.execPath,
    args: [here('../tools/s3-sync-client.mjs'), JSON.stringify({ endpoint: t.endpoint, bucket: t.bucket, prefix: t.prefix, dir: t.dir })],
  }),
  rclone: (t) => ({
    cmd: 'rclone',
    args: ['sync', '--checksum', '--exclude', '.cdn-deploy/**', t.dir, `bench:${t.bucket}/${t.prefix}`],
    env: toolEnv({
      RCLONE_CONFIG: '/dev/null',
      RCLONE_CONFIG_BENCH_TYPE: 's3',
      RCLONE_CONFIG_BENCH_PROVIDER: 'Other',
      RCLONE_CONFIG_BENCH_ENDPOINT: t.endpoint,
      RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: 'test',
      RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: 'test',
      RCLONE_CONFIG_BENCH_REGION: 'us-east-1',
      RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: 'true',
    }),
  }),
}

/** Which tools can run here; prints one line per tool that is skipped. */
export async function availableTools(log) {
  const found = { ours: 'dist/index.js', 'ours-fixed': 'dist/index.js', raw: 'node:http', 'raw-signed': 'node:http' }
  if (process.env.BENCH_BASE) found.base = join(process.env.BENCH_BASE, 'dist/index.js')
  const aws = await commandExists('aws')
  if (aws) found.aws = aws
  else log('aws CLI not found on PATH: skipping `aws s3 sync` (install: pip install awscli, or the AWS CLI v2 bundle)')
  const rclone = await commandExists('rclone', ['version'])
  if (rclone) found.rclone = rclone
  else log('rclone not found on PATH: skipping `rclone sync` (install: apt-get install rclone)')
  try {
    await import('s3-sync-client')
    found.s3sync = 's3-sync-client'
  } catch {
    log('s3-sync-client not installed: skipping it (npm ci installs it: it is a devDependency)')
  }
  return found
}

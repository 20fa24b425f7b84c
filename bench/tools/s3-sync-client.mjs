/**
 * s3-sync-client (npm), the Node peer: `sync(localDir, 's3://bucket/prefix')`
 * with its defaults (10 transfers at once, size + mtime comparison) and an
 * SDK client with the SDK's defaults, pointed at the local endpoint.
 *
 * Usage: node s3-sync-client.mjs '<json options>'; prints one JSON line.
 */
import { S3Client } from '@aws-sdk/client-s3'
import { S3SyncClient } from 's3-sync-client'

const o = JSON.parse(process.argv[2])
const started = performance.now()
const client = new S3Client({ endpoint: o.endpoint, region: 'us-east-1', forcePathStyle: true })
const syncClient = new S3SyncClient({ client })
const out = await syncClient.sync(o.dir, `s3://${o.bucket}${o.prefix ? `/${o.prefix.replace(/\/$/, '')}` : ''}`)
client.destroy()
process.stdout.write(
  JSON.stringify({ uploaded: out.created.length + out.updated.length, ms: performance.now() - started, maxRSS: process.resourceUsage().maxRSS * 1024 }) + '\n',
)

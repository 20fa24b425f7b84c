/**
 * A loopback S3 endpoint for measurement only (issue 15): every request is
 * answered `latencyMs` after its body has arrived (30 ms by default, like a real
 * S3 PUT), with no limit on how many are in flight, so what decides a deploy's
 * time against it is how many requests the client keeps in flight and how much
 * CPU each costs, not the server (moto saturates at ~4 in flight).
 *
 * What it keeps, and why (the decision the bench documents):
 * - Bodies only under `.cdn-deploy/` (any prefix): our ledger, lock and journal,
 *   which the deploy protocol reads back (the no-op redeploy is one ledger GET).
 *   Every other body is read to its end, MD5-hashed and dropped.
 * - Metadata of every object (size, MD5 ETag, Content-Type, Cache-Control,
 *   Content-Encoding, `x-amz-meta-*`, time), so HEAD and ListObjects stay
 *   consistent with what was written: rclone HEADs every object after its PUT
 *   and compares the MD5 with the local file (it would report a corrupted
 *   transfer otherwise); aws s3 sync, s3-sync-client and our bootstrap list. A
 *   first deploy goes into a freshly reset bucket, so each tool sees it empty.
 * - A GET of an object whose body was dropped answers 501 with a message saying
 *   so: nothing in these scenarios reads one back, and a tool that did must fail
 *   loudly rather than get made-up bytes.
 *
 * Protocol (path-style addressing only; signatures are not checked):
 * PUT/GET/HEAD/DELETE object (with If-Match / If-None-Match on all four, as S3
 * answers them: 412, 304, 404), CopyObject, multipart (create, upload part,
 * complete, abort, list parts), DeleteObjects, ListObjects V1 and V2 (prefix,
 * delimiter, max-keys, marker / continuation token / start-after, encoding-type
 * url), bucket HEAD / PUT / DELETE / ?location, ListBuckets. `aws-chunked` bodies
 * (the SDKs' streamed checksums) are decoded, so ETags are the MD5 of the object.
 * `throttle(n)`: a request arriving while n are in flight is answered 503
 * SlowDown (the `throttle` scenario: S3 past a prefix's request rate).
 *
 * Layout: latency-s3/server.mjs (the HTTP server and routing), store.mjs
 * (objects, conditions, copies, deletes, listings), xml.mjs (XML and bodies);
 * this file runs it as the bench's child process.
 *
 * Requests are logged (method, path, status) and counted by method for the
 * bench, as moto's log is for the other scenarios: `mark()` / `countBetween()`
 * have the same shape as bench/lib/moto.mjs's.
 *
 * Runs as a child process of the bench (`startLatencyS3`), controlled over the
 * IPC channel, so its CPU and event loop are separate from the bench's own
 * timing; it exits when the channel closes (the bench ended or was killed).
 * Usage as a standalone server: node latency-s3.mjs [latencyMs] [port]
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createLatencyS3 } from './latency-s3/server.mjs'
import { DEFAULT_LATENCY_MS } from './latency-s3/xml.mjs'

/**
 * The server as a child process of the bench, with moto.mjs's interface:
 * { endpoint, pid, mark(), countBetween(a, b), reset(), createBucket(name),
 *   object(bucket, key), stop(), kill(), tail() }. `mark()` returns the log
 * position, the server's CPU time and its TCP connections so far; `countBetween`
 * adds `serverCpuMs` and `connections` (opened between the marks).
 */
export async function startLatencyS3({ latencyMs = DEFAULT_LATENCY_MS } = {}) {
  const child = fork(fileURLToPath(import.meta.url), [String(latencyMs), '0'], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [] })
  let tail = ''
  const keep = (d) => (tail = (tail + d).slice(-4000))
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const pending = new Map()
  let seq = 0
  let ready
  const readyPromise = new Promise((resolve, reject) => {
    ready = resolve
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`latency-s3 exited with ${code} before it listened:\n${tail}`)))
  })
  child.on('message', (m) => {
    if (m.ready) return ready(m.port)
    const p = pending.get(m.id)
    if (!p) return
    pending.delete(m.id)
    if (m.error) p.reject(new Error(`latency-s3: ${m.error}`))
    else p.resolve(m.result)
  })
  child.on('exit', (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`latency-s3 exited (${code ?? signal}):\n${tail}`))
    pending.clear()
  })
  const call = (op, args = {}) =>
    new Promise((resolve, reject) => {
      const id = ++seq
      pending.set(id, { resolve, reject })
      child.send({ id, op, ...args })
    })
  const port = await readyPromise
  return {
    endpoint: `http://127.0.0.1:${port}`,
    pid: child.pid,
    latencyMs,
    mark: () => call('mark'),
    countBetween: async (from, to) => {
      const out = await call('count', { from: from.at, to: to.at })
      out.serverCpuMs = to.cpuMs - from.cpuMs
      out.connections = to.connections - from.connections
      return out
    },
    reset: () => call('reset'),
    createBucket: (name) => call('createBucket', { name }),
    /** Answer 503 SlowDown to requests arriving while `n` are in flight (0: never). */
    throttle: (n) => call('throttle', { n }),
    object: (bucket, key) => call('object', { bucket, key }),
    tail: () => tail,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.disconnect()
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
    kill: () => {
      try {
        child.kill('SIGKILL')
      } catch {}
    },
  }
}

// The child: listen on a free loopback port, answer the bench over IPC.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const latencyMs = Number(process.argv[2] ?? process.env.BENCH_LATENCY_MS ?? DEFAULT_LATENCY_MS)
  const s3 = createLatencyS3({ latencyMs })
  s3.server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', 4096, () => {
    const { port } = s3.server.address()
    if (process.send) process.send({ ready: true, port })
    else console.log(`latency-s3 on http://127.0.0.1:${port}, ${latencyMs} ms per request`)
  })
  if (process.send) {
    const cpuMs = () => {
      const u = process.cpuUsage()
      return (u.user + u.system) / 1000
    }
    process.on('message', (m) => {
      let result
      try {
        if (m.op === 'mark') result = { at: s3.log.length, cpuMs: cpuMs(), connections: s3.stats.connections }
        else if (m.op === 'count') result = s3.countBetween(m.from, m.to)
        else if (m.op === 'reset') s3.reset()
        else if (m.op === 'createBucket') s3.createBucket(m.name)
        else if (m.op === 'throttle') s3.throttle(m.n)
        else if (m.op === 'object') result = s3.objectInfo(m.bucket, m.key)
        else throw new Error(`unknown op ${m.op}`)
        process.send({ id: m.id, result })
      } catch (err) {
        process.send({ id: m.id, error: String(err?.stack ?? err) })
      }
    })
    // The bench ended (or was killed): go too.
    process.on('disconnect', () => process.exit(0))
  }
}

/**
 * moto_server for the benchmark: a child process on a free loopback port, with
 * its request log (werkzeug, one line per request on stderr) read here, so the
 * request counts come from the server itself and not from any client's own
 * bookkeeping. A marker request (`GET /moto-api/?bench-mark=N`) closes a count:
 * once its line is in the log, every request sent before it is too.
 */
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { request } from 'node:http'

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/** One unsigned HTTP request to moto (its own API, bucket creation); moto does not check signatures. */
export function httpCall(endpoint, method, path, body) {
  const url = new URL(path, endpoint)
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: body ? { 'content-length': Buffer.byteLength(body) } : {}, agent: false }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.setTimeout(60_000, () => req.destroy(new Error(`moto: ${method} ${path} timed out`)))
    req.on('error', reject)
    req.end(body)
  })
}

const REQUEST_LINE = /"(GET|PUT|POST|DELETE|HEAD) (\S+) HTTP\/1\.[01]" (\d{3})/

export async function startMoto() {
  const port = await freePort()
  const endpoint = `http://127.0.0.1:${port}`
  // Under a small sh wrapper that ends moto when its stdin closes, so a bench
  // killed outright (SIGKILL) does not leave a server behind; detached, so stop()
  // can also end the whole process group.
  const script = 'command -v moto_server >/dev/null 2>&1 || exit 127; moto_server "$@" & m=$!; read _eof; kill $m 2>/dev/null; wait $m'
  const child = spawn('sh', ['-c', script, 'sh', '-H', '127.0.0.1', '-p', String(port)], { stdio: ['pipe', 'pipe', 'pipe'], detached: true })
  let spawnError
  child.once('error', (e) => (spawnError = e))
  /** Every S3 request line since start (moto-api excluded from counts). */
  const lines = []
  let tail = ''
  let partial = ''
  const onData = (d) => {
    const text = partial + d.toString()
    const parts = text.split('\n')
    partial = parts.pop()
    for (const line of parts) {
      const m = REQUEST_LINE.exec(line)
      if (m) lines.push({ method: m[1], path: m[2], status: Number(m[3]) })
      else tail = (tail + line + '\n').slice(-4000)
    }
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  const exited = new Promise((resolve) => child.once('exit', resolve))

  /** Synchronous last resort (process 'exit' handler): kill the group. */
  const kill = () => {
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {}
  }
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.stdin.end() // the wrapper kills moto and waits for it
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {}
    }, 5000)
    await exited
    clearTimeout(timer)
  }

  const deadline = Date.now() + 30_000
  for (;;) {
    if (spawnError) throw new Error(`moto_server could not start (${spawnError.message})`)
    if (child.exitCode === 127) throw new Error('moto_server not found on PATH: install it with pip install "moto[server]"')
    if (child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode}:\n${tail}`)
    try {
      await httpCall(endpoint, 'GET', '/moto-api/')
      break
    } catch {
      if (Date.now() > deadline) {
        await stop()
        throw new Error(`moto_server did not answer on ${endpoint}:\n${tail}`)
      }
      await new Promise((r) => setTimeout(r, 150))
    }
  }

  let markers = 0
  /** Wait until every request sent so far is in the log; returns the log position. */
  const mark = async () => {
    const id = ++markers
    const path = `/moto-api/?bench-mark=${id}`
    await httpCall(endpoint, 'GET', path)
    const until = Date.now() + 10_000
    for (;;) {
      const at = lines.findLastIndex((l) => l.path === path)
      if (at >= 0) return at
      if (Date.now() > until) throw new Error('moto: request log did not show the marker request')
      await new Promise((r) => setTimeout(r, 20))
    }
  }
  /** S3 requests (moto-api excluded) between two marks, by method. */
  const countBetween = (from, to) => {
    const out = { total: 0, byMethod: {}, requests: [], objectPuts: 0 }
    for (const l of lines.slice(from + 1, to)) {
      if (l.path.startsWith('/moto-api')) continue
      out.total++
      // Objects written: single PUTs (the SDK adds ?x-id=PutObject) and completed
      // multipart uploads; not parts, not the tool's own .cdn-deploy/ state.
      if (
        !l.path.includes('/.cdn-deploy/') &&
        ((l.method === 'PUT' && !l.path.includes('partNumber=')) || (l.method === 'POST' && l.path.includes('uploadId=')))
      )
        out.objectPuts++
      out.byMethod[l.method] = (out.byMethod[l.method] ?? 0) + 1
      if (out.requests.length < 200) out.requests.push(`${l.method} ${l.path} ${l.status}`)
    }
    return out
  }

  return {
    endpoint,
    pid: child.pid,
    /** Wipe every bucket and object (frees moto's memory between runs). */
    reset: async () => {
      const r = await httpCall(endpoint, 'POST', '/moto-api/reset')
      if (r.status !== 200) throw new Error(`moto reset: ${r.status} ${r.body}`)
      lines.length = 0 // the log positions restart too
    },
    createBucket: async (bucket) => {
      const r = await httpCall(endpoint, 'PUT', `/${bucket}`)
      if (r.status !== 200) throw new Error(`moto: create bucket ${bucket}: ${r.status} ${r.body.slice(0, 300)}`)
    },
    mark,
    countBetween,
    /** moto's last non-request output (tracebacks), for error messages. */
    tail: () => tail,
    stop,
    kill,
  }
}

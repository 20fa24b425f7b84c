// A production server for the SSR example, on node:http (no Express needed: the
// runtime only turns the manifest into tags; any server or framework can use it).
//
//   DIST=dist PORT=3000 CDN_BASE=https://other-cdn.example.com node server.js
import { createServer } from 'node:http'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createAssets, escapeAttr, loadManifest } from 'vite-plugin-cdn-deploy/runtime'

const HERE = dirname(fileURLToPath(import.meta.url))

/** The request handler, reading dist/client's cdn-manifest.json and dist/server's render(). */
export async function createHandler({ dist = join(HERE, 'dist'), base } = {}) {
  // Read once at start: a deploy ships a new server with its matching manifest.
  const assets = createAssets(await loadManifest(join(dist, 'client')), { base })
  const { render } = await import(pathToFileURL(join(dist, 'server/entry-server.js')).href)

  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    const page = render(path, { release: assets.release })
    if (!page) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
      res.end('Not found\n')
      return
    }
    const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="cdn-release" content="${escapeAttr(assets.release)}">
<title>${escapeAttr(page.title)} · cdn-deploy SSR example</title>
${assets.preconnect()}
<link rel="icon" href="${escapeAttr(assets.url('favicon.svg'))}" type="image/svg+xml">
${assets.tags(page.entry)}
</head>
<body>
${page.html}
</body>
</html>
`
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' })
    res.end(html)
  }
}

export async function start({ port = 3000, host = '127.0.0.1', ...options } = {}) {
  const server = createServer(await createHandler(options))
  await new Promise((ok) => server.listen(port, host, ok))
  return server
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const server = await start({
    port: Number(process.env.PORT ?? 3000),
    host: process.env.HOST ?? '127.0.0.1',
    dist: process.env.DIST ? resolve(process.env.DIST) : undefined,
    base: process.env.CDN_BASE || undefined,
  })
  const { address, port } = server.address()
  console.log(`SSR example listening on http://${address}:${port}/`)
}

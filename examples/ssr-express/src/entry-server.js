// The server-side half: pure string rendering. The server adds the asset tags for
// the page's client entry from the CDN manifest (see server.js).
import { navHtml } from './shared/nav.js'

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

const ROUTES = {
  '/': {
    entry: 'src/pages/home.js',
    title: 'Home',
    body: () => `<h1>Rendered on the server</h1>
<p>Count: <span id="counter">0</span> <button id="increment">+1</button></p>
<p><button id="clock">Load the clock</button> <span id="time"></span></p>`,
  },
  '/about': {
    entry: 'src/pages/about.js',
    title: 'About',
    body: ({ release }) => `<h1>About</h1>
<p>Scripts and styles come from the CDN, with Subresource Integrity.</p>
<p id="release">Release ${escape(release)}</p>`,
  },
}

/** `null` for an unknown path; otherwise the page's client entry (a manifest key) and its HTML. */
export function render(path, context) {
  const route = ROUTES[path]
  if (!route) return null
  return { entry: route.entry, title: route.title, html: `${navHtml(path)}\n<main>${route.body(context)}</main>` }
}

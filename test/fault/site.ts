/**
 * The fault suite's site: release `v` of a small multi-page site, as a build
 * directory would hold it. Pages reference content-hashed assets (script,
 * module preload, stylesheet, image) and two mutable files (the web manifest,
 * robots.txt). From one release to the next about a third of the page chunks
 * change (and with them their pages), the shared vendor chunk every third
 * release, the stylesheet (and so every page) every fourth; `news/index.html`
 * comes and goes, so retention keeps and prunes files.
 */
import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'

export interface Build {
  /** `v3`: also the release's `--commit`, so the ledger names the build. */
  name: string
  /** Path relative to the output dir → text. */
  files: Record<string, string>
  /** Where it is written. */
  dir: string
}

export const sha256 = (b: string | Uint8Array): string => createHash('sha256').update(b).digest('hex')

const PAGES = ['index.html', 'about/index.html', 'docs/index.html', 'docs/guide/index.html', 'blog/index.html', 'contact.html']
const NEWS = 'news/index.html'

/** `assets/<name>-<8 hex>.<ext>` with a digit and a letter in the hash: what the scan takes for content-hashed. */
function hashed(name: string, ext: string, content: string): { rel: string; bytes: string } {
  for (let salt = 0; ; salt++) {
    const bytes = salt ? `${content}/*${salt}*/\n` : content
    const h = sha256(bytes).slice(0, 8)
    if (/\d/.test(h) && /[a-f]/.test(h)) return { rel: `assets/${name}-${h}.${ext}`, bytes }
  }
}

/** How many times page `i` changed up to release `v`. */
const revision = (i: number, v: number): number => Array.from({ length: v + 1 }, (_, k) => k).filter((k) => (i + k) % 3 === 0).length

/** The files of release `v`. */
export function siteFiles(v: number): Record<string, string> {
  const files: Record<string, string> = {}
  const asset = (name: string, ext: string, content: string): string => {
    const { rel, bytes } = hashed(name, ext, content)
    files[rel] = bytes
    return rel
  }
  const vendor = asset('vendor', 'js', `/* vendor */ export const vendor = ${Math.floor(v / 3)}\n`)
  const style = asset('style', 'css', `body{--rev:${Math.floor(v / 4)}}\n`)
  const logo = asset('logo', 'svg', '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n')
  files['manifest.webmanifest'] = JSON.stringify({ name: 'fault suite', rev: Math.floor(v / 2) })
  files['robots.txt'] = `User-agent: *\n# r${Math.floor(v / 3)}\n`
  const pages = v % 3 === 2 ? PAGES : [...PAGES, NEWS]
  pages.forEach((rel, i) => {
    const rev = revision(i, v)
    const slug = rel.replace(/(\/index)?\.html$/, '').replace(/\//g, '_') || 'home'
    const up = '../'.repeat(rel.split('/').length - 1)
    const chunk = asset(`page_${slug}`, 'js', `import { vendor } from './${vendor.slice('assets/'.length)}'\nexport const page = '${slug}@${rev}' + vendor\n`)
    files[rel] =
      `<!doctype html><html><head><meta charset="utf-8"><title>${slug} r${rev}</title>` +
      `<link rel="stylesheet" href="${up}${style}"><link rel="modulepreload" href="${up}${vendor}">` +
      `<link rel="manifest" href="${up}manifest.webmanifest"><script type="module" src="${up}${chunk}"></script></head>` +
      `<body><img src="${up}${logo}" alt=""><p>${slug}, revision ${rev}</p></body></html>\n`
  })
  return files
}

export async function writeBuild(root: string, v: number): Promise<Build> {
  const name = `v${v}`
  const dir = join(root, 'builds', name)
  const files = siteFiles(v)
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true })
    await writeFile(join(dir, rel), text)
  }
  return { name, files, dir }
}

/** Hashed (immutable) files of the site live under `assets/`; everything else is a page or a mutable file. */
export const isAsset = (rel: string): boolean => rel.startsWith('assets/')

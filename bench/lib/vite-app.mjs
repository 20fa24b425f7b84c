/**
 * A generated Vite app, seeded: `modules` source modules (JS, and one CSS module
 * in twenty) spread over lazy-loaded routes, and `assets` binary assets (above
 * Vite's 4 KiB inline limit, so each is emitted as its own hashed file) imported
 * from JS or referenced from CSS.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fillBytes, mulberry32 } from './gen.mjs'

export async function writeViteApp(root, { seed = 5, modules = 1000, assets = 300, routes = 20 } = {}) {
  const rand = mulberry32(seed)
  await mkdir(join(root, 'src/routes'), { recursive: true })
  await mkdir(join(root, 'src/lib'), { recursive: true })
  await mkdir(join(root, 'src/assets'), { recursive: true })

  const assetNames = []
  for (let i = 0; i < assets; i++) {
    const ext = ['png', 'png', 'png', 'webp', 'woff2', 'jpg'][i % 6]
    const name = `asset${i}.${ext}`
    const size = 5_000 + Math.floor(rand() * 45_000)
    await writeFile(join(root, 'src/assets', name), fillBytes(Buffer.allocUnsafe(size), seed * 1000 + i))
    assetNames.push(name)
  }

  const cssEvery = 20
  const cssCount = Math.floor(modules / cssEvery)
  const jsCount = modules - cssCount
  const words = ['alpha', 'beta', 'gamma', 'delta', 'omega', 'sigma', 'kappa', 'theta', 'lambda', 'zeta']
  const word = () => words[Math.floor(rand() * words.length)]
  let assetAt = 0
  const nextAsset = () => (assetAt < assetNames.length ? assetNames[assetAt++] : undefined)

  // CSS modules: each references up to 2 assets through url().
  const cssFiles = []
  for (let i = 0; i < cssCount; i++) {
    const urls = [nextAsset(), nextAsset()].filter(Boolean)
    const rules = Array.from(
      { length: 30 },
      (_, r) =>
        `.c${i}-${r}-${word()} { color: #${Math.floor(rand() * 0xffffff)
          .toString(16)
          .padStart(6, '0')}; margin: ${r}px; padding: ${r % 7}px ${r % 5}px; }`,
    )
    urls.forEach((u, k) => rules.push(`.bg${i}-${k} { background-image: url("../assets/${u}"); }`))
    const name = `style${i}.css`
    await writeFile(join(root, 'src/lib', name), rules.join('\n') + '\n')
    cssFiles.push(name)
  }

  // JS modules: module i imports two earlier modules of its route (a DAG), maybe a CSS file and an asset.
  const perRoute = Math.ceil(jsCount / routes)
  for (let i = 0; i < jsCount; i++) {
    const route = Math.floor(i / perRoute)
    const first = route * perRoute
    const imports = []
    const uses = []
    for (let k = 0; k < 2 && i > first; k++) {
      const dep = first + Math.floor(rand() * (i - first))
      if (imports.some((l) => l.includes(`./m${dep}.js'`))) continue
      imports.push(`import { f${dep} } from './m${dep}.js'`)
      uses.push(`f${dep}(n + ${k})`)
    }
    if (i % cssEvery === 0 && cssFiles[i / cssEvery]) imports.push(`import './${cssFiles[i / cssEvery]}'`)
    const asset = i % 3 === 0 ? nextAsset() : undefined
    if (asset) {
      imports.push(`import a${i} from '../assets/${asset}'`)
      uses.push(`a${i}.length`)
    }
    const body = Array.from(
      { length: 12 },
      (_, l) => `  const v${l} = '${word()}-${i}-${l}'.repeat(${1 + (l % 3)}) + String(n * ${l + 1})\n  acc.push(v${l}.length > ${l} ? v${l} : '${word()}')`,
    ).join('\n')
    const code = `${imports.join('\n')}
export function f${i}(n) {
  const acc = []
${body}
  return acc.join('|').length + ${uses.length ? uses.join(' + ') : 0}
}
export const name${i} = '${word()}-${word()}-${i}'
`
    await writeFile(join(root, 'src/lib', `m${i}.js`), code)
  }
  for (let r = 0; r < routes; r++) {
    const last = Math.min(jsCount, (r + 1) * perRoute) - 1
    const lines = []
    for (let i = r * perRoute; i <= last; i++) lines.push(`import { f${i} } from '../lib/m${i}.js'`)
    lines.push(
      `export default function route${r}(n) { return ${Array.from({ length: last - r * perRoute + 1 }, (_, k) => `f${r * perRoute + k}(n)`).join(' + ')} }`,
    )
    await writeFile(join(root, 'src/routes', `route${r}.js`), lines.join('\n') + '\n')
  }
  // Any assets left over are imported by the entry.
  const rest = assetNames.slice(assetAt)
  const main = [
    ...rest.map((a, k) => `import rest${k} from './assets/${a}'`),
    `const routes = [${Array.from({ length: routes }, (_, r) => `() => import('./routes/route${r}.js')`).join(', ')}]`,
    `export const assets = [${rest.map((_, k) => `rest${k}`).join(', ')}]`,
    `const pick = Number(location.hash.slice(1)) || 0`,
    `routes[pick % routes.length]().then((m) => { document.body.textContent = String(m.default(pick)) })`,
  ]
  await writeFile(join(root, 'src/main.js'), main.join('\n') + '\n')
  await writeFile(
    join(root, 'index.html'),
    `<!doctype html>\n<html><head><meta charset="utf-8"><title>bench</title></head>\n<body><script type="module" src="/src/main.js"></script></body></html>\n`,
  )
  return { modules: jsCount + cssCount, js: jsCount, css: cssCount, assets: assetNames.length, routes }
}

// A plain Rollup app: no Vite. The plugin hashes the entry name, minifies with
// terser and lightningcss, and points file URLs at the CDN.
import stylesUrl from './styles.css'

export function mountStyles(doc = document) {
  const link = doc.createElement('link')
  link.rel = 'stylesheet'
  link.href = stylesUrl
  doc.head.append(link)
}

export async function loadReport() {
  // A separate chunk, loaded relative to this one (both on the CDN).
  const { renderReport } = await import('./report.js')
  return renderReport({ title: 'Deploy report', items: ['uploaded', 'skipped', 'invalidated'] })
}

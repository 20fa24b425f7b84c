/**
 * A minimal Rollup plugin: `import url from './x.css'` emits the stylesheet as an
 * asset and gives back its URL. Stands in for whatever CSS pipeline a Rollup
 * project has; the CDN plugin minifies the emitted CSS and makes the URL absolute.
 */
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'

export default function cssAsset() {
  return {
    name: 'css-asset',
    async load(id) {
      if (!id.endsWith('.css')) return null
      const ref = this.emitFile({ type: 'asset', name: basename(id), source: await readFile(id, 'utf8') })
      return `export default import.meta.ROLLUP_FILE_URL_${ref};`
    },
  }
}

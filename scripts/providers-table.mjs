// Rewrites the providers table in docs/providers.md from the built provider
// definitions (src/providers/*.ts via dist/): `npm run docs:providers`.
import { readFile, writeFile } from 'node:fs/promises'
import { providerTable } from '../dist/providers/lookup.js'

const file = new URL('../docs/providers.md', import.meta.url)
const text = await readFile(file, 'utf8')
const start = text.indexOf('<!-- providers-table')
const end = text.indexOf('<!-- /providers-table -->')
if (start === -1 || end === -1) throw new Error('docs/providers.md: the providers-table markers are missing')
const head = text.indexOf('\n', start) + 1
await writeFile(file, `${text.slice(0, head)}${providerTable()}\n${text.slice(end)}`)
console.log('docs/providers.md: providers table written')

// A typed rollup.config.ts in a project that also has Vite 8 installed (its
// Plugin type comes from Rolldown): cdn() must fit Rollup's `plugins` as documented.
import { defineConfig, type RollupOptions } from 'rollup'
import cdn, { defineCdnConfig } from 'vite-plugin-cdn-deploy'

export const cdnConfig = defineCdnConfig({ domain: 'https://cdn.example.com', prefix: 'app/', storage: { bucket: 'assets' } })

const config: RollupOptions = {
  input: 'src/main.js',
  output: { dir: 'dist', format: 'es', sourcemap: true },
  plugins: [cdn()],
}

export const alone: RollupOptions = { input: 'src/main.js', plugins: cdn({ deploy: false }) }
export const defined = defineConfig({ input: 'src/main.js', plugins: [{ name: 'other' }, cdn({ prefix: 'app/' })] })
export default config

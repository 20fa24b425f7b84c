// A vite.config.ts on Vite 8 (the `vite` devDependency), in the forms the README shows.
import { defineConfig, type Plugin, type PluginOption } from 'vite'
import cdn, { cdn as named, type CdnPlugins } from 'vite-plugin-cdn-deploy'

const plugins: CdnPlugins = named({ prefix: 'app/', deploy: false })
export const hooks: Plugin[] = plugins
export const option: PluginOption = cdn()

export default defineConfig({
  build: { sourcemap: true },
  plugins: [cdn(), ...plugins],
})

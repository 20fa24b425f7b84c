// A vite.config.ts on Vite 7 (`vite7`, an npm alias, mapped to 'vite' by this tsconfig's `paths`).
import { defineConfig, type Plugin } from 'vite'
import cdn from 'vite-plugin-cdn-deploy'

export const hooks: Plugin[] = cdn({ deploy: false })

export default defineConfig({
  plugins: [cdn({ prefix: 'app/' })],
})

import { defineConfig } from 'vite'
import cdn from 'vite-plugin-cdn-deploy'

// Reads ./cdn.config.ts; `vite build --mode staging` picks its staging overrides.
export default defineConfig({
  plugins: [cdn()],
})

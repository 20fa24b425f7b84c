import { defineConfig } from 'vite'
import cdn from 'vite-plugin-cdn-deploy'

// Flask renders the HTML; Vite builds only the scripts and styles the templates
// name by their source path (`cdn_entry_tags('frontend/main.js')`).
export default defineConfig({
  plugins: [cdn()],
  build: {
    outDir: 'dist',
    rollupOptions: { input: ['frontend/main.js', 'frontend/admin.js'] },
  },
})

import { defineConfig } from 'vite'
import cdn from 'vite-plugin-cdn-deploy'

// Django renders the HTML; Vite builds only the scripts and styles the templates
// name by their source path (`{% cdn_entry_tags 'src/main.ts' %}`).
export default defineConfig({
  plugins: [cdn()],
  build: {
    outDir: 'dist',
    rollupOptions: { input: ['src/main.ts', 'src/admin.ts'] },
  },
})

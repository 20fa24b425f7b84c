import { defineConfig } from 'vite'
import cdn from 'vite-plugin-cdn-deploy'

// Two builds, as in Vite's SSR guide:
//   vite build                            → dist/client (+ dist/client/.vite/cdn-manifest.json)
//   vite build --ssr src/entry-server.js  → dist/server (the plugin stays out of SSR builds)
export default defineConfig(({ isSsrBuild }) => ({
  plugins: [cdn()],
  build: isSsrBuild
    ? { outDir: 'dist/server' }
    : {
        outDir: 'dist/client',
        // One client entry per page; the server decides which one a page needs.
        rollupOptions: { input: ['src/pages/home.js', 'src/pages/about.js'] },
      },
}))

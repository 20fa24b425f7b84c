import cdn from 'vite-plugin-cdn-deploy'
import cssAsset from './css-asset.mjs'

// Run from this directory: the plugin reads ./cdn.config.ts (CDN_ENV picks an environment).
export default {
  input: 'src/main.js',
  output: { dir: 'dist', format: 'es', sourcemap: true },
  plugins: [cssAsset(), cdn()],
}

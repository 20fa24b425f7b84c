import { defineCdnConfig } from 'vite-plugin-cdn-deploy'

export default defineCdnConfig({
  domain: 'https://cdn.example.com',
  prefix: 'flask/',
  storage: { bucket: 'example-assets', region: 'eu-west-1' },
  // Set to true (or drop it) to upload on `vite build`; the example only builds.
  deploy: false,
})

import { defineCdnConfig } from 'vite-plugin-cdn-deploy'

export default defineCdnConfig({
  domain: 'https://cdn.example.com',
  prefix: 'django/',
  storage: { bucket: 'example-assets', region: 'eu-west-1' },
  // public/logo.svg is also emitted as assets/logo-<hash>.svg (immutable); the
  // manifest's "public" map lets `{% cdn_asset_url 'logo.svg' %}` find it.
  hashPublic: true,
  // Set to true (or drop it) to upload on `vite build`; the example only builds.
  deploy: false,
})

import { defineCdnConfig } from 'vite-plugin-cdn-deploy'

export default defineCdnConfig({
  domain: 'https://cdn.example.com',
  prefix: 'widgets/',
  storage: { bucket: 'example-assets', region: 'eu-west-1' },
  deploy: false,
})

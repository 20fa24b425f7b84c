import { defineCdnConfig } from 'vite-plugin-cdn-deploy'

export default defineCdnConfig({
  domain: 'https://cdn.example.com',
  prefix: 'basic/',
  storage: { bucket: 'example-assets', region: 'eu-west-1' },
  // The demo and the tests point these at a local S3 server through env vars.
  deploy: false,
  environments: {
    staging: { domain: 'https://cdn-staging.example.com' },
  },
})

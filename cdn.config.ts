/**
 * The example config the README walks through. Copy it next to your
 * vite.config.ts and change the values; every option is documented in docs/configuration.md.
 * Secrets never go here: AWS credentials come from the AWS credential chain,
 * the Cloudflare token from CLOUDFLARE_API_TOKEN.
 */
import { defineCdnConfig } from 'vite-plugin-cdn-deploy'

export default defineCdnConfig({
  // Public base URL. No path here, so the prefix is appended: https://cdn.example.com/app/
  domain: 'https://cdn.example.com',
  prefix: 'app/',
  storage: { bucket: 'example-assets', region: 'eu-west-1' },
  provider: { type: 'cloudfront', distributionId: 'E2EXAMPLE' },
  // First match wins, before the defaults (hashed: 1 year immutable; HTML: revalidate).
  cacheControl: {
    'data/**/*.json': 'public, max-age=60, stale-while-revalidate=600',
  },
  environments: {
    // vite build --mode staging
    staging: {
      domain: 'https://cdn-staging.example.com',
      storage: { bucket: 'example-assets-staging' },
      provider: { type: 'cloudfront', distributionId: 'E2STAGING' },
    },
  },
})

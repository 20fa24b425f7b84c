/**
 * `provider: { type: 'none' }`: upload only. It has no adapter to load
 * (`loadProvider` returns undefined); the plan and report say so in these words.
 */
import { defineProvider } from './types.js'

/** Only upload; nothing is purged (for buckets served directly, or CDNs that revalidate). */
export interface NoProviderOptions {
  type: 'none'
}

export const NONE_SUMMARY = 'provider "none": nothing will be purged (files are only uploaded; mutable URLs refresh when their Cache-Control expires)'

export default defineProvider<NoProviderOptions, NoProviderOptions>({
  type: 'none',
  title: 'nothing (upload only)',
  options: {},
  resolve: () => ({ type: 'none' }),
  describe: () => 'none',
})

/**
 * `provider: { type: 'none' }`: upload only. There is no adapter to load
 * (`loadProvider` returns undefined); the plan and report say so in these words.
 */
export const NONE_SUMMARY = 'provider "none": nothing will be purged (files are only uploaded; mutable URLs refresh when their Cache-Control expires)'

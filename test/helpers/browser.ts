/**
 * Chromium for the browser tests: Debian's (`apt-get install -y chromium`, as
 * .ci/run does), driven by playwright-core, with the flags the guide gives and
 * nothing that reaches another address (no updates, sync or QUIC).
 */
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

/** Chrome's error for a lazy chunk that did not load (what reloadOnChunkError answers). */
export const FETCH_FAILED = 'Failed to fetch dynamically imported module'

/** A headless Chromium; fails loudly, with the fix, when there is none. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (Debian), or set CHROMIUM_PATH`)
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS })
}

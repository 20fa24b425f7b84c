/**
 * The Vite majors the plugin supports: 5 (VitePress 1.6 ships it) to 8. Vite
 * says its version in plugin contexts from Vite 7 on (`this.meta.viteVersion`);
 * an older one that says nothing is within range (Vite 5 and 6 run the legacy
 * hooks), anything outside it is refused before the build does any work.
 */
import { CdnDeployError } from '../errors.js'

export const VITE_RANGE = { min: 5, max: 8 } as const

export function checkViteVersion(version: string | undefined): void {
  if (!version) return
  const major = Number(version.split('.')[0])
  if (major >= VITE_RANGE.min && major <= VITE_RANGE.max) return
  throw new CdnDeployError(
    'vite',
    `Vite ${version} is not supported: vite-plugin-cdn-deploy works with Vite ${VITE_RANGE.min} to ${VITE_RANGE.max} (upgrade the plugin, or pin vite to a supported major)`,
  )
}

/** VitePress under `cdn()`: detection lands with its adapter. */
import type { Plugin } from 'vite'
import type { ViteFramework } from './vite.js'

/** VitePress, when its plugins are in the build. */
export function vitePress(_plugins: Plugin[]): ViteFramework | undefined {
  return undefined
}

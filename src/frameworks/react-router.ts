/** React Router framework mode under `cdn()`: detection lands with its adapter. */
import type { Plugin } from 'vite'
import type { ViteFramework } from './vite.js'

/** React Router, when its plugins are in the build. */
export function reactRouter(_plugins: Plugin[]): ViteFramework | undefined {
  return undefined
}

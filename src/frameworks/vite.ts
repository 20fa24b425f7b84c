/**
 * The frameworks the Vite plugin knows, found from the user's Vite plugins, and
 * what each changes: who sets the URL options (the framework's own, never Vite's
 * `base` behind its back), where the final output is, and who deploys it.
 * The engine below (src/deploy/) does not know frameworks exist.
 */
import type { Plugin, PluginOption, UserConfig } from 'vite'
import type { ViteFramework } from './types.js'
import { reactRouter } from './react-router.js'
import { svelteKit } from './sveltekit.js'
import { vitePress } from './vitepress.js'

const integrationOnly = (name: string, hint: string): ViteFramework => ({ name, deploys: 'integration', hint })

/**
 * Frameworks whose final output is written after (or outside) the Vite build the
 * plugin sees — an SSG step, a second build, a server bundler — and that have
 * no integration here: deploying from Vite would ship an incomplete site, so
 * the plugin says how to deploy instead. By their plugins' name prefixes.
 */
const LATER_WRITERS: ReadonlyArray<[prefix: string, name: string]> = [
  ['vite-plugin-qwik', 'Qwik'],
  ['vike:', 'Vike'],
  ['vite-plugin-ssr:', 'vite-plugin-ssr'],
  ['solid-start', 'SolidStart'],
  ['tanstack-start', 'TanStack Start'],
  ['@analogjs/', 'Analog'],
  ['remix', 'Remix'],
  ['waku', 'Waku'],
  ['rwsdk', 'RedwoodSDK'],
  ['storybook:', 'Storybook'],
]

/**
 * The user's plugins, flattened: Vite accepts nested arrays, falsy holes and
 * promises (SvelteKit's `sveltekit()` is one), and the `config` hook sees them raw.
 */
export async function flattenPlugins(plugins: PluginOption | PluginOption[] | undefined): Promise<Plugin[]> {
  const out: Plugin[] = []
  const walk = async (option: unknown): Promise<void> => {
    const value = await option
    if (Array.isArray(value)) for (const item of value) await walk(item)
    else if (value && typeof value === 'object' && typeof (value as Plugin).name === 'string') out.push(value as Plugin)
  }
  await walk(plugins)
  return out
}

/** The framework in charge of this build, from its plugins. */
export async function detectFramework(user: UserConfig): Promise<ViteFramework | undefined> {
  const plugins = await flattenPlugins(user.plugins)
  const find = (test: (name: string) => boolean) => plugins.find((p) => test(p.name))
  if (find((n) => n.startsWith('astro:')))
    return integrationOnly('Astro', "add `integrations: [cdnDeploy()]` (import cdnDeploy from 'vite-plugin-cdn-deploy/astro') instead of cdn() in vite.plugins")
  if (find((n) => n.startsWith('nuxt:')))
    return integrationOnly('Nuxt', "add `modules: ['vite-plugin-cdn-deploy/nuxt']` to nuxt.config instead of cdn() in vite.plugins")
  const later = LATER_WRITERS.find(([prefix]) => find((n) => n.startsWith(prefix)))
  if (later)
    return integrationOnly(
      later[1],
      `it writes its output after this Vite build and sets its own URLs: point its base (or asset prefix) option at the CDN yourself, and deploy the final output when the build is done: npx cdn-deploy deploy <its output dir>`,
    )
  const kit = find((n) => n === 'vite-plugin-sveltekit-setup')
  if (kit) return svelteKit(kit)
  return reactRouter(plugins) ?? vitePress(plugins)
}

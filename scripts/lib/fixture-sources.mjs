/**
 * A framework fixture's sources, copied for a build of its own (the framework
 * tests and `npm run bench` both build copies): no installed dependencies (the
 * caller links them) and no earlier build output of any of the frameworks.
 */
import { cp } from 'node:fs/promises'

const OUTPUT = /(^|\/)(node_modules|\.svelte-kit|\.nuxt|\.output|\.astro|\.react-router|\.vitepress\/(dist|cache))$|^(dist|build)$/

/** Copy `source` to `dir`, leaving out node_modules and build output. */
export async function copyFixtureSources(source, dir) {
  await cp(source, dir, {
    recursive: true,
    filter: (src) =>
      !OUTPUT.test(
        src
          .slice(source.length + 1)
          .split('\\')
          .join('/'),
      ),
  })
}

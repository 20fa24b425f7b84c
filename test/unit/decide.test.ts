import { describe, expect, it } from 'vitest'
import { decideDeploy, type DeployFacts } from '../../src/vite/decide.js'

const plain: DeployFacts = {
  trigger: 'buildApp',
  deploy: true,
  watchMode: false,
  rollup: false,
  viteMajor: 8,
  appBuild: true,
  clientBuilds: 1,
  outDir: '/app/dist',
  laterBuildApp: [],
}
const legacy = (over: Partial<DeployFacts>): DeployFacts => ({ ...plain, trigger: 'closeBundle', viteMajor: undefined, appBuild: false, ...over })
const kit = { name: 'SvelteKit', deploys: 'buildApp' as const }
const vitepress = { name: 'VitePress', deploys: 'self' as const }
const astro = { name: 'Astro', deploys: 'integration' as const, hint: 'use the integration' }

describe('decideDeploy', () => {
  it.each<[string, DeployFacts, boolean, RegExp | undefined]>([
    ['`vite build` on Vite 7+: at the end of buildApp', plain, true, undefined],
    ['…and not at the client closeBundle before it', { ...plain, trigger: 'closeBundle' }, false, undefined],
    ['Vite 5/6 `vite build`: at the client closeBundle', legacy({}), true, undefined],
    ['plain Rollup: at closeBundle', legacy({ rollup: true }), true, undefined],
    ['Vite 7+ through build(): a framework or script may write more', legacy({ viteMajor: 8 }), false, /build\(\) API.*npx cdn-deploy deploy \/app\/dist/],
    ['deploy: false', { ...plain, deploy: false }, false, /deploy: false/],
    ['watch mode', { ...plain, watchMode: true }, false, /watch mode/],
    ['a server build only', { ...plain, clientBuilds: 0 }, false, /no client build/],
    ['two client environments', { ...plain, clientBuilds: 2 }, false, /2 client environments/],
    [
      'an unknown plugin still builds after ours',
      { ...plain, laterBuildApp: ['nitro:main'] },
      false,
      /nitro:main still builds after this point.*npx cdn-deploy deploy/,
    ],
    ['SvelteKit: after its adapter, at the end of buildApp', { ...plain, framework: kit }, true, undefined],
    ['VitePress deploys from its buildEnd', legacy({ framework: vitepress }), false, undefined],
    ['VitePress: not from buildApp either', { ...plain, framework: vitepress }, false, undefined],
    ['Astro without the integration: says what to add', { ...plain, framework: astro }, false, /under Astro: use the integration/],
    [
      'a whole site whose build also made a server bundle (an SSG may follow)',
      { ...plain, serverBuilds: 1 },
      false,
      /server bundle.*npx cdn-deploy deploy \/app\/dist.*htmlAtOrigin/,
    ],
    ['…with htmlAtOrigin the server renders the pages: assets are final', { ...plain, serverBuilds: 1, htmlAtOrigin: true }, true, undefined],
    ['…and a framework the plugin knows decides for itself', { ...plain, serverBuilds: 1, framework: kit }, true, undefined],
  ])('%s', (_name, facts, deploy, why) => {
    const decision = decideDeploy(facts)
    expect(decision.deploy).toBe(deploy)
    if (why) expect(decision.deploy ? undefined : decision.why).toMatch(why)
    else if (!decision.deploy) expect(decision.why).toBeUndefined()
  })
})

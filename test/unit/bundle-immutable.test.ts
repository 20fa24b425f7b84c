import { describe, expect, it } from 'vitest'
import { isImmutableOutput, type Bundle, type HashedPatterns } from '../../src/vite/bundle.js'
import { hashedNames } from '../../src/vite/names.js'

const chunk = (fileName: string, over: Record<string, unknown> = {}) =>
  ({
    type: 'chunk',
    fileName,
    code: '',
    name: fileName.replace(/^.*\/|\..*$/g, ''),
    isEntry: false,
    isDynamicEntry: false,
    facadeModuleId: null,
    imports: [],
    dynamicImports: [],
    ...over,
  }) as Bundle[string]
const asset = (fileName: string, names: string[] = ['x.svg']) => ({ type: 'asset', fileName, source: '', names }) as Bundle[string]

// VitePress names its chunks with a function; the hash it puts there can be any 8 characters (`CFJITHvJ`: no digit, one lower case letter).
const vitePressChunks = (c: { name: string }) => (c.name === 'framework' ? 'assets/chunks/framework.[hash].js' : 'assets/chunks/[name].[hash].js')
const fixedChunks = () => 'chunks/[name].js'
const throws = () => {
  throw new Error('not for a second call')
}
const patterns = (over: Partial<HashedPatterns>): HashedPatterns => ({ entry: true, chunk: true, asset: true, ...over })

describe('isImmutableOutput', () => {
  it.each<[string, Bundle[string], HashedPatterns, boolean]>([
    ['a chunk from a string pattern with [hash]', chunk('assets/a-x.js'), patterns({}), true],
    [
      'a chunk from a function pattern with [hash], whatever its hash looks like',
      chunk('assets/chunks/framework.CFJITHvJ.js'),
      patterns({ chunk: vitePressChunks }),
      true,
    ],
    ['a chunk from a function pattern without [hash], even if the name looks hashed', chunk('chunks/Cr6vbMQs.js'), patterns({ chunk: fixedChunks }), false],
    ['a function pattern that throws: judged by name (hashed)', chunk('assets/a-Cr6vbMQs.js'), patterns({ chunk: throws }), true],
    ['a function pattern that throws: judged by name (not hashed)', chunk('assets/framework.js'), patterns({ chunk: throws }), false],
    ['an entry uses the entry pattern', chunk('app.js', { isEntry: true }), patterns({ entry: false, chunk: true }), false],
    ['an asset from a function pattern with [hash]', asset('img/logo.CFJITHvJ.svg'), patterns({ asset: () => 'img/[name].[hash][extname]' }), true],
    ['an asset emitted with a fixed fileName (no names): by name', asset('robots.txt', []), patterns({}), false],
    ['HTML never', asset('index.html'), patterns({}), false],
  ])('%s', (_, output, p, expected) => {
    expect(isImmutableOutput(output, { [output.fileName]: output }, p)).toBe(expected)
  })

  it('a source map follows the file it maps', () => {
    const js = chunk('assets/chunks/framework.CFJITHvJ.js')
    const map = asset('assets/chunks/framework.CFJITHvJ.js.map', [])
    const bundle = { [js.fileName]: js, [map.fileName]: map }
    expect(isImmutableOutput(map, bundle, patterns({ chunk: vitePressChunks }))).toBe(true)
    expect(isImmutableOutput(map, bundle, patterns({ chunk: fixedChunks }))).toBe(false)
  })
})

describe('hashedNames', () => {
  it.each<[string, Record<string, unknown>, boolean, Partial<HashedPatterns>, Record<string, string>]>([
    ['Vite defaults: nothing to change', {}, true, { entry: true, chunk: true, asset: true }, {}],
    ['Rollup defaults: the entry gets a hash', {}, false, { entry: true }, { entryFileNames: '[name]-[hash].js' }],
    ['a function pattern is kept, to be asked per file', { chunkFileNames: vitePressChunks }, true, { chunk: vitePressChunks }, {}],
    [
      'a string pattern without [hash] gets one',
      { assetFileNames: 'a/[name][extname]' },
      true,
      { asset: true },
      { assetFileNames: 'a/[name]-[hash][extname]' },
    ],
  ])('%s', (_, output, isVite, want, changed) => {
    const result = hashedNames(output, isVite)
    expect(result.patterns).toMatchObject(want)
    expect(result.changed).toEqual(changed)
  })
})

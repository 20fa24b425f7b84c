/**
 * include / exclude as tables: which paths of the output directory ship, dot
 * files explicit, and which owned keys (brotli siblings following their source)
 * the globs leave out.
 */
import { describe, expect, it } from 'vitest'
import { compileFilter, filteredOut, type FileFilterOptions } from '../../src/plan/filter.js'

describe('compileFilter', () => {
  // [options, rel, ships]
  const cases: Array<[FileFilterOptions, string, boolean]> = [
    // No options: everything, dot files too (what the scan always did).
    [{}, 'index.html', true],
    [{}, '.well-known/security.txt', true],
    [{}, 'assets/.DS_Store', true],
    // exclude
    [{ exclude: ['**/*.map'] }, 'assets/index-Ab12Cd34.js.map', false],
    [{ exclude: ['**/*.map'] }, 'index-Ab12Cd34.js.map', false],
    [{ exclude: ['**/*.map'] }, 'assets/index-Ab12Cd34.js', true],
    [{ exclude: ['*.map'] }, 'assets/a.js.map', true], // `*` stays in its folder
    [{ exclude: ['**/*.map'] }, '.hidden/a.js.map', true], // a dot folder must be named
    [{ exclude: ['**/.DS_Store'] }, '.DS_Store', false],
    [{ exclude: ['**/.DS_Store'] }, 'assets/img/.DS_Store', false],
    [{ exclude: ['**/.*'] }, 'assets/.env', false],
    [{ exclude: ['./drafts/**'] }, 'drafts/a.html', false], // `./` is the output directory
    // include: dot files only when named
    [{ include: ['**'] }, 'index.html', true],
    [{ include: ['**'] }, '.well-known/security.txt', false],
    [{ include: ['**'] }, 'a/.DS_Store', false],
    [{ include: ['**', '.well-known/**'] }, '.well-known/security.txt', true],
    [{ include: ['assets/**', '*.html'] }, 'robots.txt', false],
    [{ include: ['assets/**', '*.html'] }, 'assets/x/y.css', true],
    // both: exclude wins
    [{ include: ['assets/**'], exclude: ['**/*.map'] }, 'assets/a.js.map', false],
    [{ include: ['assets/**'], exclude: ['**/*.map'] }, 'assets/a.js', true],
  ]
  it.each(cases)('%j: %s ships → %s', (options, rel, ships) => {
    expect(compileFilter(options)(rel)).toBe(ships)
  })
})

describe('filteredOut: owned keys', () => {
  const ships = compileFilter({ exclude: ['**/*.map'] })
  it.each([
    ['assets/a.js.map', undefined, true],
    ['assets/a.js.map.br', 'br', true], // our brotli sibling of an excluded map
    ['assets/a.js.map.br', undefined, false], // a file the build emitted itself, not a map
    ['assets/a.js.br', 'br', false],
    ['assets/a.js', undefined, false],
  ])('%s (Content-Encoding %s) → %s', (rel, encoding, out) => {
    expect(filteredOut(ships, rel, encoding)).toBe(out)
  })
})

/**
 * Which files of the output directory ship, pure: `include` and `exclude` globs
 * (picomatch), matched against the path relative to the output directory.
 *
 * Dot files are explicit: a glob matches a name that starts with `.` (a file
 * such as `.DS_Store`, or any file under a folder such as `.well-known/`) only
 * when that segment is written with its dot: `**` and `**\/*.map` do not reach
 * `.well-known/x.map`; `.well-known/**`, `**\/.DS_Store` and `**\/.*` do. With no
 * `include` at all, every file ships, dot files too (as before these options).
 */
import picomatch from 'picomatch'

export interface FileFilterOptions {
  /** Only files matching one of these ship. @default undefined (every file, dot files too) */
  include?: readonly string[] | undefined
  /** Files matching one of these never ship (nor are they deleted because of it). @default [] */
  exclude?: readonly string[] | undefined
}

/** `(rel) => true` when the file ships. */
export type FileFilter = (rel: string) => boolean

/** picomatch with dot files explicit; `./x` is the same as `x`. */
const compile = (globs: readonly string[]) =>
  picomatch(
    globs.map((g) => g.replace(/^\.\//, '')),
    { dot: false },
  )

export function compileFilter(options: FileFilterOptions = {}): FileFilter {
  const include = options.include ? compile(options.include) : undefined
  const exclude = options.exclude?.length ? compile(options.exclude) : undefined
  if (!include && !exclude) return () => true
  return (rel) => (!include || include(rel)) && !exclude?.(rel)
}

/**
 * A key the ledger owns that the filter leaves out. A brotli sibling (`x.js.br`,
 * stored `Content-Encoding: br`) follows its source: excluding `**\/*.map` also
 * leaves out `a.js.map.br`.
 */
export function filteredOut(ships: FileFilter, rel: string, contentEncoding: string | undefined): boolean {
  if (!ships(rel)) return true
  return contentEncoding === 'br' && rel.endsWith('.br') && !ships(rel.slice(0, -3))
}

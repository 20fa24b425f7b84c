/**
 * The Node fallback of `loadManifest(path)`, used only when no `readFile` is given.
 * The specifier is a variable and the import is marked ignored, so bundlers for
 * edge runtimes (Workers, Deno, Vercel Edge) leave it alone instead of failing on
 * `node:fs`; where it cannot load, the caller gets an error that says what to pass.
 * Types are declared here so this file needs no @types/node.
 */
export type ReadFile = (path: string | URL) => Promise<string>

const NODE_FS = 'node:fs/promises'

export async function nodeReadFile(): Promise<ReadFile | undefined> {
  try {
    const fs = (await import(/* @vite-ignore */ /* webpackIgnore: true */ NODE_FS)) as {
      readFile(path: string | URL, encoding: 'utf8'): Promise<string>
    }
    return typeof fs.readFile === 'function' ? (path) => fs.readFile(path, 'utf8') : undefined
  } catch {
    return undefined
  }
}

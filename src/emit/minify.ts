/**
 * Minification of what the bundler left raw: terser for JS, lightningcss for CSS.
 * Both are loaded lazily, so a Vite user (whose own minifier stays in charge)
 * never pays for them.
 */
import { CdnDeployError } from '../errors.js'

/**
 * Already minified? Minifying twice wastes time and can undo a bundler's choices,
 * so text that is mostly very long lines is left alone.
 */
export function looksMinified(code: string): boolean {
  if (code.length < 200) return !code.includes('\n  ')
  const lines = code.split('\n').filter((line) => line.trim()).length
  return code.length / Math.max(lines, 1) > 300
}

export interface MinifiedJs {
  code: string
  map?: string
}

export async function minifyJs(code: string, fileName: string, options: { module: boolean; sourcemap: boolean }): Promise<MinifiedJs> {
  const { minify } = await import('terser')
  try {
    const result = await minify(code, {
      module: options.module,
      ecma: 2020,
      sourceMap: options.sourcemap ? { filename: fileName } : false,
      format: { comments: /^!|@license|@preserve/ },
    })
    const map = typeof result.map === 'string' ? result.map : undefined
    return map === undefined ? { code: result.code ?? code } : { code: result.code ?? code, map }
  } catch (error) {
    throw new CdnDeployError('build', `terser could not minify ${fileName}: ${(error as Error).message}`, { cause: error })
  }
}

export async function minifyCss(code: string, fileName: string): Promise<string> {
  const { transform } = await import('lightningcss')
  try {
    const result = transform({ filename: fileName, code: Buffer.from(code), minify: true })
    return Buffer.from(result.code).toString('utf8')
  } catch (error) {
    throw new CdnDeployError('build', `lightningcss could not minify ${fileName}: ${(error as Error).message}`, { cause: error })
  }
}

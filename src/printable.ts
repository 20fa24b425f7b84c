/**
 * Text for a terminal: control characters (a file name may carry an escape
 * sequence that recolours or rewrites the terminal) are shown as `\xNN`, except
 * newlines and tabs. Used on everything the CLI prints and on progress lines.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

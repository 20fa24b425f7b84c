/** HTML rendering for the runtime: attribute escaping and tags, pure strings. */

const ESCAPES: Record<string, string> = { '&': '&amp;', '"': '&quot;', "'": '&#39;', '<': '&lt;', '>': '&gt;' }

/** Escape a value for a double-quoted attribute (and for text, should it end up there). */
export function escapeAttr(value: string): string {
  return value.replace(/[&"'<>]/g, (c) => ESCAPES[c]!)
}

/** Attribute names are ours, never user input; values are escaped. `true` renders a bare attribute. */
export type Attrs = Record<string, string | true | false | undefined>

export function renderAttrs(attrs: Attrs): string {
  let out = ''
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue
    out += value === true ? ` ${name}` : ` ${name}="${escapeAttr(value)}"`
  }
  return out
}

export const linkTag = (attrs: Attrs): string => `<link${renderAttrs(attrs)}>`
export const scriptTag = (attrs: Attrs): string => `<script${renderAttrs(attrs)}></script>`

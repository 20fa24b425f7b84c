export const VERSION = 'v1'

export function describe() {
  return `lazy module ${VERSION} loaded from ${import.meta.url}`
}

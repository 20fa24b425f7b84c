/**
 * Checks shared by the config schema (./schema.ts) and the providers' option
 * schemas (src/providers/*.ts). Pure.
 */
import { string, type Refine, type Schema } from './validate.js'

export const SECRETS_IN_ENV = 'secrets do not belong in the config file: keep them in env vars (generic provider headers may reference them as "${NAME}")'

/** A URL as shown in a message: any `user:password@` part masked, so no secret is echoed. */
export const shown = (value: string) => value.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^@]*@/i, '$1***@')

const isHttpUrl: Refine<string> = (value, fail) => {
  let url: URL
  try {
    // `localhost:9000` or `cdn.example.com:443` parse as a scheme; they still lack one.
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) throw new TypeError('no scheme')
    url = new URL(value)
  } catch {
    fail(`"${shown(value)}" is not an absolute URL (write it as "https://${shown(value).replace(/^\/+/, '')}")`)
    return
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    fail(`"${shown(value)}" must use https:// (got ${url.protocol})`)
  } else if (url.username || url.password) {
    fail(`"${url.host}…" must not carry credentials in the URL: ${SECRETS_IN_ENV}`)
  }
}

/** An absolute http(s) URL without credentials in it; `more` checks run after. */
export const httpUrl = (what: string, ...more: Array<Refine<string>>): Schema<string> => string(`must be a string: the ${what} URL`, isHttpUrl, ...more)

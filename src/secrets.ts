/**
 * The one redaction registry: every secret value the tool knows is masked in
 * every message, report and summary it produces. Known values are registered
 * where they are read (a webhook's `${VAR}` header values and query values, the
 * Cloudflare token); the AWS secret key and session token are read from the
 * environment at redaction time. Credentials in URLs (`https://user:pass@…`)
 * are masked too. Redact before truncating: a cut-off secret no longer matches.
 * Node-free (the runtime imports the error class that uses it).
 */

/** Shorter values (a dummy `test` credential) would mask ordinary words; real secrets are longer. */
const MIN_LENGTH = 6
const ENV_SECRETS = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'CLOUDFLARE_API_TOKEN']
const known = new Set<string>()

export function registerSecret(value: string | undefined): void {
  if (value && value.length >= MIN_LENGTH) known.add(value)
}

type Env = Record<string, string | undefined>
const processEnv = (): Env => (globalThis as { process?: { env?: Env } }).process?.env ?? {}

/** `text` with every known secret replaced by `***`. */
export function redact(text: string, env: Env = processEnv()): string {
  const values = [...known, ...ENV_SECRETS.map((name) => env[name]).filter((v): v is string => !!v && v.length >= MIN_LENGTH)]
  // Longest first, so a secret that contains another is masked whole.
  let out = text
  for (const value of values.sort((a, b) => b.length - a.length)) out = out.split(value).join('***')
  return out.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, '$1***@')
}

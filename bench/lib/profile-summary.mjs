/**
 * Summarize a V8 .cpuprofile (from `node --cpu-prof`): self time by function and
 * by package, so "where does our client's CPU go" has a number next to it.
 * Usage: node profile-summary.mjs file.cpuprofile [top] [from s] [to s] [files]
 */
import { readFileSync } from 'node:fs'

export function summarize(file, top = 25, window = [0, Infinity], perFiles = 0) {
  const prof = JSON.parse(readFileSync(file, 'utf8'))
  const byId = new Map(prof.nodes.map((n) => [n.id, n]))
  const self = new Map()
  const dt = prof.timeDeltas
  let at = 0
  let total = 0
  for (let i = 0; i < prof.samples.length; i++) {
    at += dt[i] ?? 0
    if (at < window[0] * 1000 || at > window[1] * 1000) continue
    self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0))
    total += dt[i] ?? 0
  }
  const fns = new Map()
  const pkgs = new Map()
  for (const [id, us] of self) {
    const n = byId.get(id)
    const { functionName, url, lineNumber } = n.callFrame
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/main\//, '')}:${lineNumber + 1}`
    fns.set(key, (fns.get(key) ?? 0) + us)
    const pkg = !url
      ? functionName.startsWith('(')
        ? functionName
        : '(native)'
      : url.includes('node_modules/')
        ? url
            .replace(/^.*node_modules\//, '')
            .split('/')
            .slice(0, url.includes('node_modules/@') ? 2 : 1)
            .join('/')
        : url.startsWith('node:')
          ? 'node:' + url.slice(5).split('/')[0]
          : url.includes('/dist/')
            ? 'dist (ours)'
            : url
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + us)
  }
  // With `perFiles`, each line also gives its time per file (µs): what one upload costs where.
  const per = (us) => (perFiles ? ` ${(us / perFiles).toFixed(0).padStart(5)} µs/file` : '')
  const fmt = (m) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%${per(us)}  ${k}`)
      .join('\n')
  return `total sampled ${(total / 1000).toFixed(0)} ms${perFiles ? ` (${perFiles} files)` : ''}\n-- by package --\n${fmt(pkgs)}\n-- by function --\n${fmt(fns)}`
}

if (import.meta.url === `file://${process.argv[1]}`)
  console.log(
    summarize(
      process.argv[2],
      Number(process.argv[3] ?? 25),
      [Number(process.argv[4] ?? 0), Number(process.argv[5] ?? Infinity)],
      Number(process.argv[6] ?? 0),
    ),
  )

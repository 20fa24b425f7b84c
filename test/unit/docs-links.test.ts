/**
 * The README and the docs link only inside the repository, and every link
 * lands: a relative link names a file or folder that exists (inside the repo),
 * and an anchor into a Markdown file names one of its headings (GitHub's
 * slugs). Nothing links outside the repo: no `https://…` link, autolink or bare
 * URL in prose (URLs in code spans and code blocks are examples, not links).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')

/** The Markdown the repo publishes: README, ARCHITECTURE, docs/, the examples' READMEs. */
function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'))
  const examples = readdirSync(join(ROOT, 'examples')).filter((d) => existsSync(join(ROOT, 'examples', d, 'README.md')))
  return ['README.md', 'ARCHITECTURE.md', ...docs.map((f) => `docs/${f}`), ...examples.map((d) => `examples/${d}/README.md`)]
}

/** The text outside fenced code blocks, line by line (fence lines blanked, so line numbers stay). */
function prose(text: string): string[] {
  let fence: string | undefined
  return text.split('\n').map((line) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1]
    if (marker && (fence === undefined || (marker[0] === fence[0] && marker.length >= fence.length))) {
      fence = fence === undefined ? marker : undefined
      return ''
    }
    return fence === undefined ? line : ''
  })
}

/** Prose without inline code spans (which may run over a line break, not over a blank line). */
function withoutCode(lines: string[]): string {
  return lines
    .join('\n')
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.replace(/(`+)[\s\S]*?\1/g, ''))
    .join('\n\n')
}

/** GitHub's heading anchor: lower case, punctuation other than `-` and `_` dropped, spaces → `-`. */
function slug(heading: string): string {
  const text = heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .trim()
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-')
}

const anchorCache = new Map<string, Set<string>>()

/** Every anchor a Markdown file's headings give (a repeated heading gets `-1`, `-2`…). */
function anchorsOf(file: string): Set<string> {
  let anchors = anchorCache.get(file)
  if (anchors) return anchors
  anchors = new Set()
  const seen = new Map<string, number>()
  for (const line of prose(readFileSync(file, 'utf8'))) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1]
    if (heading === undefined) continue
    const base = slug(heading)
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    anchors.add(n === 0 ? base : `${base}-${n}`)
  }
  anchorCache.set(file, anchors)
  return anchors
}

interface Link {
  target: string
  /** 1-based line of the link in its file. */
  line: number
}

/** Inline links and images `[text](target)`, reference definitions `[x]: target` and autolinks `<scheme:…>`. */
function linksIn(text: string): Link[] {
  const body = withoutCode(prose(text))
  const lineAt = (index: number) => body.slice(0, index).split('\n').length
  const links: Link[] = []
  for (const m of body.matchAll(/\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) links.push({ target: m[1]!, line: lineAt(m.index) })
  for (const m of body.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)) links.push({ target: m[1]!, line: lineAt(m.index) })
  for (const m of body.matchAll(/<([a-z][a-z0-9+.-]*:[^\s>]*)>/gi)) links.push({ target: m[1]!, line: lineAt(m.index) })
  return links
}

/** URLs GitHub turns into links by themselves (GFM autolinks), outside code. */
function bareUrls(text: string): Link[] {
  const body = withoutCode(prose(text))
    .replace(/\]\([^)]*\)/g, '](…)')
    .replace(/<[a-z][a-z0-9+.-]*:[^\s>]*>/gi, '<…>')
  return [...body.matchAll(/(?:\bhttps?:\/\/|\bwww\.)[^\s<>)\]|]+/gi)].map((m) => ({ target: m[0], line: body.slice(0, m.index).split('\n').length }))
}

const EXTERNAL = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i

/** What is wrong with one link of `file`, or undefined. */
function problem(file: string, target: string): string | undefined {
  if (EXTERNAL.test(target)) return 'links outside the repository'
  const hash = target.indexOf('#')
  const path = hash === -1 ? target : target.slice(0, hash)
  const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1))
  if (path.startsWith('/')) return 'is absolute (write it relative to the file)'
  const dest = path === '' ? join(ROOT, file) : resolve(ROOT, dirname(file), decodeURIComponent(path))
  const inside = relative(ROOT, dest)
  if (inside === '..' || inside.startsWith(`..${sep}`)) return 'leaves the repository'
  if (!existsSync(dest)) return `names ${inside}, which does not exist`
  if (anchor !== undefined && dest.endsWith('.md') && statSync(dest).isFile() && !anchorsOf(dest).has(anchor)) {
    return `names #${anchor}, which is no heading of ${inside}`
  }
  return undefined
}

describe('links in the README and the docs', () => {
  const files = markdownFiles()

  it('covers README.md, ARCHITECTURE.md and every docs/*.md', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'ARCHITECTURE.md', 'docs/configuration.md', 'docs/deploy.md', 'docs/cli.md']))
  })

  it.each(files)('%s: every link stays in the repo and lands on a file and heading that exist', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8')
    const problems = [
      ...linksIn(text).flatMap(({ target, line }) => {
        const why = problem(file, target)
        return why ? [`${file}:${line}: ${target} ${why}`] : []
      }),
      ...bareUrls(text).map(({ target, line }) => `${file}:${line}: ${target} is a bare URL, which GitHub links: put it in a code span`),
    ]
    expect(problems).toEqual([])
  })

  it('the README links every file under docs/ and ARCHITECTURE.md', () => {
    const readme = linksIn(readFileSync(join(ROOT, 'README.md'), 'utf8')).map((l) => l.target.split('#')[0])
    const docs = readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`)
    expect(docs.filter((d) => !readme.includes(d))).toEqual([])
    expect(readme).toContain('ARCHITECTURE.md')
  })
})

describe('slug (GitHub heading anchors)', () => {
  it.each([
    ['The CLI: `cdn-deploy`', 'the-cli-cdn-deploy'],
    ['What a deploy does, in order', 'what-a-deploy-does-in-order'],
    ['`invalidate --pending`', 'invalidate---pending'],
    ['From code: `deploy()` and `rollback()`', 'from-code-deploy-and-rollback'],
    ['Contracts (public; change them only on purpose, with a version bump)', 'contracts-public-change-them-only-on-purpose-with-a-version-bump'],
    ['Retention: tabs opened before a deploy', 'retention-tabs-opened-before-a-deploy'],
  ])('%s → %s', (heading, anchor) => {
    expect(slug(heading)).toBe(anchor)
  })
})

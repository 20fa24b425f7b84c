/**
 * createPlan with `headers` rules and `redirects`, as tables: what each object
 * gets (first match wins), that a change re-uploads and purges exactly the
 * objects it touches, and redirects as zero-byte objects of the build.
 */
import { describe, expect, it } from 'vitest'
import { at, localFile as file, planOptions as options } from '../helpers/plan.js'
import type { HeaderRule } from '../../src/config/deploy-options.js'
import { journalFiles } from '../../src/deploy/journal.js'
import { CdnDeployError } from '../../src/errors.js'
import { shownHeaders, type HeaderRuleEntry } from '../../src/plan/headers.js'
import { createPlan, type PlanOptions } from '../../src/plan/plan.js'
import type { Ledger, LocalFile } from '../../src/plan/types.js'

const BUILD = [
  file('index.html'),
  file('docs/report.pdf'),
  file('docs/notes.txt'),
  file('docs/table.csv'),
  file('assets/app-Ab12Cd34.js'),
  file('private/data.json'),
]
const PDF: HeaderRule = { 'Content-Disposition': 'attachment; filename="report.pdf"', 'Content-Language': 'de-DE' }
const RULES: HeaderRuleEntry[] = [
  ['docs/*.pdf', PDF],
  ['**/*.txt', { 'Content-Type': 'text/markdown; charset=utf-8', 'Content-Language': 'en' }],
  ['docs/**', { 'Content-Language': 'fr' }], // not for the PDF nor the text: the first match wins, rules are not merged
  ['private/**', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/site', StorageClass: 'STANDARD_IA', metadata: { team: 'web' } }],
]
function deployed(headers: HeaderRuleEntry[], redirects: Record<string, string> = {}): Ledger {
  const { pendingInvalidations: _done, ...ledger } = createPlan(BUILD, undefined, options({ release: 'r1', now: at(0), headers, redirects })).ledger
  return ledger
}
const uploads = (local: LocalFile[], ledger: Ledger | undefined, over: Partial<PlanOptions>) => {
  const plan = createPlan(local, ledger, options(over))
  return { plan, summary: plan.uploads.map((u) => `${u.reason} ${u.rel}`) }
}

describe('createPlan: headers', () => {
  it('gives each object the first matching rule, recorded in the ledger', () => {
    const { plan } = uploads(BUILD, undefined, { headers: RULES })
    const byRel = Object.fromEntries(plan.uploads.map((u) => [u.rel, u]))
    expect(byRel['docs/report.pdf']!.params).toEqual({ ContentDisposition: 'attachment; filename="report.pdf"', ContentLanguage: 'de-DE' })
    expect(byRel['docs/notes.txt']!).toMatchObject({ contentType: 'text/markdown; charset=utf-8', params: { ContentLanguage: 'en' } })
    expect(byRel['private/data.json']!.params).toEqual({
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'alias/site',
      StorageClass: 'STANDARD_IA',
      Metadata: { team: 'web' },
    })
    expect(byRel['docs/table.csv']!.params).toEqual({ ContentLanguage: 'fr' })
    expect(byRel['index.html']!.params).toBeUndefined()
    expect(plan.ledger.files['docs/report.pdf']!.params).toEqual(byRel['docs/report.pdf']!.params)
    expect(plan.ledger.files['docs/notes.txt']!.contentType).toBe('text/markdown; charset=utf-8')
    expect(plan.ledger.files['index.html']).not.toHaveProperty('params')
    expect(shownHeaders(byRel['docs/notes.txt']!)).toEqual({ 'Content-Type': 'text/markdown; charset=utf-8', 'Content-Language': 'en' })
    expect(shownHeaders(byRel['private/data.json']!)).toEqual({
      StorageClass: 'STANDARD_IA',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'alias/site',
      'metadata.team': 'web',
    })
  })

  it.each<{ name: string; before: HeaderRuleEntry[]; after: HeaderRuleEntry[]; uploads: string[] }>([
    { name: 'the same rules: nothing to do', before: RULES, after: RULES, uploads: [] },
    { name: 'a rule added: only its objects', before: [], after: [['**/*.pdf', PDF]], uploads: ['headers docs/report.pdf'] },
    {
      name: 'a value changed',
      before: RULES,
      after: [['docs/*.pdf', { ...PDF, 'Content-Language': 'de-AT' }], ...RULES.slice(1)],
      uploads: ['headers docs/report.pdf'],
    },
    {
      name: 'metadata changed',
      before: RULES,
      after: [...RULES.slice(0, 3), ['private/**', { ...RULES[3]![1], metadata: { team: 'ops' } }]],
      uploads: ['headers private/data.json'],
    },
    {
      name: 'a rule moved up: the objects whose first match changed',
      before: RULES,
      after: [RULES[2]!, ...RULES.filter((_, i) => i !== 2)],
      uploads: ['headers docs/notes.txt', 'headers docs/report.pdf'],
    },
    { name: 'a Content-Type override dropped', before: RULES, after: RULES.filter(([glob]) => glob !== '**/*.txt'), uploads: ['headers docs/notes.txt'] },
    {
      name: 'the same rules written in another key order',
      before: RULES,
      after: RULES.map(([g, r]): HeaderRuleEntry => [g, Object.fromEntries(Object.entries(r).reverse())]),
      uploads: [],
    },
  ])('$name', ({ before, after, uploads: expected }) => {
    const { plan, summary } = uploads(BUILD, deployed(before), { headers: after })
    expect(summary).toEqual(expected)
    // Exactly these are purged: the cached copies carry the old headers.
    expect(plan.invalidate).toEqual(expected.map((u) => u.split(' ')[1]))
  })

  it("gives a brotli sibling its source's headers", () => {
    const big = file('docs/big.txt', 'x'.repeat(4000))
    const { plan } = uploads([big], undefined, { headers: RULES, precompress: { gzip: false, brotli: true } })
    expect(plan.uploads.map((u) => [u.rel, u.contentType, u.params])).toStrictEqual([
      ['docs/big.txt', 'text/markdown; charset=utf-8', { ContentLanguage: 'en' }],
      ['docs/big.txt.br', 'text/markdown; charset=utf-8', { ContentLanguage: 'en' }],
    ])
    expect(shownHeaders(plan.uploads[1]!)).toEqual({ 'Content-Type': 'text/markdown; charset=utf-8', 'Content-Language': 'en' })
  })
})

describe('createPlan: redirects', () => {
  it('plans zero-byte objects with WebsiteRedirectLocation, and follows a target change', () => {
    const redirects = { old: '/app/new', 'docs/index.html': 'https://docs.example.com/' }
    const { plan } = uploads(BUILD, undefined, { redirects, headers: [['**', { StorageClass: 'STANDARD_IA' }]] })
    const old = plan.uploads.find((u) => u.rel === 'old')!
    expect(old).toMatchObject({ key: 'app/old', path: '', size: 0, contentType: 'text/html; charset=utf-8', immutable: false, phase: 2 })
    expect(old.params).toEqual({ StorageClass: 'STANDARD_IA', WebsiteRedirectLocation: '/app/new' })
    expect(plan.uploads.find((u) => u.rel === 'docs/index.html')).toMatchObject({ phase: 3, params: { WebsiteRedirectLocation: 'https://docs.example.com/' } })
    expect(shownHeaders(old)).toEqual({ StorageClass: 'STANDARD_IA', WebsiteRedirectLocation: '/app/new' })
    expect(plan.ledger.releases.at(-1)!.files).toBe(BUILD.length + 2)

    const ledger = deployed([], redirects)
    expect(uploads(BUILD, ledger, { redirects }).summary).toEqual([])
    const moved = uploads(BUILD, ledger, { redirects: { ...redirects, old: '/app/newer' } })
    expect([moved.summary, moved.plan.invalidate]).toEqual([['headers old'], ['old']])
    // A redirect removed is an object gone from the build: retained, then pruned.
    expect(uploads(BUILD, ledger, { redirects: { old: '/app/new' } }).plan.retained).toEqual(['docs/index.html'])
  })

  it('refuses a redirect over a file of the build', () => {
    expect(() => createPlan(BUILD, undefined, options({ redirects: { 'index.html': '/x' } }))).toThrow(CdnDeployError)
    expect(() => createPlan(BUILD, undefined, options({ redirects: { 'index.html': '/x' } }))).toThrow('redirects: "index.html" is also a file of the build')
  })
})

describe('headers and the upload journal', () => {
  const pdf = (params: Record<string, string>) => ({ ...deployed(RULES).files['docs/report.pdf']!, params })

  it('purges a mutable object whose headers an unfinished deploy already replaced', () => {
    const ledger = deployed([])
    const next = { ContentDisposition: 'attachment; filename="report.pdf"', ContentLanguage: 'de-DE' }
    const plan = createPlan(BUILD, ledger, options({ headers: RULES, journal: { 'docs/report.pdf': pdf(next) } }))
    expect(plan.skips).toContain('docs/report.pdf') // already up, as the journal says
    expect(plan.invalidate).toContain('docs/report.pdf') // but the CDN may hold the old headers
  })

  it("distrusts a stale journal entry whose headers differ from the ledger's, even with the same bytes", () => {
    const ledger = deployed(RULES)
    const stale = {
      data: {
        version: 1 as const,
        base: 'another-release',
        files: { 'docs/report.pdf': pdf({ ContentLanguage: 'fr' }), 'index.html': ledger.files['index.html']! },
      },
      exists: true,
    }
    expect(journalFiles(ledger, stale)).toEqual({ files: { 'docs/report.pdf': { ...pdf({ ContentLanguage: 'fr' }), sha256: '' } }, distrusted: 1 })
  })
})

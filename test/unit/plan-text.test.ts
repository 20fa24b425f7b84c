/**
 * What `cdn-deploy plan` and the deploy summaries print, from a real plan: the
 * files include/exclude leave out, before anything happens.
 */
import { describe, expect, it } from 'vitest'
import { at, localFile as file, planOptions as options } from '../helpers/plan.js'
import { planText } from '../../src/cli/plan.js'
import { buildReport, summaryMarkdown, type ReportContext } from '../../src/deploy/report.js'
import { createPlan, type PlanOptions } from '../../src/plan/plan.js'
import type { Ledger, LocalFile } from '../../src/plan/types.js'

const context: ReportContext = {
  bucket: 'example-assets',
  publicBase: 'https://cdn.example.com/app/',
  dryRun: true,
  ledger: 'read',
  provider: 'none',
  warnings: [],
  started: Date.now(),
}
const reportOf = (local: LocalFile[], ledger: Ledger | undefined, over: Partial<PlanOptions> = {}) =>
  buildReport(createPlan(local, ledger, options(over)), context)

describe('plan text: include/exclude', () => {
  const MAP = 'assets/a-Ab12Cd34.js.map'
  const first = createPlan([file('index.html'), file(MAP)], undefined, options({ release: 'r1', now: at(0) })).ledger

  it('lists the files left out and the owned keys kept, and counts them in the summaries', () => {
    const report = reportOf([file('index.html')], first, { filter: { exclude: ['**/*.map', '**/.DS_Store'] }, excluded: ['.DS_Store', MAP] })
    const text = planText(report, 'dist')
    expect(text).toContain('left out by include/exclude: 2 files; 1 keys earlier releases uploaded kept as they are')
    expect(text).toMatch(/left out by include\/exclude \(never uploaded\): 2\n {4}x \.DS_Store\n {4}x assets\/a-Ab12Cd34\.js\.map/)
    expect(text).toMatch(/kept as they are \(never deleted for it\): 1\n {4}= assets\/a-Ab12Cd34\.js\.map/)
    expect(summaryMarkdown(report)).toContain('| Left out (include/exclude) | 2 |')
  })

  it('says nothing about filtering when there is none', () => {
    const report = reportOf([file('index.html')], undefined)
    expect(planText(report, 'dist')).not.toContain('include/exclude')
    expect(summaryMarkdown(report)).not.toContain('Left out')
  })
})

describe('plan text: headers and redirects', () => {
  it('shows what headers rules and redirects set, under each upload', () => {
    const report = reportOf([file('docs/report.pdf'), file('notes.log')], undefined, {
      headers: [
        ['**/*.pdf', { 'Content-Disposition': 'attachment', StorageClass: 'STANDARD_IA' }],
        ['*.log', { 'Content-Type': 'text/x-log; charset=utf-8' }],
      ],
      redirects: { old: '/app/new' },
    })
    const text = planText(report, 'dist')
    expect(text).toMatch(/\+ docs\/report\.pdf \(\d+ B\)\n {10}Content-Disposition: attachment · StorageClass: STANDARD_IA\n/)
    expect(text).toMatch(/\+ notes\.log \(\d+ B\)\n {10}Content-Type: text\/x-log; charset=utf-8\n/)
    expect(text).toMatch(/\+ old \(0 B\)\n {10}WebsiteRedirectLocation: \/app\/new/)
  })
})

describe('the URL in the summaries', () => {
  it.each([
    ['a site with a root page', [file('index.html'), file('a.js')], 'https://cdn.example.com/app/index.html'],
    ['assets only (htmlAtOrigin)', [file('assets/a-Ab12Cd34.js')], 'https://cdn.example.com/app/'],
  ])('%s', (_name, local, url) => {
    const plan = createPlan(local, undefined, options())
    const deployed = buildReport(plan, { ...context, dryRun: false })
    expect(deployed.url).toBe(url)
    expect(summaryMarkdown(deployed)).toMatch(
      new RegExp(`^### CDN deploy\\n\\nLive at: \\*\\*\\[${url.replace(/[.\\/]/g, '\\$&')}\\]\\(${url.replace(/[.\\/]/g, '\\$&')}\\)\\*\\*\\n`),
    )
    expect(summaryMarkdown(buildReport(plan, context))).toContain(`Would deploy to: **[${url}](${url})**`)
  })
})

/**
 * The preview-deploy recipe in docs/ci.md, checked as written: its workflow
 * YAML is parsed (triggers, job conditions, one prefix step shared by both jobs,
 * no branch name interpolated into a script), its prefix step runs under bash
 * for the branches of the doc's table, and the jobs' `cdn-deploy` commands run
 * in order, as a runner would (`$GITHUB_ENV`, `$GITHUB_STEP_SUMMARY`,
 * `$GITHUB_OUTPUT`, `npx` resolving to the built bin), against s3rver.
 */
import { execFile } from 'node:child_process'
import { chmod, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { envChecks } from '../../src/config/schema.js'
import { safeParse } from '../../src/config/validate.js'
import { tempDir } from '../helpers/build.js'
import { baseEnv, CLI, registerS3rverKey, runCli, SITE, writeConfig, writeSite } from '../helpers/cli.js'
import { listKeys, readLedgerObject } from '../helpers/deploy.js'
import { startS3rver, type S3TestServer } from '../helpers/s3-servers.js'

interface Step {
  name?: string
  id?: string
  uses?: string
  run?: string
  env?: Record<string, string>
}
interface Job {
  if: string
  steps: Step[]
  environment?: { name: string; url: string }
}
interface Workflow {
  on: { pull_request: { types: string[] } }
  jobs: { deploy: Job; destroy: Job }
}

const DOC = resolve(import.meta.dirname, '../../docs/ci.md')
let doc: string
let workflow: Workflow

beforeAll(async () => {
  doc = await readFile(DOC, 'utf8')
  const block = /```yaml\n(# \.github\/workflows\/preview\.yml\n[\s\S]*?)```/.exec(doc)
  if (!block) throw new Error('docs/ci.md has no ```yaml block starting with "# .github/workflows/preview.yml"')
  workflow = parse(block[1]!) as Workflow
})

const prefixStep = (job: Job) => job.steps.find((s) => s.run?.includes('CDN_PREFIX='))
const runIndex = (job: Job, text: string) => job.steps.findIndex((s) => s.run?.includes(text))

/** A `run:` script under bash as Actions runs it (`bash --noprofile --norc -eo pipefail`). */
function bash(script: string, env: Record<string, string>, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { env, cwd, timeout: 90_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr })
    })
  })
}

/** Run the prefix step for a branch; the `CDN_PREFIX` it put in `$GITHUB_ENV`. */
async function prefixFor(branch: string, cwd: string): Promise<string> {
  const step = prefixStep(workflow.jobs.deploy)!
  const githubEnv = join(cwd, `github-env-${Math.random().toString(36).slice(2)}`)
  await writeFile(githubEnv, '')
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', GITHUB_ENV: githubEnv, ...step.env, BRANCH: branch }
  const r = await bash(step.run!, env, cwd)
  expect(r.code, r.stderr).toBe(0)
  const lines = (await readFile(githubEnv, 'utf8')).trim().split('\n')
  expect(lines).toHaveLength(1)
  return lines[0]!.replace(/^CDN_PREFIX=/, '')
}

describe('the workflow in docs/ci.md', () => {
  it('deploys on pull request updates and destroys on close', () => {
    expect(workflow.on.pull_request.types).toEqual(expect.arrayContaining(['opened', 'synchronize', 'reopened', 'closed']))
    expect(workflow.jobs.deploy.if).toBe("github.event.action != 'closed'")
    expect(workflow.jobs.destroy.if).toBe("github.event.action == 'closed'")
  })

  it('computes the prefix with the same step in both jobs, the branch passed through env', () => {
    const [deploy, destroy] = [prefixStep(workflow.jobs.deploy), prefixStep(workflow.jobs.destroy)]
    expect(deploy).toBeDefined()
    expect(destroy).toEqual(deploy)
    expect(deploy!.env).toEqual({ BRANCH: '${{ github.head_ref }}' })
    // A branch name is attacker-controlled text: never interpolated into a script.
    for (const job of [workflow.jobs.deploy, workflow.jobs.destroy]) for (const step of job.steps) expect(step.run ?? '').not.toMatch(/\$\{\{/)
  })

  it('orders the steps: prefix, then build and deploy (its URL on the environment); prefix, then destroy --yes', () => {
    const { deploy, destroy } = workflow.jobs
    const at = (job: Job, text: string) => {
      const i = runIndex(job, text)
      expect(i, `a step running "${text}"`).toBeGreaterThanOrEqual(0)
      return i
    }
    expect(at(deploy, 'CDN_PREFIX=')).toBeLessThan(at(deploy, 'vite build'))
    expect(at(deploy, 'vite build')).toBeLessThan(at(deploy, 'cdn-deploy deploy dist'))
    expect(deploy.steps[at(deploy, 'vite build')]!.env).toEqual({ CDN_DEPLOY: '0' })
    expect(deploy.steps[at(deploy, 'cdn-deploy deploy dist')]!.id).toBe('deploy')
    expect(deploy.environment?.url).toBe('${{ steps.deploy.outputs.url }}')
    expect(at(destroy, 'CDN_PREFIX=')).toBeLessThan(at(destroy, 'cdn-deploy destroy'))
    expect(at(destroy, 'npm ci')).toBeLessThan(at(destroy, 'cdn-deploy destroy'))
    expect(destroy.steps[at(destroy, 'cdn-deploy destroy')]!.run).toMatch(/^npx cdn-deploy destroy --prefix "\$CDN_PREFIX" --yes$/)
  })

  it("turns each branch of the doc's table into its prefix, always a valid one", async () => {
    const rows = [...doc.matchAll(/^\| `([^`]+)` \| `(previews\/[^`]*)` \|$/gm)].map((m) => [m[1]!, m[2]!] as const)
    expect(rows.length).toBeGreaterThanOrEqual(5)
    const cwd = await tempDir('preview-prefix')
    for (const [branch, expected] of rows) {
      const prefix = await prefixFor(branch, cwd)
      expect(prefix, branch).toBe(expected)
      expect(prefix).toMatch(/^previews\/[a-z0-9]([a-z0-9-]{0,46}[a-z0-9])?\/$/)
      expect(safeParse(envChecks.prefix, prefix).success).toBe(true)
    }
  })
})

describe('the recipe run against s3rver', () => {
  const BUCKET = 'previews'
  let server: S3TestServer
  let cwd: string
  let env: Record<string, string>

  beforeAll(async () => {
    server = await startS3rver(BUCKET)
    registerS3rverKey()
    cwd = await tempDir('preview-recipe')
    await writeConfig(cwd, {
      domain: 'https://cdn.example.com',
      prefix: 'app/',
      storage: { bucket: BUCKET, endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1' },
    })
    await writeSite(join(cwd, 'dist'), SITE)
    // `npx cdn-deploy …` as on a runner after `npm ci`: the built bin.
    await writeFile(
      join(cwd, 'npx'),
      `#!/bin/sh\n[ "$1" = cdn-deploy ] || { echo "unexpected: npx $*" >&2; exit 127; }\nshift\nexec "${process.execPath}" "${CLI}" "$@"\n`,
    )
    await chmod(join(cwd, 'npx'), 0o755)
    env = { ...baseEnv(cwd), PATH: `${cwd}:${process.env.PATH ?? '/usr/bin:/bin'}` }
    // Production, deployed from main: the previews must never touch it.
    const prod = await runCli(['deploy', 'dist'], { cwd, env })
    expect(prod.code, prod.stderr).toBe(0)
  })
  afterAll(async () => {
    await server?.stop()
  })

  /** Run a job's steps as a runner would: `$GITHUB_ENV` carried between steps, the rest skipped (checkout, install, build, verify). */
  async function runJob(job: Job, branch: string): Promise<Map<string, string>> {
    const githubEnv = join(cwd, 'github-env')
    await writeFile(githubEnv, '')
    const outputs = new Map<string, string>()
    const ran: string[] = []
    for (const [i, step] of job.steps.entries()) {
      if (!step.run || !(step.run.includes('CDN_PREFIX=') || /cdn-deploy (deploy|destroy)/.test(step.run))) continue
      const carried = Object.fromEntries(
        (await readFile(githubEnv, 'utf8'))
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]),
      )
      const files = { GITHUB_ENV: githubEnv, GITHUB_STEP_SUMMARY: join(cwd, `summary-${i}`), GITHUB_OUTPUT: join(cwd, `output-${i}`) }
      for (const path of [files.GITHUB_STEP_SUMMARY, files.GITHUB_OUTPUT]) await writeFile(path, '')
      const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, v === '${{ github.head_ref }}' ? branch : v]))
      const r = await bash(step.run, { ...env, ...carried, ...files, ...stepEnv }, cwd)
      expect(r.code, `${step.run}\n${r.stdout}\n${r.stderr}`).toBe(0)
      ran.push(step.run.split('\n')[0]!)
      outputs.set(step.id ?? String(i), `${await readFile(files.GITHUB_STEP_SUMMARY, 'utf8')}\n${await readFile(files.GITHUB_OUTPUT, 'utf8')}`)
    }
    expect(ran.length).toBe(2) // the prefix, then the deploy or the destroy
    return outputs
  }

  it('deploys the pull request under previews/<slug>/ with its URL in the summary and the step outputs, then destroys only that', async () => {
    const production = await listKeys(server.client, BUCKET, 'app/')
    const outputs = await runJob(workflow.jobs.deploy, 'feature/Login-Page')
    const url = 'https://cdn.example.com/previews/feature-login-page/index.html'
    const deployStep = outputs.get('deploy')!
    expect(deployStep).toContain(`Live at: **[${url}](${url})**`)
    expect(deployStep).toContain(`url=${url}\n`)
    // The site, the ledger, and the release's file map (written before the commit, for a rollback).
    const preview = 'previews/feature-login-page/'
    const release = (await readLedgerObject(server.client, BUCKET, preview))!.releases.at(-1)!.id
    expect(await listKeys(server.client, BUCKET, preview)).toEqual(
      [...Object.keys(SITE), '.cdn-deploy/ledger.json', `.cdn-deploy/releases/${release}.json`].map((rel) => `${preview}${rel}`).sort(),
    )

    await runJob(workflow.jobs.destroy, 'feature/Login-Page')
    expect(await listKeys(server.client, BUCKET, 'previews/')).toEqual([])
    expect(await listKeys(server.client, BUCKET, 'app/')).toEqual(production)
    // Production: its site, ledger and release record.
    expect(production.length).toBe(Object.keys(SITE).length + 2)
    expect(production).toContain(`app/.cdn-deploy/releases/${(await readLedgerObject(server.client, BUCKET, 'app/'))!.releases.at(-1)!.id}.json`)
  })
})

/**
 * What `cdn-deploy destroy` deletes, as a table: the ledger's (and journal's)
 * keys, the tool's own objects under the state prefix, and nothing else.
 */
import { describe, expect, it } from 'vitest'
import { planDestroy, type DestroyInputs } from '../../src/plan/destroy.js'
import type { Ledger, LedgerEntry } from '../../src/plan/types.js'

const entry: LedgerEntry = { sha256: 'x', size: 1, contentType: 'text/html', cacheControl: 'no-cache', immutable: false, release: 'r1' }
const ledger = (...rels: string[]): Ledger => ({ version: 1, releases: [], files: Object.fromEntries(rels.map((rel) => [rel, entry])) })
const P = 'previews/feat/'
const S = 'previews/feat/.cdn-deploy/'

describe('planDestroy', () => {
  it.each<{ name: string; inputs: DestroyInputs; owned: string[]; state: string[]; foreign: string[] }>([
    {
      name: "owned keys, the tool's state, and foreign objects kept",
      inputs: {
        prefix: P,
        statePrefix: S,
        ledger: ledger('index.html', 'assets/a-Ab12Cd34.js', 'gone-already.txt'),
        listed: [`${P}index.html`, `${P}assets/a-Ab12Cd34.js`, `${P}by-hand.txt`, `${S}ledger.json`, `${S}lock`, `${S}journal.json`, `${S}notes.txt`],
      },
      owned: [`${P}assets/a-Ab12Cd34.js`, `${P}gone-already.txt`, `${P}index.html`],
      state: [`${S}journal.json`, `${S}ledger.json`, `${S}lock`],
      foreign: [`${S}notes.txt`, `${P}by-hand.txt`], // code-unit order
    },
    {
      name: "the journal's uploads are the tool's too; blobs/, releases/ and status probes are state",
      inputs: {
        prefix: P,
        statePrefix: S,
        ledger: ledger('index.html'),
        journal: { 'new.js': entry },
        listed: [
          `${P}index.html`,
          `${P}new.js`,
          `${S}blobs/ab/cd`,
          `${S}releases/r1.json`,
          `${S}lock-probe-0f1e2d3c-aaaa-bbbb-cccc-000000000000`,
          `${S}blobsy`,
        ],
      },
      owned: [`${P}index.html`, `${P}new.js`],
      state: [`${S}blobs/ab/cd`, `${S}lock-probe-0f1e2d3c-aaaa-bbbb-cccc-000000000000`, `${S}releases/r1.json`],
      foreign: [`${S}blobsy`],
    },
    {
      name: "the pages a stopped deploy names in its intent (pending) are the tool's, a new one too: only phase 1 is journalled",
      inputs: {
        prefix: P,
        statePrefix: S,
        ledger: { ...ledger('index.html'), pending: { release: 'r2', rels: ['about.html', 'index.html'] } },
        journal: { 'new-Ab12Cd34.js': entry },
        listed: [`${P}about.html`, `${P}index.html`, `${P}new-Ab12Cd34.js`, `${S}ledger.json`, `${S}journal.json`],
      },
      owned: [`${P}about.html`, `${P}index.html`, `${P}new-Ab12Cd34.js`],
      state: [`${S}journal.json`, `${S}ledger.json`],
      foreign: [],
    },
    {
      name: 'another deployment nested under the prefix is left alone, its ledger too',
      inputs: {
        prefix: 'app/',
        statePrefix: 'app/.cdn-deploy/',
        ledger: ledger('index.html'),
        listed: ['app/index.html', 'app/admin/index.html', 'app/admin/.cdn-deploy/ledger.json', 'app/.cdn-deploy/ledger.json'],
      },
      owned: ['app/index.html'],
      state: ['app/.cdn-deploy/ledger.json'],
      foreign: ['app/admin/.cdn-deploy/ledger.json', 'app/admin/index.html'],
    },
    {
      name: 'a state prefix outside the prefix',
      inputs: {
        prefix: P,
        statePrefix: '_cdn-deploy/previews/feat/',
        ledger: ledger('index.html'),
        listed: [`${P}index.html`, '_cdn-deploy/previews/feat/ledger.json'],
      },
      owned: [`${P}index.html`],
      state: ['_cdn-deploy/previews/feat/ledger.json'],
      foreign: [],
    },
    {
      name: "no ledger: nothing owned, everything listed is kept but the tool's state",
      inputs: { prefix: P, statePrefix: S, listed: [`${P}index.html`, `${S}journal.json`] },
      owned: [],
      state: [`${S}journal.json`],
      foreign: [`${P}index.html`],
    },
  ])('$name', ({ inputs, owned, state, foreign }) => {
    expect(planDestroy(inputs)).toEqual({ owned, state, foreign })
  })
})

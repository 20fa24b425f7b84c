import { describe, expect, it } from 'vitest'
import { encodePath, isSafeRelPath, keyFor, normalizePrefix, publicBaseFor, urlFor } from '../../src/plan/paths.js'

const NFC = 'caf\u00e9/r\u00e9sum\u00e9.txt'
const NFD = NFC.normalize('NFD')

describe('normalizePrefix', () => {
  it.each([
    ['', ''],
    ['/', ''],
    ['app', 'app/'],
    ['app/', 'app/'],
    ['/app', 'app/'],
    ['//app//', 'app/'],
    ['a/b', 'a/b/'],
    ['a/b///', 'a/b/'],
  ])('%j → %j', (input, expected) => {
    expect(normalizePrefix(input)).toBe(expected)
  })
})

describe('publicBaseFor', () => {
  it.each([
    ['https://cdn.example.com', '', 'https://cdn.example.com/'],
    ['https://cdn.example.com', 'app/', 'https://cdn.example.com/app/'],
    ['https://cdn.example.com/', 'a b/', 'https://cdn.example.com/a%20b/'],
    ['https://CDN.Example.com', 'app/', 'https://cdn.example.com/app/'],
    ['https://cdn.example.com/v2', 'app/', 'https://cdn.example.com/v2/'],
    ['https://cdn.example.com/v2/', 'app/', 'https://cdn.example.com/v2/'],
    ['https://cdn.example.com/v2//', '', 'https://cdn.example.com/v2/'],
    ['http://localhost:4566', 'app/', 'http://localhost:4566/app/'],
  ])('%s + %j → %s', (domain, prefix, expected) => {
    expect(publicBaseFor(domain, prefix)).toBe(expected)
  })
})

describe('encodePath', () => {
  it.each([
    ['assets/index-DnNdBZve.js', 'assets/index-DnNdBZve.js'],
    ['assets/my file.js', 'assets/my%20file.js'],
    ['c++/a+b.js', 'c%2B%2B/a%2Bb.js'],
    ['notes#1.txt', 'notes%231.txt'],
    ['what?.txt', 'what%3F.txt'],
    ['100%.txt', '100%25.txt'],
    ['already%20encoded.txt', 'already%2520encoded.txt'],
    ['a&b=c;d,e.txt', 'a%26b%3Dc%3Bd%2Ce.txt'],
    [NFC, 'caf%C3%A9/r%C3%A9sum%C3%A9.txt'],
    [NFD, 'cafe%CC%81/re%CC%81sume%CC%81.txt'],
    ['日本/語.js', '%E6%97%A5%E6%9C%AC/%E8%AA%9E.js'],
    ['emoji-😀.png', 'emoji-%F0%9F%98%80.png'],
  ])('%j → %j', (rel, expected) => {
    expect(encodePath(rel)).toBe(expected)
    expect(decodeURIComponent(expected)).toBe(rel)
  })

  it('keeps NFC and NFD apart: each URL names its own key, byte for byte', () => {
    expect(encodePath(NFC)).not.toBe(encodePath(NFD))
    expect(decodeURIComponent(encodePath(NFD))).toBe(NFD)
  })

  it.each(['plain.js', 'a b/c d.css', 'x+y#z?.txt', '%41.txt', NFC, NFD, 'dir/日本.json', "it's (1)!.txt", 'semi;colon,comma=eq&amp.txt'])(
    'the URL of %j, once parsed and decoded, is exactly its bucket key',
    (rel) => {
      const url = new URL(urlFor(rel, publicBaseFor('https://cdn.example.com', 'app/')))
      expect(url.search).toBe('')
      expect(url.hash).toBe('')
      expect(decodeURIComponent(url.pathname.slice(1))).toBe(keyFor(rel, 'app/'))
    },
  )
})

describe('keyFor / urlFor', () => {
  it('joins prefix and path for keys, base and encoded path for URLs', () => {
    expect(keyFor('assets/a b.js', 'app/')).toBe('app/assets/a b.js')
    expect(keyFor('index.html', '')).toBe('index.html')
    expect(urlFor('assets/a b.js', 'https://cdn.example.com/app/')).toBe('https://cdn.example.com/app/assets/a%20b.js')
  })
})

describe('isSafeRelPath', () => {
  it.each([
    ['index.html', true],
    ['assets/index-DnNdBZve.js', true],
    ['.well-known/security.txt', true],
    ['a/..b/c', true],
    ['...', true],
    ['my file#1.txt', true],
    ['', false],
    ['/etc/passwd', false],
    ['../secret', false],
    ['a/../../b', false],
    ['a/./b', false],
    ['./a', false],
    ['.', false],
    ['..', false],
    ['a//b', false],
    ['a/', false],
    ['a\\b', false],
    ['..\\..\\x', false],
    ['a\0b', false],
  ])('%j → %s', (rel, safe) => {
    expect(isSafeRelPath(rel)).toBe(safe)
  })
})

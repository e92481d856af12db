import { deriveTags, parseVersion, sanitizeTag, type Trigger } from '../../src/plan/tags.js'
import type { LatestPolicy } from '../../src/shared/input-grammar.js'

const SHA = '0123456789abcdef0123456789abcdef01234567'
const branch = (name: string, isDefaultBranch = false): Trigger => ({ kind: 'branch', name, sha: SHA, isDefaultBranch })
const tag = (name: string): Trigger => ({ kind: 'tag', name, sha: SHA })
const long = 'feature/' + 'x'.repeat(192)

describe('deriveTags with the default-branch policy', () => {
  it.each<[string, Trigger, string[], string]>([
    ['tags the default branch as latest, its name and sha', branch('main', true), ['latest', 'main', 'sha-0123456'], 'main'],
    ['tags another branch by name and sha', branch('develop'), ['develop', 'sha-0123456'], 'develop'],
    ['turns / and # of a branch into -', branch('my/feature#1245'), ['my-feature-1245', 'sha-0123456'], 'my-feature-1245'],
    ['keeps capitals of a branch (valid in tags)', branch('Feature/ABC'), ['Feature-ABC', 'sha-0123456'], 'Feature-ABC'],
    ['tags a semver git tag with every version form', tag('v1.2.3'), ['v1.2.3', '1.2.3', '1.2', '1'], '1.2.3'],
    ['tags a two-part git tag by name only', tag('1.2'), ['1.2'], '1.2'],
    ['gives no bare 0 for a 0.x version', tag('v0.4.1'), ['v0.4.1', '0.4.1', '0.4'], '0.4.1'],
    ['gives a prerelease only its full forms', tag('v2.0.8-beta.67'), ['v2.0.8-beta.67', '2.0.8-beta.67'], '2.0.8-beta.67'],
    ['reads a loose prerelease like 1.2.3rc2', tag('1.2.3rc2'), ['1.2.3rc2', '1.2.3-rc2'], '1.2.3-rc2'],
    ['keeps a date tag that is not semver', tag('20200110-RC2'), ['20200110-RC2'], '20200110-RC2'],
    ['keeps a plain word tag', tag('release1'), ['release1'], 'release1'],
    ['dedupes a tag without v', tag('1.2.3'), ['1.2.3', '1.2', '1'], '1.2.3'],
    ['tags a pull request as pr-N', { kind: 'pull_request', number: 42, sha: SHA }, ['pr-42'], 'pr-42'],
    ['tags a schedule as nightly and sha', { kind: 'schedule', sha: SHA }, ['nightly', 'sha-0123456'], 'nightly'],
    ['skips the sha tag when no sha is known', { kind: 'branch', name: 'dev', sha: '', isDefaultBranch: false }, ['dev'], 'dev']
  ])('%s', (_name, trigger, tags, version) => {
    expect(deriveTags(trigger, 'default-branch')).toEqual({ tags, version })
  })

  it('cuts a 200-character branch to 128 characters with a hash suffix', () => {
    const { tags } = deriveTags(branch(long), 'default-branch')
    expect(tags[0]).toHaveLength(128)
    expect(tags[0]).toMatch(/^feature-x+-[0-9a-f]{8}$/)
  })

  it('gives two long branches that differ only at the end different tags', () => {
    const a = deriveTags(branch(long + 'a'), 'default-branch').tags[0]
    const b = deriveTags(branch(long + 'b'), 'default-branch').tags[0]
    expect(a).not.toEqual(b)
  })
})

describe('deriveTags latest policies', () => {
  it.each<[LatestPolicy, Trigger, string[], boolean]>([
    ['default-branch', branch('main', true), [], true],
    ['default-branch', branch('dev'), [], false],
    ['default-branch', tag('v1.2.3'), [], false],
    ['semver', branch('main', true), [], false],
    ['semver', tag('v1.2.3'), ['v1.0.0', 'v1.2.3'], true],
    ['semver', tag('v1.2.3'), ['v1.0.0', 'v2.0.0'], false],
    ['semver', tag('v1.2.3'), ['v1.2.3', 'v9.0.0-rc.1', 'junk'], true],
    ['semver', tag('v2.0.0-rc.1'), [], false],
    ['semver', tag('release1'), [], false],
    ['always', branch('dev'), [], true],
    ['always', { kind: 'pull_request', number: 1, sha: SHA }, [], true],
    ['never', branch('main', true), [], false],
    ['never', tag('v1.2.3'), [], false]
  ])('%s on %j with git tags %j gives latest: %s', (policy, trigger, known, latest) => {
    expect(deriveTags(trigger, policy, known).tags.includes('latest')).toBe(latest)
  })

  it('tags the default branch by name when latest is never', () => {
    expect(deriveTags(branch('main', true), 'never').tags).toEqual(['main', 'sha-0123456'])
  })
})

describe('sanitizeTag', () => {
  it.each([
    ['$(touch /tmp/x)', 'touch--tmp-x-'],
    ['`id`;echo "hi"', 'id--echo--hi-'],
    ['.hidden', 'hidden'],
    ['--x', 'x'],
    ['a\nb', 'a-b'],
    ['ok_1.2-3', 'ok_1.2-3']
  ])('makes %j a valid tag %j', (raw, expected) => {
    expect(sanitizeTag(raw)).toBe(expected)
  })

  it('gives a hash tag for a ref with no valid character', () => {
    expect(sanitizeTag('///')).toMatch(/^ref-[0-9a-f]{8}$/)
  })
})

describe('parseVersion', () => {
  it.each([
    ['v1.2.3', '1.2.3'],
    ['1.2.3rc2', '1.2.3-rc2'],
    ['1.2', null],
    ['release1', null]
  ])('reads %s as %s', (raw, version) => {
    expect(parseVersion(raw)?.version ?? null).toBe(version)
  })
})

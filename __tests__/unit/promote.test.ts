import { splitReference } from '../../src/plan/inputs/reference.js'
import { decide, decideAll, inputsDigest, type FoundImage, promotionOf, repositoriesOf } from '../../src/plan/promote.js'
import { makeTargets } from '../../src/plan/targets.js'
import { planDigest } from '../../src/plan/distribute.js'
import { readSettings } from '../../src/plan/inputs/settings.js'
import type { Trigger } from '../../src/plan/tags.js'
import { ctxOf, FACTS, settingsOf } from './fixtures.js'

const S = 'feedc0de00112233445566778899aabbccddeeff'
const BASE = { dockerfile: 'FROM x\nRUN y\n', buildArgs: [{ key: 'A', value: '1' }], target: '', platforms: [], buildContexts: [] }
const D = inputsDigest(BASE)
const P = { sourceTag: 'sha-feedc0d', revision: S, inputs: D }
const image = (labels: Record<string, string>[]): FoundImage => ({
  reference: 'r/app:sha-feedc0d@sha256:1',
  platforms: labels.map((l, i) => ({ platform: ['linux/amd64', 'linux/arm64'][i] ?? '', labels: l }))
})
const good = { 'org.opencontainers.image.revision': S, 'io.docker-ship.inputs': D }

describe('the inputs digest', () => {
  it.each([
    ['the Dockerfile', { dockerfile: 'FROM x\nRUN z\n' }],
    ['a build arg value', { buildArgs: [{ key: 'A', value: '2' }] }],
    ['a new build arg', { buildArgs: [...BASE.buildArgs, { key: 'B', value: '' }] }],
    ['the target', { target: 'prod' }],
    ['the platforms', { platforms: ['linux/arm64'] }],
    ['a build context', { buildContexts: ['lib=../lib'] }]
  ])('changes with %s', (_what, change) => {
    expect(inputsDigest({ ...BASE, ...change })).not.toBe(D)
  })

  it('is the same whatever the order of build args and platforms, with the last of a repeated arg winning', () => {
    const a = {
      ...BASE,
      buildArgs: [
        { key: 'B', value: '2' },
        { key: 'A', value: '0' },
        { key: 'A', value: '1' }
      ],
      platforms: ['b', 'a']
    }
    const b = {
      ...BASE,
      buildArgs: [
        { key: 'A', value: '1' },
        { key: 'B', value: '2' }
      ],
      platforms: ['a', 'b']
    }
    expect(inputsDigest(a)).toBe(inputsDigest(b))
    expect(D).toMatch(/^sha256:[0-9a-f]{64}$/)
  })
})

describe('when a promotion is tried', () => {
  const tag: Trigger = { kind: 'tag', name: 'v1.2.3', sha: S }
  it.each<[string, 'auto' | 'never', Trigger, boolean, boolean]>([
    ['a git tag that pushes, promote: auto', 'auto', tag, true, true],
    ['not with promote: never', 'never', tag, true, false],
    ['not when nothing is pushed', 'auto', tag, false, false],
    ['not on a branch', 'auto', { kind: 'branch', name: 'main', sha: S, isDefaultBranch: true }, true, false],
    ['not without a full commit sha', 'auto', { kind: 'tag', name: 'v1', sha: 'abc' }, true, false]
  ])('%s', (_name, mode, trigger, push, tried) => {
    expect(promotionOf(mode, trigger, push, D)).toEqual(tried ? P : undefined)
  })
})

describe('the decision to promote or build', () => {
  it.each<[string, FoundImage | undefined, RegExp | true]>([
    ['promotes an image of this commit with these inputs', image([good]), true],
    ['promotes an index whose every platform matches', image([good, good]), true],
    ['builds when the registry has no sha image', undefined, /^no image r\/app:sha-feedc0d in the registry$/],
    [
      'builds on a revision mismatch',
      image([{ ...good, 'org.opencontainers.image.revision': 'beef' }]),
      /has revision label "beef", not this commit/
    ],
    ['builds when the image has no revision label', image([{ 'io.docker-ship.inputs': D }]), /has revision label \(none\)/],
    ['builds when the inputs changed', image([{ ...good, 'io.docker-ship.inputs': 'sha256:0' }]), /build inputs .* changed since/],
    ['builds when one platform differs', image([good, { ...good, 'io.docker-ship.inputs': 'x' }]), /\(linux\/arm64\)/],
    [
      'builds an image made before promotion existed',
      image([{ 'org.opencontainers.image.revision': S }]),
      /has no io\.docker-ship\.inputs label/
    ],
    ['builds from an empty index', image([]), /holds no image manifest/]
  ])('%s', (_name, found, expected) => {
    const d = decide(P, 'r/app', found)
    if (expected === true) expect(d).toEqual({ promote: true, from: 'r/app:sha-feedc0d@sha256:1' })
    else expect(d.promote ? '' : d.reason).toMatch(expected)
  })

  it('builds for every registry when one lacks the image', () => {
    const d = decideAll([
      { promote: true, from: 'a' },
      { promote: false, reason: 'no image b:sha-1 in the registry' }
    ])
    expect(d).toEqual({ promote: false, reason: 'no image b:sha-1 in the registry; building for every registry' })
    expect(
      decideAll([
        { promote: true, from: 'a' },
        { promote: true, from: 'b' }
      ])
    ).toEqual({ promote: true, from: 'a' })
  })
})

describe('references by repository', () => {
  it.each([
    ['127.0.0.1:5000/e2e/app:1.2.3', { registry: '127.0.0.1:5000', path: 'e2e/app', tag: '1.2.3' }],
    ['bob/app:1', { registry: 'docker.io', path: 'bob/app', tag: '1' }],
    ['nginx:1', { registry: 'docker.io', path: 'library/nginx', tag: '1' }],
    ['ghcr.io/o/r:v1', { registry: 'ghcr.io', path: 'o/r', tag: 'v1' }],
    ['localhost/app:x', { registry: 'localhost', path: 'app', tag: 'x' }]
  ])('splits %s', (ref, parts) => {
    expect(splitReference(ref)).toEqual(parts)
  })

  it('groups the tags of each registry', () => {
    expect(repositoriesOf(['bob/app:1', 'bob/app:1.2', 'ghcr.io/o/r:1'])).toEqual([
      { registry: 'docker.io', path: 'bob/app', tags: ['1', '1.2'] },
      { registry: 'ghcr.io', path: 'o/r', tags: ['1'] }
    ])
  })
})

describe('the plan of a release', () => {
  const read = (file: string) => (file === 'Dockerfile' ? 'FROM x\n' : '')
  const settings = (inputs: Record<string, string> = {}) => settingsOf({ username: 'bob', password: 'pw', image: 'bob/app', ...inputs })

  it('labels every build with the inputs digest, and looks for sha-<7> on a tag', () => {
    const [main] = makeTargets(settings(), ctxOf({ sha: S }), FACTS, read)
    const [tag] = makeTargets(settings(), ctxOf({ sha: S, ref: 'refs/tags/v1.2.3' }), FACTS, read)
    const digest = inputsDigest({ dockerfile: 'FROM x\n', buildArgs: [], target: '', platforms: [], buildContexts: [] })
    expect(main?.plan.labels['io.docker-ship.inputs']).toBe(digest)
    expect(main?.plan.promotion).toBeUndefined()
    expect(tag?.plan.promotion).toEqual({ sourceTag: 'sha-feedc0d', revision: S, inputs: digest })
    expect(tag?.plan.labels['org.opencontainers.image.version']).toBe('1.2.3')
  })

  it('does not look for one with promote: never', () => {
    const [tag] = makeTargets(settings({ promote: 'never' }), ctxOf({ sha: S, ref: 'refs/tags/v1.2.3' }), FACTS, read)
    expect(tag?.plan.promotion).toBeUndefined()
  })

  it("leaves a distributed build's jobs to build, and their plan digests equal whatever each job's platform", () => {
    const tagCtx = ctxOf({ sha: S, ref: 'refs/tags/v1.2.3' })
    const amd = makeTargets(settings({ distribute: 'true', platforms: 'linux/amd64' }), tagCtx, FACTS, read)[0]
    const arm = makeTargets(settings({ distribute: 'true', platforms: 'linux/arm64' }), tagCtx, FACTS, read)[0]
    const merge = makeTargets(settings({ merge: 'true', platforms: 'linux/amd64,linux/arm64' }), tagCtx, FACTS, read)[0]
    expect(amd?.plan.promotion).toBeUndefined()
    expect(merge?.plan.promotion).toBeUndefined()
    expect(amd?.plan.labels['io.docker-ship.inputs']).not.toBe(arm?.plan.labels['io.docker-ship.inputs'])
    expect(planDigest(amd!.plan)).toBe(planDigest(arm!.plan))
    expect(planDigest(amd!.plan)).toBe(planDigest(merge!.plan))
  })

  it('refuses another promote value in one line naming the input', () => {
    expect(() => readSettings(n => (n === 'promote' ? 'always' : '')).settings).toThrow(
      /^Input "promote" is "always": use auto .* or never/
    )
  })
})

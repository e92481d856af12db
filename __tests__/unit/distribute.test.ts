import { InputError } from '../../src/shared/errors.js'
import {
  mergePlan,
  PLAN_LABEL,
  planDigest,
  platformPlan,
  platformTag,
  refusal,
  repositoryOf,
  targetsForRole
} from '../../src/plan/distribute.js'
import { imagetoolsCreateArgs, parseImagetoolsInspect } from '../../src/engine/imagetools.js'
import { podmanIndexCommands, skopeoInspectArgs } from '../../src/engine/podman-manifests.js'
import { findPlatformImages, MergeError } from '../../src/step/merge.js'
import type { IndexTool } from '../../src/engine/imagetools.js'
import { makeTargets } from '../../src/plan/targets.js'
import { bobPlan, ctxOf, FACTS, settingsOf, SHA } from './fixtures.js'
import { parse } from 'yaml'
import { setYamlParser } from '../../src/plan/inputs/yaml-parser.js'

setYamlParser(parse)

const OTHER = 'fedcba9876543210fedcba9876543210fedcba98'
const two = { platforms: 'linux/amd64,linux/arm64' }
const arm = { platforms: 'linux/arm64' }

describe('the distribute and merge inputs', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    ['both at once', { distribute: 'true', merge: 'true', ...arm }, /^Inputs "distribute" and "merge" are both true/],
    [
      'distribute with two platforms',
      { distribute: 'true', ...two },
      /^Input "distribute" is true and "platforms" is "linux\/amd64,linux\/arm64": a platform job builds exactly one/
    ],
    ['distribute with no platform', { distribute: 'true' }, /^Input "distribute" is true and "platforms" is "": /],
    ['merge with no platform', { merge: 'true' }, /^Input "merge" is true and "platforms" is empty/],
    ['merge with push: false', { merge: 'true', push: 'false', ...two }, /^Input "merge" is true and "push" is false/],
    [
      'merge with compose-file',
      { merge: 'true', 'compose-file': 'compose.yml', ...two },
      /^Input "merge" cannot be used with "compose-file"/
    ],
    [
      'distribute with compose-file',
      { distribute: 'true', 'compose-file': 'compose.yml', ...arm },
      /^Input "distribute" cannot be used with "compose-file"/
    ],
    [
      'merge with a test',
      { merge: 'true', test: 'true', ...two },
      /^Input "merge" is true and "test" is "true": the merge job builds nothing to test/
    ],
    ['a flag that is not a boolean', { merge: 'yes', ...two }, /^Input "merge" is "yes": use true or false\.$/]
  ])('refuses %s in one line', (_what, inputs, message) => {
    expect(() => settingsOf(inputs)).toThrow(InputError)
    expect(() => settingsOf(inputs)).toThrow(message)
  })

  it.each<[Record<string, string>, string]>([
    [{}, 'single'],
    [{ distribute: 'true', platforms: 'arm64' }, 'platform'],
    [{ merge: 'true', ...two }, 'merge'],
    [{ distribute: 'false', merge: 'false', ...two }, 'single']
  ])('reads %j as the role %s', (inputs, role) => {
    expect(settingsOf(inputs).role).toBe(role)
  })
})

describe('the platform reference', () => {
  it.each<[string, string]>([
    ['linux/amd64', 'dist-0123456789ab-linux-amd64-abcdef01'],
    ['linux/arm/v7', 'dist-0123456789ab-linux-arm-v7-abcdef01']
  ])('of %s is %s', (platform, tag) => {
    expect(platformTag(SHA, platform, 'abcdef0123456789')).toBe(tag)
  })

  it.each<[string, string]>([
    ['127.0.0.1:5000/a/b:tag', '127.0.0.1:5000/a/b'],
    ['bob/app:1.2', 'bob/app']
  ])('sits in the repository of %s', (ref, repo) => {
    expect(repositoryOf(ref)).toBe(repo)
  })

  it('is the only reference a platform job pushes, in every repository of the final tags, labelled with the plan', () => {
    const registries = '- registry: ghcr.io\n  username: bob\n  password: pw2\n'
    const plan = bobPlan({ ...arm, distribute: 'true', registries })
    const p = platformPlan(plan, SHA)
    const tag = platformTag(SHA, 'linux/arm64', planDigest(plan))
    expect(p.references).toEqual([`bob/app:${tag}`, `ghcr.io/bob/app:${tag}`])
    expect(p.labels[PLAN_LABEL]).toBe(planDigest(plan))
    expect(p.labels['org.opencontainers.image.revision']).toBe(SHA)
    expect(p.build).toEqual(plan.build)
  })

  it('is what the merge job looks for, platform by platform', () => {
    const platform = platformPlan(bobPlan({ ...arm, distribute: 'true' }), SHA)
    const merge = mergePlan(bobPlan({ ...two, merge: 'true' }), SHA)
    expect(merge.indexes).toHaveLength(1)
    expect(merge.indexes[0]?.tags).toEqual(['bob/app:latest', 'bob/app:main', 'bob/app:sha-0123456'])
    expect(merge.indexes[0]?.sources.map(s => s.platform)).toEqual(['linux/amd64', 'linux/arm64'])
    expect(merge.indexes[0]?.sources[1]?.reference).toBe(platform.references[0])
  })

  it('refuses a job without a commit', () => {
    expect(() => platformPlan(bobPlan(arm), '')).toThrow(/^Input "distribute" is true but the commit \(GITHUB_SHA\) is empty/)
  })
})

describe('the plan digest', () => {
  const base = bobPlan(arm)
  it.each<[string, Record<string, string>]>([
    ['the platforms', two],
    ['the cache', { ...arm, cache: 'registry' }],
    ['the engine', { ...arm, engine: 'podman' }]
  ])('does not depend on %s', (_what, inputs) => {
    expect(planDigest(bobPlan(inputs))).toBe(planDigest(base))
  })

  it('does not depend on the clock (the created label)', () => {
    const later = { ...base, labels: { ...base.labels, 'org.opencontainers.image.created': '2030-01-01T00:00:00Z' } }
    expect(planDigest(later)).toBe(planDigest(base))
  })

  it.each<[string, Record<string, string>]>([
    ['the build args', { ...arm, 'build-args': 'NOTE=two' }],
    ['the tags', { ...arm, tags: 'edge' }],
    ['the labels', { ...arm, labels: 'team=x' }],
    ['the Dockerfile', { ...arm, file: 'other.Dockerfile' }],
    ['the target', { ...arm, target: 'prod' }]
  ])('changes with %s', (_what, inputs) => {
    expect(planDigest(bobPlan(inputs))).not.toBe(planDigest(base))
  })
})

describe('what the merge takes', () => {
  const merge = mergePlan(bobPlan(two), SHA)
  const ref = 'bob/app:dist-x'
  const good = { [PLAN_LABEL]: merge.planDigest, 'org.opencontainers.image.revision': SHA }
  it.each<[string, { digest: string; labels: Record<string, string> } | undefined, RegExp | '']>([
    ['the image of this commit and plan', { digest: 'sha256:1', labels: good }, ''],
    ['no image', undefined, /^linux\/arm64: no image at bob\/app:dist-x/],
    [
      'an image of another commit',
      { digest: 'sha256:1', labels: { ...good, 'org.opencontainers.image.revision': OTHER } },
      /^linux\/arm64: .* built from commit fedcba98.*, not 0123456789/
    ],
    ['an image without a revision', { digest: 'sha256:1', labels: {} }, /an unlabelled commit/],
    [
      'an image of another plan',
      { digest: 'sha256:1', labels: { ...good, [PLAN_LABEL]: 'f'.repeat(64) } },
      /^linux\/arm64: .* built for another plan \(inputs digest ffffffffffff/
    ]
  ])('%s', (_what, found, why) => {
    const got = refusal(merge, 'linux/arm64', ref, found)
    if (why === '') expect(got).toBe('')
    else expect(got).toMatch(why)
  })

  it('annotates the index with the OCI labels and the index-level annotations of the input', () => {
    const m = mergePlan(
      bobPlan({ ...two, annotations: 'index:org.opencontainers.image.title=Mine\nmanifest:a=b\nc=d\nindex,manifest:e=f' }),
      SHA
    )
    expect(m.annotations).toContain(`org.opencontainers.image.revision=${SHA}`)
    expect(m.annotations).toContain('org.opencontainers.image.title=Mine')
    expect(m.annotations).not.toContain('org.opencontainers.image.title=Hello-App')
    expect(m.annotations).toContain('e=f')
    expect(m.annotations.filter(a => a === 'a=b' || a === 'c=d')).toEqual([])
  })
})

describe('the merge', () => {
  const plan = mergePlan(bobPlan({ ...two, registries: '- registry: ghcr.io\n  username: bob\n  password: pw2\n' }), SHA)
  const labels = { [PLAN_LABEL]: plan.planDigest, 'org.opencontainers.image.revision': SHA }

  function fakeTool(missing: string[]): IndexTool & { created: number } {
    return {
      created: 0,
      async find(reference: string, platform: string) {
        return missing.includes(platform)
          ? undefined
          : { digest: `sha256:${platform.replace('/', '-')}-${repositoryOf(reference)}`, labels }
      },
      async create() {
        this.created++
        return 'sha256:index'
      }
    }
  }

  it('finds every platform image of every registry', async () => {
    const found = await findPlatformImages(fakeTool([]), plan)
    expect(found.map(images => images.map(i => i.digest))).toEqual([
      ['sha256:linux-amd64-bob/app', 'sha256:linux-arm64-bob/app'],
      ['sha256:linux-amd64-ghcr.io/bob/app', 'sha256:linux-arm64-ghcr.io/bob/app']
    ])
  })

  it('refuses before creating anything when a platform is missing, naming it', async () => {
    const tool = fakeTool(['linux/arm64'])
    await expect(findPlatformImages(tool, plan)).rejects.toThrow(MergeError)
    await expect(findPlatformImages(tool, plan)).rejects.toThrow(
      /^Merge refused, no tag was changed: linux\/arm64: no image at bob\/app:dist-.*; linux\/arm64: no image at ghcr\.io/
    )
    expect(tool.created).toBe(0)
  })
})

describe('the merge commands', () => {
  const index = { repository: 'r:5000/a', tags: ['r:5000/a:latest', 'r:5000/a:1.0'], sources: [] }
  it('makes one imagetools create for every tag of a repository', () => {
    expect(imagetoolsCreateArgs(index, ['sha256:a', 'sha256:b'], ['k=v'])).toEqual([
      'buildx',
      'imagetools',
      'create',
      '--tag',
      'r:5000/a:latest',
      '--tag',
      'r:5000/a:1.0',
      '--annotation',
      'index:k=v',
      'r:5000/a@sha256:a',
      'r:5000/a@sha256:b'
    ])
  })

  it('makes a podman manifest list of every image (all of an index) and pushes it to each tag', () => {
    expect(podmanIndexCommands('localhost/l', index, ['sha256:a'], '/t/d')).toEqual([
      ['manifest', 'create', 'localhost/l'],
      ['manifest', 'add', '--all', 'localhost/l', 'docker://r:5000/a@sha256:a'],
      ['manifest', 'push', '--all', '--digestfile', '/t/d', 'localhost/l', 'docker://r:5000/a:latest'],
      ['manifest', 'push', '--all', '--digestfile', '/t/d', 'localhost/l', 'docker://r:5000/a:1.0']
    ])
  })

  it.each<[string, string, string[]]>([
    ['linux/arm64', '', ['inspect', '--override-os', 'linux', '--override-arch', 'arm64', 'docker://r/a:t']],
    [
      'linux/arm/v7',
      '/etc/r.conf',
      [
        '--registries-conf',
        '/etc/r.conf',
        'inspect',
        '--override-os',
        'linux',
        '--override-arch',
        'arm',
        '--override-variant',
        'v7',
        'docker://r/a:t'
      ]
    ]
  ])('inspects the %s image with skopeo (registries.conf %j)', (platform, conf, argv) => {
    expect(skopeoInspectArgs('r/a:t', platform, conf)).toEqual(argv)
  })

  it.each<[string, object]>([
    ['a single manifest', { manifest: { digest: 'sha256:m' }, image: { architecture: 'arm64', config: { Labels: { a: 'b' } } } }],
    [
      'an index with attestations',
      { manifest: { digest: 'sha256:m' }, image: { 'linux/arm64': { architecture: 'arm64', config: { Labels: { a: 'b' } } } } }
    ]
  ])('reads the digest and labels of %s from imagetools inspect', (_what, json) => {
    expect(parseImagetoolsInspect(JSON.stringify(json), 'linux/arm64')).toEqual({ digest: 'sha256:m', labels: { a: 'b' } })
  })
})

describe('targetsForRole', () => {
  it('gives a platform job its platform reference and says so', () => {
    const s = settingsOf({ username: 'bob', password: 'pw', image: 'bob/app', distribute: 'true', ...arm })
    const [t] = targetsForRole(makeTargets(s, ctxOf(), FACTS), s.role, SHA)
    expect(t?.plan.references).toHaveLength(1)
    expect(t?.plan.references[0]).toMatch(/^bob\/app:dist-0123456789ab-linux-arm64-[0-9a-f]{8}$/)
    expect(t?.plan.notices.at(-1)).toMatch(/^distribute: this platform job pushes only bob\/app:dist-/)
  })

  it('keeps the final tags of a merge job', () => {
    const s = settingsOf({ username: 'bob', password: 'pw', image: 'bob/app', merge: 'true', ...two })
    const [t] = targetsForRole(makeTargets(s, ctxOf(), FACTS), s.role, SHA)
    expect(t?.plan.references).toEqual(['bob/app:latest', 'bob/app:main', 'bob/app:sha-0123456'])
    expect(t?.plan.notices.at(-1)).toMatch(
      /^merge: takes linux\/amd64 from bob\/app:dist-0123456789ab-linux-amd64-[0-9a-f]{8}, linux\/arm64 from bob\/app:dist-/
    )
  })
})

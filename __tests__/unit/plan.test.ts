import { InputError } from '../../src/shared/errors.js'
import { makePlan } from '../../src/plan/plan.js'
import { ctxOf, FACTS, settingsOf } from './fixtures.js'

const HUB = { username: 'bob', password: 'pw' }
const pr = (fromFork: boolean) => ctxOf({ eventName: 'pull_request', ref: 'refs/pull/7/merge', pullRequest: { number: 7, fromFork } })

describe('makePlan references and push decision', () => {
  it.each<[string, Record<string, string>, ReturnType<typeof ctxOf>, string[], boolean]>([
    [
      'pushes latest and sha for the default branch on Docker Hub',
      HUB,
      ctxOf(),
      ['bob/hello-app:latest', 'bob/hello-app:main', 'bob/hello-app:sha-0123456'],
      true
    ],
    [
      'pushes the branch name for another branch',
      HUB,
      ctxOf({ ref: 'refs/heads/my/feature#1245' }),
      ['bob/hello-app:my-feature-1245', 'bob/hello-app:sha-0123456'],
      true
    ],
    [
      'pushes every version form for a tag',
      { ...HUB, image: 'bob/app' },
      ctxOf({ ref: 'refs/tags/v1.2.3' }),
      ['bob/app:v1.2.3', 'bob/app:1.2.3', 'bob/app:1.2', 'bob/app:1'],
      true
    ],
    [
      'treats a release like the push of its tag',
      { ...HUB, image: 'bob/app' },
      ctxOf({ eventName: 'release', ref: 'refs/tags/v2.0.0', releaseTag: 'v2.0.0' }),
      ['bob/app:v2.0.0', 'bob/app:2.0.0', 'bob/app:2.0', 'bob/app:2'],
      true
    ],
    [
      'treats workflow_dispatch like a push of its ref',
      { ...HUB, image: 'bob/app' },
      ctxOf({ eventName: 'workflow_dispatch', ref: 'refs/heads/main' }),
      ['bob/app:latest', 'bob/app:main', 'bob/app:sha-0123456'],
      true
    ],
    [
      'gives a schedule nightly and sha',
      { ...HUB, image: 'bob/app' },
      ctxOf({ eventName: 'schedule', defaultBranch: undefined }),
      ['bob/app:nightly', 'bob/app:sha-0123456'],
      true
    ],
    ['builds a pull request as pr-N without pushing', { ...HUB, image: 'bob/app' }, pr(false), ['bob/app:pr-7'], false],
    [
      'builds a fork pull request without a password and does not push',
      { username: 'bob', image: 'bob/app' },
      pr(true),
      ['bob/app:pr-7'],
      false
    ],
    [
      'prefixes a port registry and keeps the path',
      { registry: 'localhost:5000', image: 'team/app' },
      ctxOf(),
      ['localhost:5000/team/app:latest', 'localhost:5000/team/app:main', 'localhost:5000/team/app:sha-0123456'],
      true
    ],
    [
      'takes a host in image over the registry input',
      { image: 'localhost:5000/team/app' },
      ctxOf(),
      ['localhost:5000/team/app:latest', 'localhost:5000/team/app:main', 'localhost:5000/team/app:sha-0123456'],
      true
    ],
    [
      'lowercases the owner and repo of the default name elsewhere',
      { registry: '127.0.0.1:5000' },
      ctxOf(),
      [
        '127.0.0.1:5000/octo-org/hello-app:latest',
        '127.0.0.1:5000/octo-org/hello-app:main',
        '127.0.0.1:5000/octo-org/hello-app:sha-0123456'
      ],
      true
    ],
    [
      'puts a one-part image in the user namespace on Docker Hub',
      { ...HUB, image: 'App' },
      ctxOf(),
      ['bob/app:latest', 'bob/app:main', 'bob/app:sha-0123456'],
      true
    ],
    [
      'adds bare extra tags to the derived ones',
      { ...HUB, image: 'bob/app', tags: 'edge, stable' },
      ctxOf(),
      ['bob/app:latest', 'bob/app:main', 'bob/app:sha-0123456', 'bob/app:edge', 'bob/app:stable'],
      true
    ],
    [
      'uses exactly the full references given, no derived extras',
      { ...HUB, tags: 'bob/app:v1.2.3' },
      ctxOf({ ref: 'refs/tags/v1.2.3' }),
      ['bob/app:v1.2.3'],
      true
    ],
    [
      'keeps full references on other registries as written',
      { ...HUB, image: 'bob/app', tags: 'ghcr.io/Octo/app:edge\nbob/app:latest' },
      ctxOf(),
      ['ghcr.io/octo/app:edge', 'bob/app:latest'],
      true
    ],
    [
      'never pushes with push: false',
      { ...HUB, push: 'false' },
      ctxOf(),
      ['bob/hello-app:latest', 'bob/hello-app:main', 'bob/hello-app:sha-0123456'],
      false
    ],
    ['pushes a pull request with push: true', { ...HUB, image: 'bob/app', push: 'true' }, pr(false), ['bob/app:pr-7'], true],
    [
      'does not push a merge group on auto',
      { ...HUB, image: 'bob/app' },
      ctxOf({ eventName: 'merge_group', ref: 'refs/heads/gh-readonly-queue/main/pr-1-abc' }),
      ['bob/app:gh-readonly-queue-main-pr-1-abc', 'bob/app:sha-0123456'],
      false
    ]
  ])('%s', (_name, inputs, ctx, references, push) => {
    const plan = makePlan(settingsOf(inputs), ctx, FACTS)
    expect(plan.references).toEqual(references)
    expect(plan.push).toBe(push)
  })
})

describe('makePlan logins', () => {
  it('logs in to the image registry with the username', () => {
    expect(makePlan(settingsOf({ ...HUB, image: 'localhost:5000/a/b' }), ctxOf(), FACTS).logins).toEqual([
      { registry: 'localhost:5000', username: 'bob', passwordFrom: 'password' }
    ])
  })

  it('plans no login for a fork pull request without a password, with a notice', () => {
    const plan = makePlan(settingsOf({ username: 'bob', image: 'bob/app', push: 'true' }), pr(true), FACTS)
    expect(plan.logins).toEqual([])
    expect(plan.push).toBe(false)
    expect(plan.notices.join()).toMatch(/fork/)
  })

  it('uses github.actor and github-token for ghcr.io without credentials', () => {
    const plan = makePlan(settingsOf({ registry: 'ghcr.io', 'github-token': 'ghs_x' }), ctxOf(), FACTS)
    expect(plan.image).toBe('ghcr.io/octo-org/hello-app')
    expect(plan.logins).toEqual([{ registry: 'ghcr.io', username: 'octocat', passwordFrom: 'github-token' }])
  })

  it('pushes without login to Docker Hub when an earlier step logged in', () => {
    const plan = makePlan(settingsOf({ image: 'bob/app' }), ctxOf(), { ...FACTS, loggedIn: ['docker.io'] })
    expect(plan.push).toBe(true)
    expect(plan.logins).toEqual([])
  })

  it.each<[string, Record<string, string>, RegExp]>([
    [
      'a username without a password on a push',
      { username: 'bob', image: 'bob/app' },
      /Input "password" is empty while "username" is "bob".*forks/
    ],
    [
      'no credentials for Docker Hub on a push',
      { image: 'bob/app' },
      /Inputs "username" and "password" are empty: pushing to docker.io needs a login/
    ],
    ['no image and no username on Docker Hub', {}, /Input "image" is empty and so is "username"/],
    ['a tag with spaces', { ...HUB, tags: 'my tag' }, /Input "tags" has "my tag"/],
    ['a reference whose tag has a colon', { ...HUB, tags: 'bob/app:a:b' }, /Input "tags" has "bob\/app:a:b": the tag "a:b"/],
    ['an image with a tag', { ...HUB, image: 'bob/app:1.0' }, /Input "image" is "bob\/app:1.0": give the image name without a tag/],
    ['an image with a space', { ...HUB, image: 'bob/my app' }, /Input "image" is "bob\/my app": an image name has no spaces/],
    ['an image with tag and digest', { ...HUB, image: 'bob/app:1@sha256:abc' }, /without a digest/]
  ])('refuses %s', (_name, inputs, message) => {
    expect(() => makePlan(settingsOf(inputs), ctxOf(), FACTS)).toThrow(InputError)
    expect(() => makePlan(settingsOf(inputs), ctxOf(), FACTS)).toThrow(message)
  })
})

describe('makePlan labels and version', () => {
  const ctx = ctxOf({
    ref: 'refs/tags/v1.2.3',
    repoDescription: 'Says hello',
    repoUrl: 'https://github.com/Octo-Org/Hello-App',
    license: 'MIT',
    commitTime: '2026-01-01T00:00:00.000Z'
  })

  it('derives the OCI labels from the payload, with the commit time as created', () => {
    const plan = makePlan(settingsOf({ ...HUB, image: 'bob/app' }), ctx, FACTS)
    expect(plan.version).toBe('1.2.3')
    expect(plan.labels).toEqual({
      'org.opencontainers.image.title': 'Hello-App',
      'org.opencontainers.image.description': 'Says hello',
      'org.opencontainers.image.url': 'https://github.com/Octo-Org/Hello-App',
      'org.opencontainers.image.source': 'https://github.com/Octo-Org/Hello-App',
      'org.opencontainers.image.version': '1.2.3',
      'org.opencontainers.image.created': '2026-01-01T00:00:00.000Z',
      'org.opencontainers.image.revision': '0123456789abcdef0123456789abcdef01234567',
      'org.opencontainers.image.licenses': 'MIT'
    })
  })

  it('lets the labels input win over derived labels', () => {
    const plan = makePlan(settingsOf({ ...HUB, image: 'bob/app', labels: 'org.opencontainers.image.title=Mine\nteam=web' }), ctx, FACTS)
    expect(plan.labels['org.opencontainers.image.title']).toBe('Mine')
    expect(plan.labels.team).toBe('web')
  })

  it('uses the run time as created when the payload has no commit time', () => {
    const plan = makePlan(settingsOf({ ...HUB, image: 'bob/app' }), ctxOf(), FACTS)
    expect(plan.labels['org.opencontainers.image.created']).toBe('2026-01-02T03:04:05.000Z')
  })

  it('holds no secret value in its JSON', () => {
    const plan = makePlan(settingsOf({ username: 'bob', password: 'hunter2', image: 'bob/app', secrets: 'token=s3cr3t' }), ctxOf(), FACTS)
    const json = JSON.stringify(plan)
    expect(json).not.toContain('hunter2')
    expect(json).not.toContain('s3cr3t')
    expect(plan.build.secretIds).toEqual(['token'])
  })
})

describe('makePlan and the code of a fork on events that have the secrets', () => {
  const target = (fromFork: boolean) =>
    ctxOf({ eventName: 'pull_request_target', ref: 'refs/heads/main', pullRequest: { number: 7, fromFork } })
  const run = (runFromFork: boolean) => ctxOf({ eventName: 'workflow_run', ref: 'refs/heads/main', runFromFork })

  it.each([
    ['pull_request_target from a fork', target(true)],
    ['workflow_run of a fork', run(true)]
  ])('refuses to push on %s', (_name, ctx) => {
    expect(() => makePlan(settingsOf({ ...HUB, push: 'true' }), ctx, FACTS)).toThrow(InputError)
    expect(() => makePlan(settingsOf({ ...HUB, push: 'true' }), ctx, FACTS)).toThrow(
      /Refusing to push a fork's code.*allow-fork-push: true/
    )
  })

  it.each([
    ['pull_request_target from the repository', target(false), { push: 'true' }, true],
    ['workflow_run of the repository', run(false), {}, true],
    ['pull_request_target from a fork, not pushing', target(true), {}, false],
    ['pull_request_target from a fork with allow-fork-push', target(true), { push: 'true', 'allow-fork-push': 'true' }, true],
    ['workflow_run of a fork with allow-fork-push', run(true), { 'allow-fork-push': 'true' }, true]
  ])('plans %s', (_name, ctx, inputs, push) => {
    expect(makePlan(settingsOf({ ...HUB, ...inputs }), ctx, FACTS).push).toBe(push)
  })
})

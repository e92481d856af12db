import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type CliArgs, parseCliArgs, runCli, UsageError } from '../../src/cli/cli.js'

describe('parseCliArgs', () => {
  it.each<[string[], Partial<CliArgs>]>([
    [['plan'], { command: 'plan', json: false, preview: {}, inputs: {}, secrets: true }],
    [['plan', '--json'], { json: true }],
    [['--help'], { command: 'help' }],
    [['help'], { command: 'help' }],
    [['plan', '-C', '/src/app'], { cwd: '/src/app' }],
    [['plan', '--event', 'pull_request', '--pr', '12'], { preview: { event: 'pull_request', pr: 12 } }],
    [['plan', '--pr', '7', '--fork'], { preview: { pr: 7, fork: true }, secrets: false }],
    [['plan', '--ref', 'refs/tags/v1.2.3'], { preview: { ref: 'refs/tags/v1.2.3' } }],
    [
      ['plan', '--sha', 'ABCDEF1', '--repository', 'o/r', '--default-branch', 'refs/heads/trunk', '--actor', 'me'],
      { preview: { sha: 'abcdef1', repository: 'o/r', defaultBranch: 'trunk', actor: 'me' } }
    ],
    [
      ['plan', '--image', 'user/app', '--registry', 'ghcr.io', '--username', 'bob', '--latest', 'semver', '--push', 'true'],
      { inputs: { image: 'user/app', registry: 'ghcr.io', username: 'bob', latest: 'semver', push: 'true' } }
    ],
    [['plan', '--tags', 'edge', '--tags', 'user/app:x'], { inputs: { tags: 'edge\nuser/app:x' } }],
    [['plan', '--build-arg', 'A=1', '--label', 'k=v'], { inputs: { 'build-args': 'A=1', labels: 'k=v' } }],
    [['plan', '--input', 'engine=docker', '--input', 'tags=a', '--tags', 'b'], { inputs: { engine: 'docker', tags: 'b\na' } }],
    [['plan', '--input', 'target=a=b'], { inputs: { target: 'a=b' } }],
    [['plan', '--no-secrets'], { secrets: false }]
  ])('%j', (argv, expected) => {
    expect(parseCliArgs(argv)).toMatchObject(expected)
  })

  it.each<[string[], RegExp]>([
    [[], /Missing the command/],
    [['build'], /Unknown command "build"/],
    [['plan', 'extra'], /Unexpected argument "extra"/],
    [['plan', '--bogus'], /bogus/],
    [['plan', '--pr', 'twelve'], /--pr "twelve"/],
    [['plan', '--pr', '0'], /--pr "0"/],
    [['plan', '--sha', 'xyz'], /--sha "xyz"/],
    [['plan', '--repository', 'just-a-name'], /OWNER\/REPO/],
    [['plan', '--event', 'Push!'], /--event "Push!"/],
    [['plan', '--input', 'novalue'], /NAME=VALUE/],
    [['plan', '--input', 'password=x'], /never takes "password"/],
    [['plan', '--ref', ' '], /--ref is empty/]
  ])('rejects %j', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(UsageError)
    expect(() => parseCliArgs(argv)).toThrow(message)
  })
})

describe('runCli against a git checkout', () => {
  let repo: string
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repo,
      stdio: 'pipe',
      env: {
        ...process.env,
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: 'Test',
        GIT_AUTHOR_EMAIL: 'test@example.com',
        GIT_COMMITTER_NAME: 'Test',
        GIT_COMMITTER_EMAIL: 'test@example.com',
        GIT_AUTHOR_DATE: '2026-01-02T03:04:05Z',
        GIT_COMMITTER_DATE: '2026-01-02T03:04:05Z'
      }
    })
      .toString()
      .trim()

  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'docker-ship-cli-'))
    git('init', '-q', '-b', 'main')
    git('commit', '-q', '--allow-empty', '-m', 'first')
    git('tag', 'v1.0.0')
    git('commit', '-q', '--allow-empty', '-m', 'second')
    git('tag', '-a', 'v1.2.3', '-m', 'release 1.2.3')
    git('remote', 'add', 'origin', 'git@github.com:Octo-Org/Hello-App.git')
    git('symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main')
  })
  afterAll(() => rmSync(repo, { recursive: true, force: true }))

  function cli(...argv: string[]): { code: number; out: string; err: string } {
    let out = ''
    let err = ''
    const code = runCli(argv, { cwd: repo, stdout: t => (out += t), stderr: t => (err += t), now: new Date('2030-01-01T00:00:00Z') })
    return { code, out, err }
  }

  it('previews a push of the current branch as JSON', () => {
    const sha = git('rev-parse', 'HEAD')
    const { code, out, err } = cli('plan', '--json', '--username', 'bob')
    expect(err).toBe('')
    expect(code).toBe(0)
    const json = JSON.parse(out)
    expect(json.context).toMatchObject({
      eventName: 'push',
      ref: 'refs/heads/main',
      sha,
      repository: 'Octo-Org/Hello-App',
      defaultBranch: 'main',
      commitTime: '2026-01-02T03:04:05.000Z'
    })
    expect(json.trigger).toEqual({ kind: 'branch', name: 'main', sha, isDefaultBranch: true })
    expect(json.plan).toMatchObject({
      image: 'bob/hello-app',
      references: ['bob/hello-app:latest', 'bob/hello-app:main', `bob/hello-app:sha-${sha.slice(0, 7)}`],
      version: 'main',
      push: true,
      logins: [{ registry: 'docker.io', username: 'bob', passwordFrom: 'password' }]
    })
    expect(json.plan.labels).toMatchObject({
      'org.opencontainers.image.source': 'https://github.com/Octo-Org/Hello-App',
      'org.opencontainers.image.revision': sha,
      'org.opencontainers.image.created': '2026-01-02T03:04:05.000Z'
    })
    expect(json.notices.join('\n')).toMatch(/HEAD is also tagged v1.2.3/)
    expect(out).not.toContain('********')
  })

  it('previews the tag, with latest from the semver policy', () => {
    const { code, out } = cli(
      'plan',
      '--json',
      '--ref',
      'refs/tags/v1.2.3',
      '--image',
      'user/app',
      '--username',
      'bob',
      '--latest',
      'semver'
    )
    expect(code).toBe(0)
    expect(JSON.parse(out).plan).toMatchObject({
      references: ['user/app:v1.2.3', 'user/app:1.2.3', 'user/app:1.2', 'user/app:1', 'user/app:latest'],
      version: '1.2.3',
      push: true
    })
  })

  it('previews a pull request: built, not pushed', () => {
    const { code, out } = cli('plan', '--event', 'pull_request', '--pr', '12', '--username', 'bob')
    expect(code).toBe(0)
    expect(out).toMatch(/^references:\n {2}bob\/hello-app:pr-12\n/m)
    expect(out).toMatch(/^push: +no \(push: auto does not push on "pull_request" events\)$/m)
  })

  it('previews a fork pull request without secrets', () => {
    const { code, out } = cli('plan', '--json', '--pr', '5', '--fork', '--username', 'bob', '--push', 'true')
    expect(code).toBe(0)
    const json = JSON.parse(out)
    expect(json.plan).toMatchObject({ push: false, logins: [] })
    expect(json.notices.join('\n')).toMatch(/comes from a fork/)
  })

  it('previews ghcr.io with the github-token login', () => {
    const { code, out } = cli('plan', '--json', '--registry', 'ghcr.io')
    expect(code).toBe(0)
    expect(JSON.parse(out).plan).toMatchObject({
      image: 'ghcr.io/octo-org/hello-app',
      logins: [{ registry: 'ghcr.io', username: 'Octo-Org', passwordFrom: 'github-token' }]
    })
  })

  it('exits 1 with the action error when the action would fail', () => {
    const { code, err } = cli('plan')
    expect(code).toBe(1)
    expect(err).toMatch(/the action would fail here: Input "image" is empty and so is "username"/)
  })

  it('exits 2 with the usage on a bad command line, 0 with --help', () => {
    const bad = cli('plan', '--nope')
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/Usage: docker-ship plan/)
    const help = cli('--help')
    expect(help.code).toBe(0)
    expect(help.out).toMatch(/Usage: docker-ship plan/)
  })
})

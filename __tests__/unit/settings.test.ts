import { writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InputError } from '../../src/shared/errors.js'
import { readGitHubContext } from '../../src/plan/inputs/github-context.js'
import { parseList } from '../../src/plan/inputs/input-list.js'
import { readSettings } from '../../src/plan/inputs/settings.js'

const read = (inputs: Record<string, string>) => readSettings(name => inputs[name] ?? '')

describe('parseList', () => {
  it.each<[string, boolean, string[]]>([
    ['a,b\nc', true, ['a', 'b', 'c']],
    ['a\n# comment\n\n  b  ', true, ['a', 'b']],
    ['"x,y",z', true, ['x,y', 'z']],
    ['A=1,2\nB=3', false, ['A=1,2', 'B=3']]
  ])('splits %j (commas: %s) into %j', (raw, commas, items) => {
    expect(parseList(raw, { commas })).toEqual(items)
  })
})

describe('readSettings', () => {
  it('applies the defaults of action.yml', () => {
    const { settings } = read({})
    expect(settings).toMatchObject({
      registry: 'docker.io',
      context: '.',
      file: 'Dockerfile',
      push: 'auto',
      latest: 'default-branch',
      engine: 'auto',
      dryRun: false
    })
  })

  it('defaults the Dockerfile to the context folder', () => {
    expect(read({ context: 'backend' }).settings.file).toBe('backend/Dockerfile')
  })

  it('normalises a registry URL with a notice', () => {
    const { settings, notices } = read({ registry: 'https://ghcr.io/' })
    expect(settings.registry).toBe('ghcr.io')
    expect(notices.join()).toMatch(/using the registry host "ghcr.io"/)
  })

  it('trims a password with a trailing newline, with a notice that does not show it', () => {
    const { settings, notices } = read({ username: 'u', password: 'tok\n' })
    expect(settings.password).toBe('tok')
    expect(notices.join()).toMatch(/trimmed/)
    expect(notices.join()).not.toContain('tok')
  })

  it('parses build args, labels and secrets keeping commas and = in values', () => {
    const { settings } = read({ 'build-args': 'A=1,2\nB=x=y', secrets: 'token=abc=', labels: 'k=v' })
    expect(settings.buildArgs).toEqual([
      { key: 'A', value: '1,2' },
      { key: 'B', value: 'x=y' }
    ])
    expect(settings.secrets).toEqual([{ id: 'token', value: 'abc=' }])
  })

  it.each<[string, Record<string, string>, RegExp]>([
    ['push: maybe', { push: 'maybe' }, /^Input "push" is "maybe": use one of auto, true, false\.$/],
    [
      'a latest policy typo',
      { latest: 'defualt-branch' },
      /Input "latest" is "defualt-branch": use one of default-branch, semver, always, never/
    ],
    ['an unknown engine', { engine: 'kaniko' }, /Input "engine" is "kaniko": use one of auto, buildx, docker/],
    ['dry-run: yes', { 'dry-run': 'yes' }, /Input "dry-run" is "yes": use true or false/],
    ['a build arg without =', { 'build-args': 'FOO' }, /Input "build-args" has the line "FOO" without "="/],
    ['a secret without = (value hidden)', { secrets: 'hunter2' }, /Input "secrets" has a line without "=" \("\*+"\)/],
    ['a duplicate secret id', { secrets: 'a=1\na=2' }, /gives the id "a" twice/],
    ['a platform typo', { platforms: 'linux/amd46' }, /Input "platforms" has "linux\/amd46"/],
    ['a password without a username', { password: 'x' }, /"password" is set but "username" is empty/],
    ['a registry that is not a host', { registry: 'not a host' }, /Input "registry" is "not a host"/]
  ])('refuses %s with one line', (_name, inputs, message) => {
    let error: unknown
    try {
      read(inputs)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InputError)
    expect((error as Error).message).toMatch(message)
    expect((error as Error).message).not.toContain('\n')
    expect((error as Error).message).not.toContain('hunter2')
  })
})

describe('readGitHubContext', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctx-'))
  const payloadFile = (payload: unknown): string => {
    const f = join(dir, `${Math.random()}.json`)
    writeFileSync(f, typeof payload === 'string' ? payload : JSON.stringify(payload))
    return f
  }
  const env = { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/3/merge', GITHUB_SHA: 'a'.repeat(40), GITHUB_REPOSITORY: 'o/r' }

  it('reads a fork pull request from the payload', () => {
    const ctx = readGitHubContext({
      ...env,
      GITHUB_EVENT_PATH: payloadFile({
        number: 3,
        pull_request: { number: 3, head: { repo: { full_name: 'fork/r' } }, base: { repo: { full_name: 'o/r' } } },
        repository: { default_branch: 'trunk', full_name: 'o/r' }
      })
    })
    expect(ctx.pullRequest).toEqual({ number: 3, fromFork: true, headSha: undefined })
    expect(ctx.defaultBranch).toBe('trunk')
  })

  it('does not call a pull request inside one repository a fork', () => {
    const ctx = readGitHubContext({
      ...env,
      GITHUB_EVENT_PATH: payloadFile({
        pull_request: { number: 3, head: { repo: { full_name: 'o/r', fork: true } }, base: { repo: { full_name: 'o/r' } } }
      })
    })
    expect(ctx.pullRequest?.fromFork).toBe(false)
  })

  it.each([
    ['a fork', 'fork/r', true],
    ['the repository itself', 'O/R', false]
  ])('tells a workflow_run triggered from %s', (_name, head, fork) => {
    const ctx = readGitHubContext({
      ...env,
      GITHUB_EVENT_NAME: 'workflow_run',
      GITHUB_EVENT_PATH: payloadFile({ workflow_run: { head_repository: { full_name: head } }, repository: { full_name: 'o/r' } })
    })
    expect(ctx.runFromFork).toBe(fork)
  })

  it('takes the commit time of a push as an ISO date', () => {
    const ctx = readGitHubContext({ ...env, GITHUB_EVENT_PATH: payloadFile({ head_commit: { timestamp: '2026-01-01T01:00:00+01:00' } }) })
    expect(ctx.commitTime).toBe('2026-01-01T00:00:00.000Z')
  })

  it.each([
    ['missing', () => join(dir, 'nope.json'), /cannot be read \(ENOENT\)/],
    ['not JSON', () => payloadFile('{oops'), /is not JSON/]
  ])('refuses an event payload file that is %s', (_n, file, message) => {
    expect(() => readGitHubContext({ ...env, GITHUB_EVENT_PATH: file() })).toThrow(message)
  })
})

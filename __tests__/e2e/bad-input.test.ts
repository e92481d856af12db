import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { readE2EEnv, registryClient } from './support/registry.js'
import { annotationsOf, cleanupRuns, runAction, type RunOptions } from './support/runner.js'
import { commandLines, makeWorkspace, uniqueRepo } from './support/workspace.js'

/**
 * Every bad input is refused before anything logs in, builds or pushes: exit code 1 and one
 * error line that names the input, shows the value (secrets redacted) and says what to do.
 */
const env = readE2EEnv()
const registry = registryClient(env, 1)
const repo = uniqueRepo('bad-input')
const good = { registry: env.registry.host, image: repo, username: env.registry.user, password: env.registry.password }
const tmp = mkdtempSync(path.join(tmpdir(), 'bad-'))
const notJson = path.join(tmp, 'event.json')
writeFileSync(notJson, '{"ref": "refs/heads/main",')
const long = 'x'.repeat(129)
const DIGEST = 'sha256:' + 'a'.repeat(64)

afterAll(cleanupRuns)

type Row = [string, Record<string, string>, RegExp, Partial<RunOptions>?]

const rows: Row[] = [
  ['a space in image', { image: 'my app' }, /^Input "image" is "my app": an image name has no spaces/],
  ['uppercase and a space in image', { image: 'Bob/My App' }, /^Input "image" is "Bob\/My App": an image name has no spaces/],
  ['a tag in image', { image: 'bob/app:1.0' }, /^Input "image" is "bob\/app:1.0": give the image name without a tag/],
  [
    'a tag and a digest in image',
    { image: `bob/app:1@${DIGEST}` },
    /^Input "image" is "bob\/app:1@sha256:a+\.\.\.": give the image name without a digest/
  ],
  ['a digest in image', { image: `bob/app@${DIGEST}` }, /^Input "image" is .*without a digest/],
  ['an empty path part in image', { image: 'bob//app' }, /^Input "image" is "bob\/\/app": "" is not a valid name part/],
  ['a leading dash in image', { image: 'bob/-app' }, /^Input "image" is "bob\/-app": "-app" is not a valid name part/],
  ['a trailing separator in image', { image: 'bob/app_' }, /^Input "image" is "bob\/app_": "app_" is not a valid name part/],
  ['a shell character in image', { image: 'bob/ap$p' }, /^Input "image" is "bob\/ap\$p": "ap\$p" is not a valid name part/],
  [
    'a colon in the tag part of a tags reference',
    { tags: 'bob/app:a:b' },
    /^Input "tags" has "bob\/app:a:b": the tag "a:b" must be 1 to 128/
  ],
  ['a tag over 128 characters', { tags: long }, /^Input "tags" has "x{80}\.\.\.": a tag is 1 to 128/],
  [
    'a reference tag over 128 characters',
    { tags: `bob/app:${long}` },
    /^Input "tags" has "bob\/app:x+\.\.\.": the tag "x+\.\.\." must be 1 to 128/
  ],
  ['a tag starting with a dash', { tags: '-edge' }, /^Input "tags" has "-edge": a tag is 1 to 128 letters/],
  ['a tag with a space', { tags: 'my tag' }, /^Input "tags" has "my tag"/],
  ['a tag with shell characters', { tags: '$(touch /tmp/x)' }, /^Input "tags" has "\$\(touch \/tmp\/x\)"/],
  ['a reference without a tag', { tags: 'bob/app' }, /^Input "tags" has "bob\/app" without a tag: write name:tag, e\.g\. bob\/app:latest/],
  [
    'a reference with a digest',
    { tags: `bob/app@${DIGEST}` },
    /^Input "tags" has "bob\/app@sha256:a+": a pushed reference cannot carry a digest/
  ],
  [
    'a missing Dockerfile',
    { file: 'nope/Dockerfile' },
    /^Input "file" is "nope\/Dockerfile", which does not exist: give the path of your Dockerfile/
  ],
  ['a context that does not exist', { context: 'backend' }, /^Input "context" is "backend", which is not a folder in the workspace/],
  ['a context that is a file', { context: 'Dockerfile' }, /^Input "context" is "Dockerfile", which is not a folder/],
  ['an unknown engine', { engine: 'kaniko' }, /^Input "engine" is "kaniko": use one of auto, buildx, docker, podman\.$/],
  ['push: maybe', { push: 'maybe' }, /^Input "push" is "maybe": use one of auto, true, false\.$/],
  [
    'a latest policy typo',
    { latest: 'defualt-branch' },
    /^Input "latest" is "defualt-branch": use one of default-branch, semver, always, never\.$/
  ],
  ['a build-args line without =', { 'build-args': 'FOO' }, /^Input "build-args" has the line "FOO" without "=": write NAME=value/],
  ['a build-args name starting with a digit', { 'build-args': '1X=2' }, /^Input "build-args" has the name "1X"/],
  ['a build-args line with no name', { 'build-args': '=x' }, /^Input "build-args" has the line "=x" without "="/],
  [
    'a secrets line without = (value redacted)',
    { secrets: 'hunter2-value' },
    /^Input "secrets" has a line without "=" \("\*+"\): write id=value/
  ],
  [
    'duplicate secret ids',
    { secrets: 'token=first-value\ntoken=second-value' },
    /^Input "secrets" gives the id "token" twice: give each secret id once\.$/
  ],
  [
    'a secret id with a space',
    { secrets: 'my token=some-value' },
    /^Input "secrets" has the id "my token": a BuildKit secret id is only letters, digits/
  ],
  ['a labels line without =', { labels: 'team' }, /^Input "labels" has the line "team" without "=": write key=value/],
  ['a platform typo', { platforms: 'linux/amd46' }, /^Input "platforms" has "linux\/amd46": write os\/arch\[\/variant\]/],
  ['a platform without arch', { platforms: 'linux' }, /^Input "platforms" has "linux": write os\/arch/],
  // (linux/arm/8 is containerd's linux/arm/v8: accepted and normalised)
  ['a platform with a bad variant', { platforms: 'linux/arm/x7' }, /^Input "platforms" has "linux\/arm\/x7"/],
  ['dry-run: yes', { 'dry-run': 'yes' }, /^Input "dry-run" is "yes": use true or false\.$/],
  ['negative retries', { retries: '-1' }, /^Input "retries" is "-1": use a whole number from 0 to 20\.$/],
  ['retries in words', { retries: 'many' }, /^Input "retries" is "many": use a whole number/],
  ['an unreadable retry-delay', { 'retry-delay': 'soon' }, /^Input "retry-delay" is "soon": use seconds like 2, 2s or 500ms/],
  ['a registry that is not a host', { registry: 'not a host', image: 'app' }, /^Input "registry" is "not a host": give a registry host/],
  ['a registry with a path', { registry: 'ghcr.io/owner', image: 'app' }, /^Input "registry" is "ghcr.io\/owner": give a registry host/],
  ['a registry URL with no host', { registry: 'https://', image: 'app' }, /^Input "registry" is "https:\/\/": give a registry host/],
  [
    'a username without a password on a push',
    { password: '' },
    /^Input "password" is empty while "username" is "ci-user": pushing to 127\.0\.0\.1:5000 needs the password/
  ],
  ['a password without a username', { username: '' }, /^Input "password" is set but "username" is empty: set username/],
  [
    'no image and no username on Docker Hub',
    { registry: 'docker.io', image: '', username: '', password: '' },
    /^Input "image" is empty and so is "username"/
  ],
  [
    'no credentials for a push to Docker Hub',
    { registry: 'docker.io', image: 'bob/app', username: '', password: '' },
    /^Inputs "username" and "password" are empty: pushing to docker\.io needs a login/
  ],
  ['a target that is not a stage name', { target: 'my stage!' }, /^Input "target" is "my stage!": name a build stage/],
  [
    'an event payload file that is missing',
    {},
    /^GITHUB_EVENT_PATH is ".*missing\.json", which cannot be read \(ENOENT\)/,
    { eventPath: path.join(tmp, 'missing.json') }
  ],
  ['an event payload file that is not JSON', {}, /^GITHUB_EVENT_PATH is ".*event\.json", which is not JSON/, { eventPath: notJson }]
]

describe('bad inputs are refused with one line, pushing nothing', () => {
  // Every row gets its 4th element: jest would take a missing one for a `done` callback.
  it.each(rows.map(([n, i, m, e]) => [n, i, m, e ?? {}] as const))('refuses %s', async (_name, inputs, message, extra) => {
    const r = await runAction({
      workspace: makeWorkspace({ Dockerfile: `FROM ${env.baseImage}\n` }),
      secrets: [env.registry.password, 'hunter2-value'],
      ...extra,
      inputs: { ...good, ...inputs }
    })
    expect(r.main.exitCode).toBe(1)
    const errors = annotationsOf(r.main, 'error').map(a => a.message)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(message)
    expect(errors[0]).not.toContain('\n')
    // The runner consumes ::add-mask:: lines; everything else must not hold the secret.
    expect((r.main.stdout + r.main.stderr).replace(/^::add-mask::.*$/gm, '')).not.toContain('hunter2-value')
    expect(commandLines(r.main.log)).toEqual([])
  })

  it('pushed nothing to the registry in all those runs', async () => {
    expect(await registry.tags(repo)).toEqual([])
  })

  it(`has at least 40 rows (${rows.length})`, () => {
    expect(rows.length).toBeGreaterThanOrEqual(40)
  })
})

describe('inputs that are accepted with a notice', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    [
      'a registry URL is normalised',
      { registry: `http://${env.registry.host}/` },
      /Input "registry" is "http:\/\/127\.0\.0\.1:5000\/": using the registry host "127\.0\.0\.1:5000"/
    ],
    [
      'a password with a trailing newline is trimmed',
      { password: `${env.registry.password}\n` },
      /Input "password" had leading or trailing white space .*: it was trimmed/
    ]
  ])('%s', async (_name, inputs, notice) => {
    const r = await runAction({
      workspace: makeWorkspace({ Dockerfile: `FROM ${env.baseImage}\n` }),
      secrets: [env.registry.password],
      inputs: { ...good, image: repo.replace('bad-input', 'notice'), 'dry-run': 'true', ...inputs }
    })
    expect(r.main.exitCode).toBe(0)
    expect(
      annotationsOf(r.main, 'notice')
        .map(a => a.message)
        .join('\n')
    ).toMatch(notice)
  })
})

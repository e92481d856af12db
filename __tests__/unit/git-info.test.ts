import { InputError } from '../../src/shared/errors.js'
import { type GitInfo, gitHubContextOf, parseRemoteUrl, readGitInfo, redactUrl } from '../../src/cli/git-info.js'

describe('parseRemoteUrl', () => {
  it.each<[string, { host: string; repository: string } | undefined]>([
    ['https://github.com/Octo-Org/Hello-App.git', { host: 'github.com', repository: 'Octo-Org/Hello-App' }],
    ['https://github.com/Octo-Org/Hello-App', { host: 'github.com', repository: 'Octo-Org/Hello-App' }],
    ['https://github.com/octo/app/', { host: 'github.com', repository: 'octo/app' }],
    ['https://x-access-token:ghs_secret@github.com/octo/app.git', { host: 'github.com', repository: 'octo/app' }],
    ['http://ghe.example.com:8443/team/app.git', { host: 'ghe.example.com:8443', repository: 'team/app' }],
    ['git@github.com:Octo-Org/Hello-App.git', { host: 'github.com', repository: 'Octo-Org/Hello-App' }],
    ['github.com:octo/app', { host: 'github.com', repository: 'octo/app' }],
    ['ssh://git@github.com/octo/app.git', { host: 'github.com', repository: 'octo/app' }],
    ['ssh://git@ssh.github.com:443/octo/app.git', { host: 'github.com', repository: 'octo/app' }],
    ['ssh://git@GitLab.example.com:2222/group/sub/app.git', { host: 'gitlab.example.com', repository: 'group/sub/app' }],
    ['git://github.com/octo/app.git', { host: 'github.com', repository: 'octo/app' }],
    ['/srv/git/app.git', undefined],
    ['../app', undefined],
    ['file:///srv/git/octo/app.git', undefined],
    ['https://github.com/', undefined],
    ['https://github.com/octo', undefined],
    ['', undefined]
  ])('%s', (url, expected) => {
    expect(parseRemoteUrl(url)).toEqual(expected)
  })
})

describe('redactUrl', () => {
  it.each([
    ['https://user:token@github.com/o/r.git', 'https://github.com/o/r.git'],
    ['git@github.com:o/r.git', 'git@github.com:o/r.git'],
    ['https://github.com/o/r', 'https://github.com/o/r']
  ])('%s -> %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected)
  })
})

const SHA = '0123456789abcdef0123456789abcdef01234567'
const INFO: GitInfo = {
  root: '/work/hello-app',
  sha: SHA,
  branch: 'main',
  headTags: [],
  allTags: ['v1.0.0', 'v1.2.3'],
  remoteUrl: 'git@github.com:Octo-Org/Hello-App.git',
  remote: { host: 'github.com', repository: 'Octo-Org/Hello-App' },
  defaultBranch: 'main',
  defaultBranchGuessed: false,
  commitTime: '2026-01-02T03:04:05.000Z'
}

describe('gitHubContextOf', () => {
  it.each<[string, Partial<GitInfo>, Parameters<typeof gitHubContextOf>[1], Record<string, unknown>]>([
    ['a push of the current branch', {}, {}, { eventName: 'push', ref: 'refs/heads/main', defaultBranch: 'main' }],
    ['another branch', { branch: 'my/feature' }, {}, { ref: 'refs/heads/my/feature' }],
    ['a detached HEAD at a tag', { branch: undefined, headTags: ['v1.2.3'] }, {}, { ref: 'refs/tags/v1.2.3' }],
    ['--ref with a full ref', {}, { ref: 'refs/tags/v1.0.0' }, { ref: 'refs/tags/v1.0.0' }],
    ['--ref naming a known tag', {}, { ref: 'v1.2.3' }, { ref: 'refs/tags/v1.2.3' }],
    ['--ref naming a branch', {}, { ref: 'develop' }, { ref: 'refs/heads/develop' }],
    [
      '--pr implies a pull request',
      {},
      { pr: 12 },
      { eventName: 'pull_request', ref: 'refs/pull/12/merge', pullRequest: { number: 12, fromFork: false, headSha: SHA } }
    ],
    [
      'a fork pull request',
      {},
      { event: 'pull_request_target', pr: 3, fork: true },
      { pullRequest: { number: 3, fromFork: true, headSha: SHA } }
    ],
    ['a release of the tag at HEAD', { headTags: ['v1.2.3'] }, { event: 'release' }, { ref: 'refs/tags/v1.2.3', releaseTag: 'v1.2.3' }],
    ['a schedule runs on the default branch', { branch: 'topic' }, { event: 'schedule' }, { ref: 'refs/heads/main' }],
    [
      '--repository and --default-branch win',
      {},
      { repository: 'a/b', defaultBranch: 'trunk' },
      { repository: 'a/b', defaultBranch: 'trunk', actor: 'a' }
    ],
    [
      'a GitHub Enterprise remote',
      { remote: { host: 'ghe.example.com', repository: 'team/app' } },
      {},
      { repository: 'team/app', serverUrl: 'https://ghe.example.com', repoUrl: 'https://ghe.example.com/team/app' }
    ]
  ])('%s', (_name, info, preview, expected) => {
    const { ctx } = gitHubContextOf({ ...INFO, ...info }, preview)
    expect(ctx).toMatchObject({ sha: SHA, repository: 'Octo-Org/Hello-App', commitTime: INFO.commitTime, ...expected })
  })

  it.each<[string, Partial<GitInfo>, Parameters<typeof gitHubContextOf>[1], RegExp]>([
    ['a pull request without its number', {}, { event: 'pull_request' }, /--pr N/],
    ['--pr on a push', {}, { event: 'push', pr: 2 }, /only for pull request events/],
    ['a detached HEAD without a tag', { branch: undefined }, {}, /HEAD is detached and not tagged/],
    ['a release of a branch', {}, { event: 'release', ref: 'refs/heads/main' }, /release is made from a tag/],
    ['a schedule without a default branch', { defaultBranch: undefined }, { event: 'schedule' }, /default branch/]
  ])('rejects %s', (_name, info, preview, message) => {
    expect(() => gitHubContextOf({ ...INFO, ...info }, preview)).toThrow(InputError)
    expect(() => gitHubContextOf({ ...INFO, ...info }, preview)).toThrow(message)
  })

  it('says what it guessed', () => {
    const { ctx, notes } = gitHubContextOf({ ...INFO, remote: undefined, defaultBranchGuessed: true, headTags: ['v1.2.3'] })
    expect(ctx.repository).toBe('local/hello-app')
    expect(notes.join('\n')).toMatch(/taken to be "main"/)
    expect(notes.join('\n')).toMatch(/--repository OWNER\/REPO/)
    expect(notes.join('\n')).toMatch(/--ref refs\/tags\/v1.2.3/)
  })
})

describe('readGitInfo', () => {
  it('reads branch, tags, remote and default branch through git', () => {
    const answers: Record<string, string | undefined> = {
      'rev-parse --show-toplevel': '/w/app',
      'rev-parse --verify -q HEAD': SHA,
      'symbolic-ref --short -q HEAD': undefined,
      'describe --exact-match --tags HEAD': 'v2.0.0',
      'tag --points-at HEAD': 'latest-build\nv2.0.0',
      'tag --list': 'latest-build\nv1.0.0\nv2.0.0',
      'remote get-url origin': 'https://me:tok@github.com/Me/App.git',
      'symbolic-ref -q refs/remotes/origin/HEAD': 'refs/remotes/origin/trunk',
      'show -s --format=%cI HEAD': '2026-01-02T04:04:05+01:00'
    }
    const info = readGitInfo('/w/app', args => answers[args.join(' ')])
    expect(info).toEqual({
      root: '/w/app',
      sha: SHA,
      branch: undefined,
      headTags: ['v2.0.0', 'latest-build'],
      allTags: ['latest-build', 'v1.0.0', 'v2.0.0'],
      remoteUrl: 'https://github.com/Me/App.git',
      remote: { host: 'github.com', repository: 'Me/App' },
      defaultBranch: 'trunk',
      defaultBranchGuessed: false,
      commitTime: '2026-01-02T03:04:05.000Z'
    })
  })

  it('guesses the default branch from a local main or master', () => {
    const info = readGitInfo('/w', args => {
      const key = args.join(' ')
      if (key.startsWith('rev-parse')) return key.includes('toplevel') ? '/w' : SHA
      if (key.startsWith('for-each-ref')) return 'master'
      return undefined
    })
    expect(info).toMatchObject({ defaultBranch: 'master', defaultBranchGuessed: true, remote: undefined, headTags: [] })
  })

  it('says when the folder is not a checkout, or has no commit', () => {
    expect(() => readGitInfo('/nowhere', () => undefined)).toThrow(/not in a git checkout/)
    expect(() => readGitInfo('/w', args => (args.includes('--show-toplevel') ? '/w' : undefined))).toThrow(/no commit yet/)
  })
})

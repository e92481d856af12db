import { buildxBuildArgs, dockerBuildArgs, loginArgs } from '../../src/engine/argv.js'
import { BUILD_FILES as files, bobPlan as planOf, ctxOf, flagValues as values } from './fixtures.js'

describe('buildx argv', () => {
  it.each<[string, Record<string, string>, string, string[]]>([
    ['tags every reference', {}, '--tag', ['bob/app:latest', 'bob/app:main', 'bob/app:sha-0123456']],
    ['passes the Dockerfile', { context: 'backend' }, '--file', ['backend/Dockerfile']],
    ['passes an explicit file', { file: 'docker/prod.Dockerfile' }, '--file', ['docker/prod.Dockerfile']],
    ['passes build args', { 'build-args': 'A=1\nB=two words' }, '--build-arg', ['A=1', 'B=two words']],
    ['passes the target', { target: 'runtime' }, '--target', ['runtime']],
    ['joins platforms', { platforms: 'linux/amd64,linux/arm64' }, '--platform', ['linux/amd64,linux/arm64']],
    ['passes secrets as files, never values', { secrets: 'token=hunter2' }, '--secret', ['id=token,src=/t/secrets/token']],
    ['writes the iid file', {}, '--iidfile', ['/t/iid']],
    ['writes the metadata file', {}, '--metadata-file', ['/t/meta.json']],
    [
      'passes user labels',
      { labels: 'team=web' },
      '--label',
      [
        'org.opencontainers.image.title=Hello-App',
        'org.opencontainers.image.url=https://github.com/Octo-Org/Hello-App',
        'org.opencontainers.image.source=https://github.com/Octo-Org/Hello-App',
        'org.opencontainers.image.version=main',
        'org.opencontainers.image.created=1970-01-01T00:00:00.000Z',
        'org.opencontainers.image.revision=0123456789abcdef0123456789abcdef01234567',
        'team=web'
      ]
    ]
  ])('%s', (_name, inputs, flag, expected) => {
    expect(values(buildxBuildArgs(planOf(inputs), files), flag)).toEqual(expected)
  })

  it.each<[string, Record<string, string>, ReturnType<typeof ctxOf>, string]>([
    ['pushes when the plan pushes', {}, ctxOf(), '--push'],
    [
      'loads a pull request build into the engine',
      {},
      ctxOf({ eventName: 'pull_request', pullRequest: { number: 1, fromFork: false } }),
      '--load'
    ]
  ])('%s', (_name, inputs, ctx, flag) => {
    const argv = buildxBuildArgs(planOf(inputs, ctx), files)
    expect(argv).toContain(flag)
    expect(argv[argv.length - 1]).toBe('.')
  })

  it('neither pushes nor loads a multi-platform build that is not pushed', () => {
    const argv = buildxBuildArgs(planOf({ platforms: 'linux/amd64,linux/arm64', push: 'false' }), files)
    expect(argv).not.toContain('--push')
    expect(argv).not.toContain('--load')
  })

  it('keeps a hostile branch name a single argv element', () => {
    const argv = buildxBuildArgs(planOf({}, ctxOf({ ref: 'refs/heads/x;$(touch /tmp/pwn)' })), files)
    expect(values(argv, '--tag')).toEqual(['bob/app:x---touch--tmp-pwn-', 'bob/app:sha-0123456'])
  })
})

describe('classic docker argv', () => {
  it('builds with every tag and no push flag', () => {
    const argv = dockerBuildArgs(planOf({}), files)
    expect(argv.slice(0, 3)).toEqual(['build', '--progress', 'plain'])
    expect(values(argv, '--tag')).toEqual(['bob/app:latest', 'bob/app:main', 'bob/app:sha-0123456'])
    expect(argv).not.toContain('--push')
    expect(argv).not.toContain('--metadata-file')
  })
})

describe('login argv', () => {
  it('reads the password from stdin', () => {
    expect(loginArgs('ghcr.io', 'bob')).toEqual(['login', '--username', 'bob', '--password-stdin', 'ghcr.io'])
  })
})

describe('cache flags', () => {
  const cache = {
    kind: 'registry' as const,
    from: ['type=registry,ref=r/a:buildcache'],
    to: ['type=registry,ref=r/a:buildcache,mode=max'],
    inlineArg: false,
    note: ''
  }

  it('gives buildx --cache-from and --cache-to', () => {
    const argv = buildxBuildArgs(planOf({}), files, cache)
    expect(values(argv, '--cache-from')).toEqual(['type=registry,ref=r/a:buildcache'])
    expect(values(argv, '--cache-to')).toEqual(['type=registry,ref=r/a:buildcache,mode=max'])
  })

  it('gives the classic engine --cache-from and the inline cache build arg', () => {
    const argv = dockerBuildArgs(planOf({}), files, { kind: 'inline', from: ['r/a:latest'], to: [], inlineArg: true, note: '' })
    expect(values(argv, '--cache-from')).toEqual(['r/a:latest'])
    expect(values(argv, '--build-arg')).toEqual(['BUILDKIT_INLINE_CACHE=1'])
  })
})

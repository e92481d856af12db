import { buildxBuildArgs, dockerBuildArgs, podmanBuildArgs } from '../../src/engine/argv.js'
import { lastLines, runnerPlatform, serviceVariable, testArgv, testedBuild, testEnv, testPlatform } from '../../src/plan/test-plan.js'
import { InputError } from '../../src/shared/errors.js'
import { BUILD_FILES as files, bobPlan as planOf, ctxOf, flagValues as values, settingsOf } from './fixtures.js'

const PR = ctxOf({ eventName: 'pull_request', ref: 'refs/pull/4/merge', pullRequest: { number: 4, fromFork: false } })
const MULTI = { platforms: 'linux/amd64,linux/arm64' }
const BOB = ['bob/app:latest', 'bob/app:main', 'bob/app:sha-0123456']

describe('the plan of a tested build', () => {
  it.each<[string, 'buildx' | 'docker' | 'podman', Record<string, string>, boolean, string[], string]>([
    ['buildx pushes the loaded image of one platform', 'buildx', {}, true, [], 'push-loaded'],
    ['buildx builds the other platforms after the test', 'buildx', MULTI, true, ['linux/amd64'], 'rebuild'],
    ['the classic build pushes what it built', 'docker', {}, true, [], 'push-loaded'],
    ['podman pushes the whole manifest list it built', 'podman', MULTI, true, ['linux/amd64', 'linux/arm64'], 'push-loaded'],
    ['a pull request of one platform is tested and done', 'buildx', {}, false, [], 'none'],
    ['a pull request of several platforms builds them all after the test', 'buildx', MULTI, false, ['linux/amd64'], 'rebuild'],
    ['podman on a pull request is tested and done', 'podman', {}, false, [], 'none']
  ])('%s', (_name, engine, inputs, pushes, platforms, then) => {
    const plan = planOf(inputs, pushes ? ctxOf() : PR)
    expect(plan.push).toBe(pushes)
    const t = testedBuild(plan, engine, 'linux/amd64', 'docker-ship-test/run-1:0')
    expect(t.then).toBe(then)
    expect(t.load.push).toBe(false)
    expect(t.load.build.platforms).toEqual(platforms)
    expect(t.image).toBe(plan.references[0])
  })

  it('loads the buildx image and pushes nothing from the tested build', () => {
    const argv = buildxBuildArgs(testedBuild(planOf(), 'buildx', 'linux/amd64', 'x').load, files)
    expect(argv).toContain('--load')
    expect(argv).not.toContain('--push')
    expect(values(argv, '--tag')).toEqual(BOB)
  })

  it('tags the classic and podman builds with every reference, for the push after the test', () => {
    expect(values(dockerBuildArgs(testedBuild(planOf(), 'docker', 'linux/amd64', 'x').load, files), '--tag')).toEqual(BOB)
    expect(values(podmanBuildArgs(testedBuild(planOf(), 'podman', 'linux/amd64', 'x').load, files), '--tag')).toEqual(BOB)
  })

  it('names the image locally when the run has no tag', () => {
    const plan = { ...planOf(), references: [] }
    const t = testedBuild(plan, 'buildx', 'linux/amd64', 'docker-ship-test/run-9:0')
    expect(t.image).toBe('docker-ship-test/run-9:0')
    expect(t.load.references).toEqual(['docker-ship-test/run-9:0'])
  })

  it.each([
    ['outputs', { outputs: 'type=local,dest=out' }],
    ['call', { call: 'check' }]
  ])('refuses a test of a build whose %s loads no image', (name, inputs) => {
    expect(() => testedBuild(planOf(inputs), 'buildx', 'linux/amd64', 'x')).toThrow(InputError)
    expect(() => testedBuild(planOf(inputs), 'buildx', 'linux/amd64', 'x')).toThrow(
      `Input "test" needs the image loaded into the engine, which "${name}"`
    )
  })
})

describe('the platform a test runs on', () => {
  it.each([
    ['x64', 'linux/amd64'],
    ['arm64', 'linux/arm64'],
    ['arm', 'linux/arm/v7'],
    ['s390x', 'linux/s390x']
  ])('names node arch %s as %s', (arch, platform) => expect(runnerPlatform(arch)).toBe(platform))

  it.each<[string[], string, string]>([
    [[], 'linux/amd64', ''],
    [['linux/arm64'], 'linux/amd64', 'linux/arm64'],
    [['linux/arm64', 'linux/amd64'], 'linux/amd64', 'linux/amd64'],
    [['linux/arm64', 'linux/arm/v7'], 'linux/amd64', 'linux/arm64'],
    [['linux/amd64', 'linux/arm/v7'], 'linux/arm', 'linux/arm/v7']
  ])('tests %j on a %s runner as %j', (platforms, runner, expected) => expect(testPlatform(platforms, runner)).toBe(expected))
})

describe('what the test gets', () => {
  it('gets IMAGE, IMAGE_TAGS and one IMAGE_<SERVICE> per compose service', () => {
    const env = testEnv(
      [
        { service: 'web', image: 'r/p/web:main', references: ['r/p/web:main', 'r/p/web:latest'] },
        { service: 'worker-1', image: 'r/p/worker-1:main', references: ['r/p/worker-1:main'] }
      ],
      ''
    )
    expect(env).toEqual({
      IMAGE: 'r/p/web:main',
      IMAGE_TAGS: 'r/p/web:main\nr/p/web:latest',
      IMAGE_WEB: 'r/p/web:main',
      IMAGE_WORKER_1: 'r/p/worker-1:main'
    })
  })

  it('gets the engine of docker-host and never a docker config', () => {
    const env = testEnv([{ service: '', image: 'a:b', references: ['a:b'] }], 'tcp://10.0.0.5:2376')
    expect(env).toEqual({ IMAGE: 'a:b', IMAGE_TAGS: 'a:b', DOCKER_HOST: 'tcp://10.0.0.5:2376' })
  })

  it.each([
    ['api', 'IMAGE_API'],
    ['my.svc-2', 'IMAGE_MY_SVC_2']
  ])('names service %s as %s', (service, name) => expect(serviceVariable(service)).toBe(name))

  it('runs as bash with errexit and pipefail, the script one argument', () => {
    expect(testArgv('a\nb; c')).toEqual(['bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', 'a\nb; c']])
  })

  it('keeps the last lines of the output for the error', () => {
    const out = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n') + '\n\n'
    expect(lastLines(out)).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i + 10}`))
    expect(lastLines('one\r\ntwo\n')).toEqual(['one', 'two'])
  })

  it('reads the test input trimmed, empty by default', () => {
    expect(settingsOf({}).test).toBe('')
    expect(settingsOf({ test: '  ./smoke.sh \n' }).test).toBe('./smoke.sh')
  })
})

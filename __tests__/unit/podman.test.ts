import { readFileSync } from 'node:fs'
import { checkPlatforms } from '../../src/engine/platforms.js'
import { podmanBuildArgs, podmanLabelArgs, podmanPushArgs } from '../../src/engine/argv.js'
import { countPodmanSteps, parsePodmanFailure, targetsLastStage } from '../../src/engine/podman.js'
import { InputError } from '../../src/shared/errors.js'
import { BUILD_FILES as files, bobPlan as planOf, flagValues as values } from './fixtures.js'

describe('podman build argv', () => {
  it.each<[string, Record<string, string>, string, string[]]>([
    ['tags every reference', {}, '--tag', ['bob/app:latest', 'bob/app:main', 'bob/app:sha-0123456']],
    ['passes the Dockerfile', { context: 'backend' }, '--file', ['backend/Dockerfile']],
    ['passes build args', { 'build-args': 'A=1\nB=two words' }, '--build-arg', ['A=1', 'B=two words']],
    ['passes the target', { target: 'runtime' }, '--target', ['runtime']],
    ['passes one platform', { platforms: 'linux/arm64' }, '--platform', ['linux/arm64']],
    ['passes secrets as files, never values', { secrets: 'token=hunter2' }, '--secret', ['id=token,src=/t/secrets/token']],
    ['writes the iid file', {}, '--iidfile', ['/t/iid']]
  ])('%s', (_name, inputs, flag, expected) => {
    expect(values(podmanBuildArgs(planOf(inputs), files), flag)).toEqual(expected)
  })

  it('passes the derived and the user labels', () => {
    const labels = values(podmanBuildArgs(planOf({ labels: 'team=web' }), files), '--label')
    expect(labels).toContain('org.opencontainers.image.revision=0123456789abcdef0123456789abcdef01234567')
    expect(labels[labels.length - 1]).toBe('team=web')
  })

  it('starts with build and ends with the context', () => {
    const argv = podmanBuildArgs(planOf({ context: 'backend' }), files)
    expect(argv[0]).toBe('build')
    expect(argv[argv.length - 1]).toBe('backend')
  })

  it('never puts a secret value, a password or a BuildKit-only flag in argv', () => {
    const argv = podmanBuildArgs(planOf({ secrets: 'token=hunter2', 'cache-from': 'type=gha' }), files)
    expect(argv.join(' ')).not.toMatch(/hunter2|\bpw\b|--progress|--metadata-file|--cache-from|--push|--load/)
  })

  it('builds several platforms into a manifest list named by the first reference, without tags or cache', () => {
    const plan = planOf({ platforms: 'linux/amd64,linux/arm64' })
    const argv = podmanBuildArgs(plan, files, plan.references[0])
    expect(values(argv, '--platform')).toEqual(['linux/amd64,linux/arm64'])
    expect(values(argv, '--manifest')).toEqual(['bob/app:latest'])
    expect(values(argv, '--tag')).toEqual([])
    expect(argv).toContain('--no-cache')
  })

  it('keeps the layer cache for one platform', () => {
    expect(podmanBuildArgs(planOf({ platforms: 'linux/amd64' }), files)).not.toContain('--no-cache')
  })

  it('builds a target before the last stage with no tag and no label, into its own iid file', () => {
    const argv = podmanBuildArgs(planOf({ target: 'app', 'build-args': 'A=1' }), files, undefined, { iidFile: '/t/iid.target' })
    expect(values(argv, '--tag')).toEqual([])
    expect(values(argv, '--label')).toEqual([])
    expect(values(argv, '--target')).toEqual(['app'])
    expect(values(argv, '--build-arg')).toEqual(['A=1'])
    expect(values(argv, '--iidfile')).toEqual(['/t/iid.target'])
  })

  it('then labels and tags it by a build FROM its id, in an empty context, with nothing else', () => {
    const plan = planOf({ target: 'app', labels: 'team=web', 'build-args': 'A=1', secrets: 'token=hunter2', platforms: 'linux/arm64' })
    const argv = podmanLabelArgs(plan, files, '/t/iid.label/Containerfile', '/t/iid.label/context')
    expect(argv.slice(0, 3)).toEqual(['build', '--file', '/t/iid.label/Containerfile'])
    expect(values(argv, '--tag')).toEqual(['bob/app:latest', 'bob/app:main', 'bob/app:sha-0123456'])
    expect(values(argv, '--label')).toContain('team=web')
    expect(values(argv, '--label')).toContain('org.opencontainers.image.revision=0123456789abcdef0123456789abcdef01234567')
    expect(values(argv, '--platform')).toEqual(['linux/arm64'])
    expect(values(argv, '--iidfile')).toEqual(['/t/iid'])
    expect(argv.join(' ')).not.toMatch(/--build-arg|--secret|--target|hunter2/)
    expect(argv[argv.length - 1]).toBe('/t/iid.label/context')
  })
})

describe('podman push argv', () => {
  it('pushes one image with a digest file', () => {
    expect(podmanPushArgs('bob/app:latest', '/t/iid.digest')).toEqual(['push', '--digestfile', '/t/iid.digest', 'bob/app:latest'])
  })

  it('pushes the whole manifest list to each reference', () => {
    expect(podmanPushArgs('bob/app:sha-0123456', '/t/d', 'bob/app:latest')).toEqual([
      'manifest',
      'push',
      '--all',
      '--digestfile',
      '/t/d',
      'bob/app:latest',
      'docker://bob/app:sha-0123456'
    ])
  })
})

// podman 4.3.1 output (stdout, then stderr) of a Dockerfile whose third step fails.
const failedRun = [
  'STEP 1/4: FROM e2e/busybox:latest',
  'STEP 2/4: RUN echo fine',
  '--> Using cache 4ce6cd600fdcf3cde1363d361615c84cc0b003d353c7e98d1363e0de59a27031',
  '--> 4ce6cd600fd',
  'STEP 3/4: RUN echo "missing thing" && exit 3',
  'missing thing',
  '',
  'subprocess exited with status 3',
  'subprocess exited with status 3',
  'Error: building at STEP "RUN echo "missing thing" && exit 3": exit status 3',
  ''
].join('\n')
const dockerfile = 'FROM e2e/busybox:latest\nRUN echo fine\nRUN echo "missing thing" && exit 3\nRUN echo never\n'

describe('parsePodmanFailure on real podman output', () => {
  it('names the failing step, the Dockerfile line and the reason', () => {
    const f = parsePodmanFailure(failedRun, dockerfile)
    expect(f.summary).toBe('Build failed at [3/4] RUN echo "missing thing" && exit 3, Dockerfile line 3: exit status 3')
    expect(f.line).toBe(3)
    expect(f.details).toEqual(['missing thing'])
  })

  it('gives no line when the step text is on several lines of the Dockerfile', () => {
    const f = parsePodmanFailure(failedRun, `${dockerfile}RUN echo "missing thing" && exit 3\n`)
    expect(f.line).toBeUndefined()
    expect(f.summary).toBe('Build failed at [3/4] RUN echo "missing thing" && exit 3: exit status 3')
  })

  it('names the platform of a multi-platform step', () => {
    const log = [
      '[linux/arm64] STEP 1/2: FROM scratch',
      '[linux/arm64] STEP 2/2: COPY missing.txt /x',
      'Error: 2 errors occurred:',
      '\t* building at STEP "COPY missing.txt /x": checking on sources: copier: stat: "/missing.txt": no such file or directory'
    ].join('\n')
    const f = parsePodmanFailure(log, 'FROM scratch\nCOPY missing.txt /x\n')
    expect(f.step).toBe('[linux/arm64 2/2] COPY missing.txt /x')
    expect(f.line).toBe(2)
    expect(f.summary).toMatch(/, Dockerfile line 2: checking on sources: copier: stat: "\/missing.txt": no such file or directory$/)
  })

  it('counts only the Dockerfile steps when podman appended the labels as steps', () => {
    // podman 4.3.1 with 2 --label flags: `STEP 3/6` for the third of the Dockerfile's 4 steps.
    const log = failedRun.replace(/STEP (\d)\/4/g, 'STEP $1/6')
    expect(parsePodmanFailure(log, dockerfile, 2).summary).toBe(
      'Build failed at [3/4] RUN echo "missing thing" && exit 3, Dockerfile line 3: exit status 3'
    )
  })

  it('names the platform and the stage of a multi-stage, multi-platform step, with the first of several errors', () => {
    // podman 4.3.1, --label a=b --platform linux/amd64,linux/arm64 --manifest ...
    const log = [
      '[linux/amd64] [1/2] STEP 1/2: FROM scratch AS a',
      '[linux/amd64] [1/2] STEP 2/2: COPY x /x',
      '--> 265e192944b',
      '[linux/amd64] [2/2] STEP 1/4: FROM scratch',
      '[linux/amd64] [2/2] STEP 2/4: COPY --from=a /x /y',
      '--> f94da45848f',
      '[linux/amd64] [2/2] STEP 3/4: COPY nothere /z',
      '[linux/arm64] [2/2] STEP 3/4: COPY nothere /z',
      'Error: 2 errors occurred:',
      '\t* building at STEP "COPY nothere /z": checking on sources under "/w": copier: stat: "/nothere": no such file or directory',
      '\t* building at STEP "COPY nothere /z": checking on sources under "/w": copier: stat: "/nothere": no such file or directory',
      ''
    ].join('\n')
    const f = parsePodmanFailure(log, 'FROM scratch AS a\nCOPY x /x\nFROM scratch\nCOPY --from=a /x /y\nCOPY nothere /z\n', 1)
    expect(f.step).toBe('[linux/arm64 stage-1 3/3] COPY nothere /z')
    expect(f.line).toBe(5)
    expect(f.reason).toBe('checking on sources under "/w": copier: stat: "/nothere": no such file or directory')
  })

  it('still gives the error of output without any step', () => {
    expect(parsePodmanFailure('Error: no context directory and no Containerfile specified\n').summary).toBe(
      'Build failed: no context directory and no Containerfile specified'
    )
  })
})

describe('targetsLastStage', () => {
  const twoStages = 'FROM e2e/busybox:latest AS deps\nRUN echo deps\nfrom --platform=$BUILDPLATFORM deps as Runtime\nRUN echo run\n'
  it.each<[string, string, string, boolean]>([
    ['no target', '', twoStages, true],
    ['the last stage, in any case', 'runtime', twoStages, true],
    ['an earlier stage', 'deps', twoStages, false],
    ['a target when the last stage has no name', 'deps', 'FROM a AS deps\nFROM deps\n', false]
  ])('%s', (_name, target, dockerfile, expected) => {
    expect(targetsLastStage(target, dockerfile)).toBe(expected)
  })
})

describe('countPodmanSteps', () => {
  it('counts the steps and the ones podman took from cache', () => {
    expect(countPodmanSteps(failedRun)).toEqual({ steps: 3, cached: 1 })
  })

  // Real podman 4.3 output (fixtures/podman-labels-*.txt) of `podman build --label a=1 --label b=..`.
  const log = (name: string) => readFileSync(new URL(`./fixtures/podman-labels-${name}.txt`, import.meta.url), 'utf8')
  it.each([
    ['a first build', 'first', 2, { steps: 3, cached: 0 }],
    ['a rebuild with one label changed', 'rebuild', 2, { steps: 3, cached: 2 }],
    ['a two-stage rebuild whose Dockerfile ends in a LABEL of its own', 'stages-rebuild', 2, { steps: 5, cached: 3 }],
    ['a rebuild, the labels not counted out', 'rebuild', 0, { steps: 5, cached: 3 }]
  ])('leaves the LABEL steps podman adds out of the counts: %s', (_n, name, labels, counts) => {
    expect(countPodmanSteps(log(name), labels)).toEqual(counts)
  })
})

describe('checkPlatforms', () => {
  const two = planOf({ platforms: 'linux/amd64,linux/arm64' })

  it('lets one platform through on any engine', () => {
    expect(() => checkPlatforms(planOf({ platforms: 'linux/arm64' }), { engine: 'docker', cacheExport: false })).not.toThrow()
  })

  it.each([
    ['podman', { engine: 'podman' as const, cacheExport: false }],
    ['buildx on the containerd store', { engine: 'buildx' as const, driver: 'docker', cacheExport: true }],
    ['a docker-container builder', { engine: 'buildx' as const, driver: 'docker-container', cacheExport: true }]
  ])('lets several platforms through with %s', (_name, builder) => {
    expect(() => checkPlatforms(two, builder)).not.toThrow()
  })

  it('stops the classic docker build, telling which engine to use', () => {
    expect(() => checkPlatforms(two, { engine: 'docker', cacheExport: false })).toThrow(
      new InputError(
        'Input "platforms" is "linux/amd64,linux/arm64", which the classic docker build (docker build + docker push) cannot build into one image: use engine: buildx (or auto), which makes a docker-container builder when it needs one, or engine: podman.'
      )
    )
  })

  it('stops a named buildx docker-driver builder on the classic store, telling what to set up', () => {
    expect(() => checkPlatforms(two, { engine: 'buildx', name: 'mine', driver: 'docker', cacheExport: false })).toThrow(
      new InputError(
        'Input "platforms" is "linux/amd64,linux/arm64", which the buildx "docker" driver of builder mine on the classic image store cannot build into one image: leave builder empty (the step then makes a docker-container builder), name a docker-container builder, or enable the containerd image store in the Docker engine.'
      )
    )
  })
})

import { readFileSync } from 'node:fs'
import { countSteps, isPushFailure, parseBuildFailure, pushedReferences, stepLine } from '../../src/engine/build-log.js'

const failure = readFileSync(new URL('./fixtures/buildkit-failure.txt', import.meta.url), 'utf8')

describe('parseBuildFailure on real BuildKit output', () => {
  const parsed = parseBuildFailure(failure)

  it('names the failing step and the Dockerfile line', () => {
    expect(parsed.summary).toBe(
      'Build failed at [3/4] RUN echo "about to fail" && exit 3, Dockerfile line 3: failed to solve: process "/bin/sh -c echo \\"about to fail\\" && exit 3" did not complete successfully: exit code: 3'
    )
    expect(parsed.line).toBe(3)
  })

  it("keeps the step's own output and the source excerpt", () => {
    expect(parsed.details).toEqual(['about to fail', '3 | >>> RUN echo "about to fail" && exit 3'])
  })

  it('still gives the last error line of output it does not recognise', () => {
    expect(parseBuildFailure('something\nERROR: unknown flag: --foo\n').summary).toBe('Build failed: unknown flag: --foo')
  })
})

describe('countSteps', () => {
  it('counts the Dockerfile steps and the cached ones', () => {
    expect(countSteps(failure)).toEqual({ steps: 3, cached: 1 })
  })
})

describe('parseBuildFailure with a missing cache import before the failing step', () => {
  const log = readFileSync(new URL('./fixtures/buildkit-failure-with-cache-import.txt', import.meta.url), 'utf8')

  it('names the Dockerfile step, not the cache import', () => {
    const parsed = parseBuildFailure(log)
    expect(parsed.step).toBe('[3/4] RUN echo "about to fail" && exit 3')
    expect(parsed.line).toBe(3)
  })
})

describe('pushedReferences', () => {
  it('lists the references BuildKit finished pushing', () => {
    const log = [
      '#6 pushing manifest for 127.0.0.1:5000/a/b:latest@sha256:' + 'f'.repeat(64),
      '#6 pushing manifest for 127.0.0.1:5000/a/b:latest@sha256:' + 'f'.repeat(64) + ' 0.0s done',
      '#6 pushing manifest for 127.0.0.1:5000/a/b:sha-1@sha256:' + 'f'.repeat(64) + ' 0.1s'
    ].join('\n')
    expect(pushedReferences(log)).toEqual(['127.0.0.1:5000/a/b:latest'])
  })

  it('drops a reference marked done and then named in "failed to push" (real BuildKit 0.13 order)', () => {
    const ref = '127.0.0.1:41249/e2e/fault-buildx-mwzqagxda4tm:latest'
    const commit =
      'failed commit on ref "manifest-sha256:ec36": unexpected status from PUT request to http://127.0.0.1:41249/v2/e2e/fault-buildx-mwzqagxda4tm/manifests/sha256:ec36: 403 Forbidden'
    const log = [
      '#8 pushing layers 0.3s done',
      `#8 pushing manifest for ${ref}@sha256:${'3'.repeat(64)}`,
      `#8 pushing manifest for ${ref}@sha256:${'3'.repeat(64)} 0.0s done`,
      `#8 ERROR: failed to push ${ref}: ${commit}`,
      '------',
      ' > exporting to image:',
      '------',
      `ERROR: failed to solve: failed to push ${ref}: ${commit}`
    ].join('\n')
    expect(pushedReferences(log)).toEqual([])
  })
})

describe("isPushFailure: a registry fault inside BuildKit's export step is a push failure", () => {
  const ref = '127.0.0.1:39521/e2e/app'
  const commit = `failed commit on ref "manifest-sha256:5911d0fa": unexpected status from PUT request to http://${ref.replace('/e2e', '/v2/e2e')}/manifests/sha256:5911d0fa: 429 Too Many Requests`
  const pushLog = [
    '#9 exporting to image',
    '#9 exporting layers 0.1s done',
    '#9 pushing layers 0.2s done',
    `#9 pushing manifest for ${ref}:latest@sha256:5911d0fa`,
    `#9 ERROR: ${commit}`,
    '------',
    ' > exporting to image:',
    '------',
    `ERROR: failed to solve: failed to push ${ref}:latest: ${commit}`
  ].join('\n')

  it.each<[string, string, boolean]>([
    ['a manifest PUT refused in "exporting to image"', pushLog, true],
    ['an error with no step at all (login, connection refused)', 'ERROR: failed to do request: connection refused', true],
    ['a broken RUN step', readFileSync(new URL('./fixtures/buildkit-failure.txt', import.meta.url), 'utf8'), false],
    [
      'a RUN step whose output mentions a push',
      [
        '#7 [2/2] RUN ./deploy.sh',
        '#7 0.2 failed to push something',
        '------',
        ' > [2/2] RUN ./deploy.sh:',
        '------',
        'ERROR: failed to solve: process "/bin/sh -c ./deploy.sh" did not complete successfully: exit code: 1'
      ].join('\n'),
      false
    ]
  ])('%s', (_name, log, expected) => {
    expect(isPushFailure(parseBuildFailure(log))).toBe(expected)
  })
})

describe('stepLine (BuildKit before v0.9 names no Dockerfile line)', () => {
  const dockerfile = 'FROM base AS build\nRUN make \\\n    all\nCOPY . /src\nFROM base\nrun   echo  hi\nCOPY . /src\n'
  it.each<[string, number | undefined]>([
    ['[build 2/3] RUN make     all', 2],
    ['[2/2] RUN echo hi', 6],
    ['[stage-1 2/2] COPY . /src', undefined], // two instructions read the same: no guess
    ['[internal] load build definition from Dockerfile', undefined],
    ['[3/3] RUN not in the file', undefined]
  ])('%s -> line %s', (step, line) => {
    expect(stepLine(dockerfile, step)).toBe(line)
  })

  it("names the line in the failure's summary when BuildKit did not", () => {
    const log =
      '#6 [2/2] RUN echo hi\n#6 ERROR: executor failed running [/bin/sh -c echo hi]: exit code: 3\n------\n > [2/2] RUN echo hi:\n------\nERROR: failed to solve: exit code: 3\n'
    expect(parseBuildFailure(log, dockerfile)).toMatchObject({
      line: 6,
      summary: 'Build failed at [2/2] RUN echo hi, Dockerfile line 6: failed to solve: exit code: 3'
    })
    expect(parseBuildFailure(log).line).toBeUndefined()
  })
})

describe('isPushFailure: a failure before the export is a build failure (real BuildKit output)', () => {
  const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')

  it.each<[string, string, number | undefined]>([
    ['a Dockerfile syntax error (FROMM x)', 'buildkit-parse-error.txt', 1],
    ['a --target that no stage has', 'buildkit-missing-target.txt', undefined],
    ['a base image whose registry refuses connections', 'buildkit-base-unreachable.txt', 1]
  ])('%s', (_name, file, line) => {
    const failure = parseBuildFailure(fixture(file))
    expect(isPushFailure(failure)).toBe(false)
    expect(failure.summary).toMatch(/^Build failed/)
    expect(failure.line).toBe(line)
  })

  it('names the parse error and keeps the excerpt of the failing line', () => {
    const failure = parseBuildFailure(fixture('buildkit-parse-error.txt'))
    expect(failure.reason).toContain('unknown instruction: FROMM')
    expect(failure.details).toContain('1 | >>> FROMM x')
  })

  it('names the base image that could not be resolved as the failing step', () => {
    const failure = parseBuildFailure(fixture('buildkit-base-unreachable.txt'))
    expect(failure.step).toBe('[internal] load metadata for 127.0.0.1:5999/none:1')
    expect(failure.reason).toContain('failed to resolve source metadata for 127.0.0.1:5999/none:1')
  })

  it.each<[string, string, boolean]>([
    ['a stage name BuildKit cannot parse', 'ERROR: failed to solve: failed to parse stage name "Bad!": invalid reference format', false],
    [
      'the push credentials vertex',
      '------\n > [auth] e2e/app:pull,push token for 127.0.0.1:5000:\n------\nERROR: failed to solve: failed to authorize: 401',
      true
    ],
    [
      'the base image credentials vertex',
      '------\n > [auth] library/alpine:pull token for registry-1.docker.io:\n------\nERROR: failed to solve: failed to authorize: 401',
      false
    ]
  ])('%s', (_name, log, expected) => {
    expect(isPushFailure(parseBuildFailure(log))).toBe(expected)
  })
})

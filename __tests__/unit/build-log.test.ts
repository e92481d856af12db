import { readFileSync } from 'node:fs'
import { countSteps, parseBuildFailure, pushedReferences } from '../../src/build-log.js'

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
})

import { jest } from '@jest/globals'
import type { BuildOutcome, Engine } from '../../src/engine/engine.js'
import type { Plan } from '../../src/plan/plan.js'
import type { Target } from '../../src/plan/targets.js'
import { TestFailed } from '../../src/step/image-test.js'
import { testedBuilds } from '../../src/step/tested-build.js'
import { BUILD_FILES, bobPlan, settingsOf } from './fixtures.js'

const NO_CACHE = { kind: 'off' as const, from: [], to: [], inlineArg: false, note: '' }

/** An engine that records what it was asked, in order. */
function fakeEngine(name: 'buildx' | 'podman', calls: string[]): Engine {
  const outcome = (pushed: string[]): BuildOutcome => ({
    engine: name,
    digest: pushed.length > 0 ? 'sha256:1' : '',
    imageId: 'sha256:2',
    metadata: '',
    pushed,
    steps: { steps: 1, cached: 0 },
    attempts: 1
  })
  return {
    name,
    login: async () => 1,
    build: async (plan: Plan) => {
      calls.push(`build ${plan.image} push=${plan.push} platforms=${plan.build.platforms.join(',')}`)
      return outcome(plan.push ? plan.references : [])
    },
    pushLoaded: async (plan: Plan) => {
      calls.push(`push ${plan.image}`)
      return outcome(plan.references)
    }
  }
}

function targetsOf(inputs: Record<string, string>): Target[] {
  return ['bob/web', 'bob/worker'].map(image => ({ service: image.slice(4), settings: settingsOf(), plan: bobPlan({ image, ...inputs }) }))
}

async function ship(engine: 'buildx' | 'podman', test: string, inputs: Record<string, string> = {}) {
  const calls: string[] = []
  const run = testedBuilds({
    engine: fakeEngine(engine, calls),
    settings: settingsOf({ test }),
    targets: targetsOf(inputs),
    files: () => BUILD_FILES,
    cache: () => NO_CACHE
  })
  return { calls, run }
}

describe('the builds of a step with a test', () => {
  let write: ReturnType<typeof jest.spyOn>
  beforeEach(() => {
    write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
  })
  afterEach(() => write.mockRestore())

  it('builds every image, tests once, then pushes the loaded images', async () => {
    const { calls, run } = await ship('buildx', 'true')
    const outcomes = await run
    expect(calls).toEqual([
      'build bob/web push=false platforms=',
      'build bob/worker push=false platforms=',
      'push bob/web',
      'push bob/worker'
    ])
    expect(outcomes.map(o => [o.pushed.length, o.tested])).toEqual([
      [3, true],
      [3, true]
    ])
  })

  it('pushes nothing of any image when the test fails', async () => {
    const { calls, run } = await ship('buildx', 'echo broken; exit 3')
    const e = (await run.catch((err: unknown) => err)) as TestFailed
    expect(e).toBeInstanceOf(TestFailed)
    expect(e.exitCode).toBe(3)
    expect(e.message).toContain('\n  broken')
    expect(calls).toEqual(['build bob/web push=false platforms=', 'build bob/worker push=false platforms='])
  })

  it('builds the other platforms with buildx after the test of the runner platform', async () => {
    const { calls, run } = await ship('buildx', 'true', { platforms: 'linux/arm64,linux/amd64' })
    await run
    expect(calls.filter(c => c.includes('web'))).toEqual([
      'build bob/web push=false platforms=linux/amd64',
      'build bob/web push=true platforms=linux/arm64,linux/amd64'
    ])
  })

  it('gives the test each image by its service name', async () => {
    const { run } = await ship('podman', '[ "$IMAGE" = "bob/web:latest" ] && [ "$IMAGE_WORKER" = "bob/worker:latest" ]')
    await expect(run).resolves.toHaveLength(2)
  })
})

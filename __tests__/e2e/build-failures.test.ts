// A build that fails before BuildKit's export step (a Dockerfile it cannot parse, a target no
// stage has, a base image whose registry is down) is a build failure: one "Build failed"
// annotation, on the Dockerfile line when BuildKit names one, and never a push retry.
import { pushPayload } from './support/payloads.js'
import { readE2EEnv } from './support/registry.js'
import { annotationsOf, cleanupRuns, runAction } from './support/runner.js'
import * as path from 'node:path'
import { makeWorkspace, uniqueRepo } from './support/workspace.js'

const env = readE2EEnv()
const host = env.registry.host

afterAll(cleanupRuns)

const CASES: { name: string; dockerfile: string; inputs?: Record<string, string>; line?: string; reason: RegExp }[] = [
  { name: 'a Dockerfile syntax error', dockerfile: 'FROMM x\n', line: '1', reason: /unknown instruction: FROMM/ },
  {
    name: 'a target that no stage has',
    dockerfile: `FROM ${env.baseImage} AS app\nRUN true\n`,
    inputs: { target: 'nope' },
    reason: /target stage "nope" could not be found/
  },
  {
    name: 'a base image whose registry is down',
    // Nothing listens on port 1 of the loopback: connection refused, the text of a push fault.
    dockerfile: 'FROM 127.0.0.1:1/none:1\nRUN true\n',
    line: '1',
    reason: /failed to resolve source metadata for 127\.0\.0\.1:1\/none:1/
  }
]

/** A push to main of `workspace` with buildx and no cache, plus `inputs`. */
function ship(workspace: string, inputs: Record<string, string>) {
  return runAction({
    workspace,
    secrets: [env.registry.password],
    payload: pushPayload({ ref: 'refs/heads/main', defaultBranch: 'main' }),
    inputs: {
      registry: host,
      image: uniqueRepo('build-failure'),
      engine: 'buildx',
      username: env.registry.user,
      password: env.registry.password,
      cache: 'off',
      ...inputs
    }
  })
}

describe.each(CASES)('buildx: $name', ({ dockerfile, inputs, line, reason }) => {
  it('fails with one "Build failed" annotation and no retry', async () => {
    const r = await ship(makeWorkspace({ Dockerfile: dockerfile }), { 'retry-delay': '100ms', ...inputs })
    expect(r.main.exitCode).toBe(1)
    const errors = annotationsOf(r, 'error')
    expect(errors).toHaveLength(1)
    const [error] = errors as [(typeof errors)[number]]
    expect(error.message).toMatch(/^Build failed/)
    expect(error.message).toMatch(reason)
    expect(error.message).not.toMatch(/Push failed/)
    if (line !== undefined) {
      expect(error.properties.file).toBe('Dockerfile')
      expect(error.properties.line).toBe(line)
    }
    expect(r.main.log).not.toMatch(/; retry \d+ of \d+/)
    expect(r.main.log).not.toMatch(/after \d+ attempts/)
  })
})

it('annotates an absolute "file" input by its path relative to the workspace', async () => {
  const workspace = makeWorkspace({ 'docker/app.Dockerfile': `FROM ${env.baseImage}\nFROMM x\n` })
  const r = await ship(workspace, { file: path.join(workspace, 'docker/app.Dockerfile') })
  expect(r.main.exitCode).toBe(1)
  const [error, ...more] = annotationsOf(r, 'error')
  expect(more).toEqual([])
  expect(error?.message).toMatch(/^Build failed/)
  expect(error?.properties.file).toBe('docker/app.Dockerfile')
  expect(error?.properties.line).toBe('2')
})

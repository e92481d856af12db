// The `test` input against the real engines and registry: a passing test pushes what it tested,
// a failing one pushes no reference and fails the step with its own output, pull requests are
// tested too, and the test's output never becomes a workflow command.
import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import { pullRequestPayload, pushPayload } from './support/payloads.js'
import { podmanStepEnv, readE2EEnv, registryClient, requirePart } from './support/registry.js'
import { cleanupRuns, runAction, type RunOptions } from './support/runner.js'
import { makeWorkspace, uniqueRepo } from './support/workspace.js'

const env = readE2EEnv()
const registry = registryClient(env, 1)
const host = env.registry.host
const creds = { username: env.registry.user, password: env.registry.password }
const dockerfile = `FROM ${env.baseImage}\nRUN echo tested-marker > /marker\n`
/** The image tags of a repository, without the registry cache tag the build writes beside them. */
const imageTags = async (repo: string) => (await registry.tags(repo)).filter(t => t !== 'buildcache')
const main = pushPayload({ ref: 'refs/heads/main', defaultBranch: 'main' })
/**
 * Reads the image it is given and what it was given: the marker file, its env, into the workspace.
 * podman: `podman run` cannot start a container on these machines (runc may not set the rlimits it
 * asks for), so the file is copied out of a created container.
 */
const SEEING_TEST = (cli: string) =>
  [
    cli === 'podman'
      ? 'c=$(podman create "$IMAGE"); podman cp "$c:/marker" - | tar -xO > seen.txt; podman rm "$c"'
      : 'docker run --rm "$IMAGE" cat /marker > seen.txt',
    'echo "$IMAGE" > image.txt',
    'env > env.txt'
  ].join('\n')
const FAILING_TEST = 'echo "the-smoke-test-saw-a-broken-image"\necho "::error::x"\nexit 3'

afterAll(cleanupRuns)

function ship(engine: string, repo: string, opts: RunOptions & { dockerfileText?: string; files?: Record<string, string> } = {}) {
  const workspace = makeWorkspace({ Dockerfile: opts.dockerfileText ?? dockerfile, ...opts.files })
  const run = runAction({
    workspace,
    secrets: [env.registry.password],
    payload: main,
    ...opts,
    env: { ...(engine === 'podman' ? podmanStepEnv(env) : {}), ...opts.env },
    inputs: { registry: host, image: repo, engine, ...creds, ...opts.inputs }
  })
  return run.then(r => ({ ...r, read: (f: string) => readFileSync(path.join(workspace, f), 'utf8') }))
}

const classic = requirePart(env, env.classic, 'E2E_CLASSIC_DOCKER_HOST', '--classic-engine')

describe.each<{ engine: string; cli: string; on: string; engineInputs: Record<string, string> }>([
  { engine: 'buildx', cli: 'docker', on: 'the main engine', engineInputs: {} },
  { engine: 'docker', cli: 'docker', on: 'the main engine', engineInputs: {} },
  { engine: 'podman', cli: 'podman', on: 'podman', engineInputs: {} },
  // The test must reach the engine the step built on: docker-host, here dockerd 20.10 (classic store).
  { engine: 'buildx', cli: 'docker', on: 'docker-host dockerd 20.10', engineInputs: { 'docker-host': classic.dockerHost } }
])('the test input with engine $engine on $on', ({ engine, cli, engineInputs }) => {
  it('pushes every tag after a passing test, which ran the image just built without the step login', async () => {
    const repo = uniqueRepo(`testin-${engine}-pass`)
    const r = await ship(engine, repo, { inputs: { ...engineInputs, test: SEEING_TEST(cli) } })
    expect(r.main.exitCode).toBe(0)
    expect(r.read('seen.txt')).toBe('tested-marker\n')
    expect(r.read('image.txt')).toBe(`${host}/${repo}:latest\n`)
    expect(await imageTags(repo)).toEqual(['latest', 'main', 'sha-0123456'])
    expect(r.outputs.digest).toBe((await registry.manifest(repo, 'latest')).digest)
    expect(r.outputs['test-result']).toBe('passed')
    expect(r.outputs.pushed).toBe('true')
    expect(r.main.log).toContain('##[group]Test')
    expect(r.summary).toMatch(/Test<\/th><td>passed/)
    // Neither the password nor the step's own docker config (its registry login) reach the test.
    const testEnv = r.read('env.txt')
    expect(testEnv).not.toContain(env.registry.password)
    expect(testEnv).not.toMatch(/^DOCKER_CONFIG=.*docker-ship-/m)
    expect(testEnv).not.toMatch(/^INPUT_/m)
  })

  it('pushes no reference when the test fails, and fails the step with the test output', async () => {
    const repo = uniqueRepo(`testin-${engine}-fail`)
    const r = await ship(engine, repo, { inputs: { ...engineInputs, test: FAILING_TEST } })
    expect(r.main.exitCode).not.toBe(0)
    expect(await imageTags(repo)).toEqual([])
    const errors = r.main.annotations.filter(a => a.level === 'error')
    expect(errors).toHaveLength(1)
    expect(errors[0]?.message).toContain('Input "test" failed with exit code 3')
    expect(errors[0]?.message).toContain('the-smoke-test-saw-a-broken-image')
    // The test's `::error::x` line is text in the log, not an annotation of its own.
    expect(r.main.commands.filter(c => c.command === 'error' && c.message === 'x')).toEqual([])
    expect(r.main.log).toContain('::error::x')
    expect(r.outputs['test-result']).toBe('failed')
    expect(r.outputs.pushed).toBe('false')
    expect(r.summary).toContain('test failed, nothing pushed')
  })
})

describe('the test input on other runs', () => {
  it.each(['buildx', 'podman'])('tests a pull request build with engine %s, which pushes nothing', async engine => {
    const repo = uniqueRepo(`testin-${engine}-pr`)
    const r = await ship(engine, repo, {
      eventName: 'pull_request',
      payload: pullRequestPayload({ number: 7 }),
      inputs: { test: SEEING_TEST(engine === 'podman' ? 'podman' : 'docker') }
    })
    expect(r.main.exitCode).toBe(0)
    expect(r.read('seen.txt')).toBe('tested-marker\n')
    expect(r.read('image.txt')).toBe(`${host}/${repo}:pr-7\n`)
    expect(r.outputs['test-result']).toBe('passed')
    expect(r.outputs.pushed).toBe('false')
    expect(await imageTags(repo)).toEqual([])
  })

  it.each([
    ['buildx', 'a multi-platform build', 'index'],
    ['podman', 'a podman manifest list', 'list']
  ] as const)('%s: tests the runner platform of %s, then pushes the whole %s', async (engine, _what, _whole) => {
    const repo = uniqueRepo(engine === 'podman' ? 'testin-podman-multi' : 'testin-multi')
    const r = await ship(engine, repo, {
      dockerfileText: `FROM ${requirePart(env, env.baseIndex, 'E2E_BASE_INDEX', '--qemu')}\nRUN uname -m > /marker\n`,
      inputs: { platforms: 'linux/amd64,linux/arm64', test: SEEING_TEST(engine === 'podman' ? 'podman' : 'docker') }
    })
    expect(r.main.exitCode).toBe(0)
    expect(r.read('seen.txt')).toBe('x86_64\n')
    expect((await registry.platforms(repo, 'latest')).sort()).toEqual(['linux/amd64', 'linux/arm64'])
  })

  it('tests every compose service at once, then pushes them all', async () => {
    const prefix = uniqueRepo('testin-compose')
    const compose = 'services:\n  web:\n    build: ./web\n  worker-1:\n    build: ./worker\n'
    const r = await ship('buildx', '', {
      files: { 'docker-compose.yml': compose, 'web/Dockerfile': dockerfile, 'worker/Dockerfile': dockerfile },
      inputs: {
        image: `${host}/${prefix}`,
        'compose-file': 'docker-compose.yml',
        test: 'docker run --rm "$IMAGE_WEB" cat /marker > web.txt\ndocker run --rm "$IMAGE_WORKER_1" cat /marker > worker.txt\necho "$IMAGE" > image.txt'
      }
    })
    expect(r.main.exitCode).toBe(0)
    expect(r.read('web.txt')).toBe('tested-marker\n')
    expect(r.read('worker.txt')).toBe('tested-marker\n')
    expect(r.read('image.txt')).toBe(`${host}/${prefix}/web:latest\n`)
    expect(await imageTags(`${prefix}/web`)).toEqual(['latest', 'main', 'sha-0123456'])
    expect(await imageTags(`${prefix}/worker-1`)).toEqual(['latest', 'main', 'sha-0123456'])
  })
})

import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { pushPayload } from './support/payloads.js'
import { readE2EEnv, registryClient, requirePart } from './support/registry.js'
import { cleanupRuns, runAction, shareUserPlugins } from './support/runner.js'
import { makeWorkspace, uniqueRepo } from './support/workspace.js'

/**
 * A fresh runner has an empty engine: the second build of an unchanged context must come from
 * the cache the first one pushed, with no input, and upload no layer again.
 */
const env = readE2EEnv()
const registry = registryClient(env, 1)
const host = env.registry.host
const base = `${host}/e2e/base:busybox`
const registryLog = env.registry.log as string
const dockerConfig = mkdtempSync(path.join(tmpdir(), 'cache-cfg-'))
shareUserPlugins(dockerConfig)

const classic = requirePart(env, env.classic, 'E2E_CLASSIC_DOCKER_HOST', '--classic-engine')

function docker(...args: string[]): string {
  return dockerOn({}, ...args)
}

/** docker with the test's own config, on the engine `stepEnv` names (DOCKER_HOST), else the main one. */
function dockerOn(stepEnv: Record<string, string>, ...args: string[]): string {
  return execFileSync('docker', args, {
    env: { ...process.env, DOCKER_CONFIG: dockerConfig, ...stepEnv },
    input: args[0] === 'login' ? env.registry.password : undefined
  }).toString()
}

beforeAll(() => {
  // The base image comes from the registry, as a public base image would on a runner, so that
  // wiping the engine really leaves it empty of everything the build used.
  docker('login', '--username', env.registry.user, '--password-stdin', host)
  docker('tag', env.baseImage, base)
  docker('push', base)
  docker('rmi', base)
})

afterAll(async () => {
  rmSync(dockerConfig, { recursive: true, force: true })
  await cleanupRuns()
})

/** Like a fresh runner: the images this test made and all build cache gone. */
function wipeEngine(repo: string, stepEnv: Record<string, string>): void {
  const docker = (...args: string[]) => dockerOn(stepEnv, ...args)
  const images = docker('images', '--format', '{{.Repository}}:{{.Tag}}', `${host}/${repo}`).split('\n').filter(Boolean)
  for (const image of [...images, base]) {
    try {
      docker('rmi', '--force', image)
    } catch {
      // not present
    }
  }
  docker('builder', 'prune', '--all', '--force')
}

/** Digests of the blobs uploaded to `repo` since byte `from` of the registry log. */
function uploadsSince(from: number, repo: string): string[] {
  const text = readFileSync(registryLog).subarray(from).toString()
  const re = new RegExp(`"PUT /v2/${repo}/blobs/uploads/[^ ]*digest=sha256%3A([0-9a-f]{64})[^"]*" 201`, 'g')
  return [...text.matchAll(re)].map(m => `sha256:${m[1]}`)
}

/** RUN steps of a BuildKit log and whether each came from cache. */
function runSteps(log: string): { name: string; cached: boolean }[] {
  const steps = [...log.matchAll(/^#(\d+) \[(?:[^\]]* )?\d+\/\d+\] (RUN .*)$/gm)]
  return [...new Map(steps.map(m => [m[1], m[2] as string])).entries()].map(([id, name]) => ({
    name,
    cached: new RegExp(`^#${id} CACHED$`, 'm').test(log)
  }))
}

// buildx and classic docker on the main engine (containerd store: registry cache) and on
// bookworm's dockerd 20.10 (classic store: inline cache).
describe.each<{ engine: string; on: string; stepEnv: Record<string, string> }>([
  { engine: 'buildx', on: 'the main engine', stepEnv: {} },
  { engine: 'docker', on: 'the main engine', stepEnv: {} },
  { engine: 'buildx', on: 'dockerd 20.10', stepEnv: { DOCKER_HOST: classic.dockerHost } },
  { engine: 'docker', on: 'dockerd 20.10', stepEnv: { DOCKER_HOST: classic.dockerHost } }
])('cache with engine $engine on $on', ({ engine, stepEnv }) => {
  it('rebuilds an unchanged context on a wiped engine from cache, uploading no layer', async () => {
    const repo = uniqueRepo(`${engine}-cache`)
    const files = {
      Dockerfile: `FROM ${base}\nRUN echo one-${repo} > /one && sleep 1\nRUN echo two > /two && sleep 1\nCOPY app.txt /app.txt\n`,
      'app.txt': 'hello\n'
    }
    const ship = () =>
      runAction({
        workspace: makeWorkspace(files),
        payload: pushPayload({ ref: 'refs/heads/main' }),
        secrets: [env.registry.password],
        env: stepEnv,
        inputs: { registry: host, image: repo, engine, username: env.registry.user, password: env.registry.password }
      })

    const cold = await ship()
    expect(cold.main.exitCode).toBe(0)
    expect(runSteps(cold.main.log).map(s => s.cached)).toEqual([false, false])

    wipeEngine(repo, stepEnv)
    const mark = statSync(registryLog).size
    const warm = await ship()
    expect(warm.main.exitCode).toBe(0)
    // BuildKit prints cached steps in no fixed order
    expect(runSteps(warm.main.log).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: expect.stringMatching(/^RUN echo one/), cached: true },
      { name: 'RUN echo two > /two && sleep 1', cached: true }
    ])
    const layers = ((await registry.imageManifest(repo, 'latest')).body.layers ?? []).map(l => l.digest)
    expect(layers.length).toBeGreaterThan(1)
    const uploaded = uploadsSince(mark, repo)
    expect(uploaded.filter(d => layers.includes(d))).toEqual([])
    expect(warm.main.log).not.toContain('##[warning]')
    expect(warm.outputs.digest).toMatch(/^sha256:/)
  })
})

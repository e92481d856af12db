// The engine probe on real engines: the fast path (one GET /info on the engine's socket, no docker
// CLI) must say what `docker buildx inspect` says, and the action must take it on a default runner
// and leave it for `docker buildx inspect` when buildx would not use the engine's own builder.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { parseBuilder } from '../../src/engine/probe/buildx-inspect.js'
import { fastProbe } from '../../src/engine/probe/fast-probe.js'
import { pushPayload } from './support/payloads.js'
import { readE2EEnv, registryClient, remoteDockerHost } from './support/registry.js'
import { cleanupRuns, runAction, type RunOptions, shareRunnerPlugins } from './support/runner.js'
import { commandLines, makeWorkspace, uniqueRepo } from './support/workspace.js'

const env = readE2EEnv()
const registry = registryClient(env, 1)
const host = env.registry.host
const remote = remoteDockerHost(env)
const homes: string[] = []

afterAll(async () => {
  for (const h of homes) rmSync(h, { recursive: true, force: true })
  await cleanupRuns()
})

/** A HOME with nothing in its docker config, as on a fresh runner. */
function freshHome(): string {
  const home = mkdtempSync(path.join(tmpdir(), 'probe-home-'))
  homes.push(home)
  shareRunnerPlugins(home)
  return home
}

function ship(repo: string, opts: RunOptions = {}) {
  return runAction({
    workspace: makeWorkspace({ Dockerfile: `FROM ${env.baseImage}\nRUN echo ${repo} > /repo\n` }),
    secrets: [env.registry.password],
    payload: pushPayload({ ref: 'refs/heads/main', defaultBranch: 'main' }),
    debug: true,
    ...opts,
    inputs: { registry: host, image: repo, username: env.registry.user, password: env.registry.password, ...opts.inputs }
  })
}

/** The suite's main engine: the system socket, or the one support/engine-host.ts names. */
const localEngine = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock'

const debugLines = (log: string) => log.split('\n').filter(l => l.includes('##[debug]probe:'))

describe('the fast engine probe', () => {
  it.each<[string, Record<string, string>]>([
    ['the local engine (unix socket)', {}],
    ['the remote engine (DOCKER_HOST tcp://)', { DOCKER_HOST: remote }]
  ])('says what docker buildx inspect says about %s', async (_name, extra) => {
    const home = freshHome()
    const probeEnv = { ...process.env, HOME: home, DOCKER_CONFIG: path.join(home, '.docker'), ...extra }
    const fast = await fastProbe(probeEnv, '', probeEnv.DOCKER_CONFIG)
    const inspect = execFileSync('docker', ['buildx', 'inspect'], { env: probeEnv, encoding: 'utf8', timeout: 60_000 })
    expect(fast).toEqual({ builder: parseBuilder(inspect), address: extra.DOCKER_HOST ?? localEngine })
    // Both engines of the e2e environment run the containerd image store: registry cache.
    expect(parseBuilder(inspect).cacheExport).toBe(true)
  })

  it('is what the action uses on a fresh runner: no docker buildx inspect, registry cache, pushed', async () => {
    const repo = uniqueRepo('probe-fast')
    const r = await ship(repo, { home: freshHome() })
    expect(r.main.exitCode).toBe(0)
    expect(debugLines(r.main.log)).toEqual([
      '##[debug]probe: started with the process',
      `##[debug]probe: buildx's default builder, from GET /info on ${localEngine}`
    ])
    expect(commandLines(r.main.log).filter(l => / buildx build /.test(l))[0]).toContain(
      `--cache-to type=registry,ref=${host}/${repo}:buildcache,mode=max`
    )
    expect((await registry.manifest(repo, 'latest')).digest).toBe(r.outputs.digest)
  })

  it('leaves the answer to docker buildx inspect under a docker context, and builds on the engine it names', async () => {
    const repo = uniqueRepo('probe-context')
    const home = freshHome()
    const cli = (args: string[]) =>
      execFileSync('docker', args, { env: { ...process.env, HOME: home }, encoding: 'utf8', stdio: 'pipe', timeout: 60_000 })
    cli(['context', 'create', 'e2e-remote', '--docker', `host=${remote}`])
    // (the job names a context and no DOCKER_HOST, which would override it)
    const r = await ship(repo, { home, env: { DOCKER_CONTEXT: 'e2e-remote', DOCKER_HOST: '' } })
    try {
      expect(r.main.exitCode).toBe(0)
      expect(debugLines(r.main.log)).toEqual([
        '##[debug]probe: started with the process',
        '##[debug]probe: docker buildx inspect (DOCKER_CONTEXT is e2e-remote)'
      ])
      // The remote engine built it; the local one never had it.
      const has = (extra: string[]) =>
        spawnSync('docker', [...extra, 'image', 'inspect', `${host}/${repo}:latest`], { stdio: 'ignore' }).status
      expect(has(['-H', remote])).toBe(0)
      expect(has([])).not.toBe(0)
      expect((await registry.manifest(repo, 'latest')).digest).toBe(r.outputs.digest)
    } finally {
      spawnSync('docker', ['-H', remote, 'image', 'rm', `${host}/${repo}:latest`, `${host}/${repo}:main`, `${host}/${repo}:sha-0123456`], {
        stdio: 'ignore'
      })
    }
  })
})

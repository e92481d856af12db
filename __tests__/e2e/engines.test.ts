// Engines past the local Docker one, and images for several platforms, proven on real engines:
// podman (chosen by `auto` when no Docker engine answers), a remote Docker engine (docker-host),
// and multi-platform builds as one index in the registry (buildx on the containerd store, podman),
// or a clear refusal before building (classic docker build).
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { pushPayload } from './support/payloads.js'
import { MANIFEST_MEDIA_TYPES, podmanStepEnv, readE2EEnv, registryClient, remoteDockerHost, requirePart } from './support/registry.js'
import { annotationsOf, cleanupRuns, runAction, type RunOptions } from './support/runner.js'
import { commandLines, makeWorkspace, uniqueRepo } from './support/workspace.js'

const env = readE2EEnv()
const registry = registryClient(env, 1)
const host = env.registry.host
const creds = { username: env.registry.user, password: env.registry.password }
const INDEX_TYPES: string[] = [MANIFEST_MEDIA_TYPES.ociIndex, MANIFEST_MEDIA_TYPES.dockerList]
const TWO_PLATFORMS = 'linux/amd64,linux/arm64'
/** A Docker engine that cannot answer: what a runner without Docker looks like to the docker CLI. */
const DEAD_DOCKER_HOST = 'unix:///nonexistent/docker-ship-e2e.sock'

afterAll(cleanupRuns)

/** The image tags in a repository, without the registry cache tag buildx writes beside them. */
const imageTags = async (repo: string) => (await registry.tags(repo)).filter(t => t !== 'buildcache')

/** Runs the action on a workspace holding `files`, pushing to `repo` for a push to main. */
function ship(repo: string, files: Record<string, string>, opts: RunOptions = {}) {
  return runAction({
    workspace: makeWorkspace(files),
    secrets: [env.registry.password],
    payload: pushPayload({ ref: 'refs/heads/main', defaultBranch: 'main' }),
    ...opts,
    inputs: { registry: host, image: repo, ...creds, ...opts.inputs }
  })
}

/** Whether `image` is in the store of the engine reached with `args` (`podman` or `docker -H ...`). */
function engineHas(command: string, args: string[], image: string, extraEnv: Record<string, string> = {}): boolean {
  const r = spawnSync(command, [...args, 'image', 'inspect', image], {
    env: { ...process.env, ...extraEnv },
    stdio: 'ignore',
    timeout: 30_000
  })
  return r.status === 0
}

/** Removes `image` (or manifest list) from the podman store of the e2e environment (vfs copies every layer). */
function podmanRemove(image: string): void {
  const opts = { env: { ...process.env, ...podmanStepEnv(env) }, stdio: 'ignore' as const, timeout: 60_000 }
  spawnSync('podman', ['manifest', 'rm', image], opts)
  spawnSync('podman', ['rmi', '--force', image], opts)
}

/** The decompressed layers of the image for `platform` at repo:tag, as text. */
async function layerTexts(repo: string, tag: string, platform: string): Promise<string[]> {
  const m = await registry.imageManifest(repo, tag, platform)
  const blobs = await Promise.all((m.body.layers ?? []).map(l => registry.blob(repo, l.digest)))
  return blobs.map(b => (b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b).toString('latin1'))
}

/** `FROM scratch` + COPY: builds for any platform without an emulator. */
/** Both tags name one index (the `digest` output) with linux/amd64 and linux/arm64, each with its own config and the copied file. */
async function expectTwoPlatformIndex(repo: string, digest: string | undefined): Promise<void> {
  const index = await registry.manifest(repo, 'latest')
  expect(INDEX_TYPES).toContain(index.mediaType)
  expect(index.digest).toBe(digest)
  expect((await registry.manifest(repo, 'sha-0123456')).digest).toBe(digest)
  expect((await registry.platforms(repo, 'latest')).sort()).toEqual(['linux/amd64', 'linux/arm64'])
  for (const platform of ['linux/amd64', 'linux/arm64']) {
    const config = await registry.imageConfig(repo, 'latest', platform)
    expect(`${config.os}/${config.architecture}`).toBe(platform)
    expect((await layerTexts(repo, 'latest', platform)).some(t => t.includes(repo))).toBe(true)
  }
}

const scratchProject = (text: string) => ({ Dockerfile: 'FROM scratch\nCOPY hello.txt /hello.txt\n', 'hello.txt': `${text}\n` })

describe('podman', () => {
  it('is what engine auto uses when no Docker engine answers, and says once that cache does not apply', async () => {
    const repo = uniqueRepo('auto-podman')
    const r = await ship(
      repo,
      { Dockerfile: `FROM ${env.baseImage}\nRUN echo ${repo} > /repo\n` },
      {
        env: { ...podmanStepEnv(env), DOCKER_HOST: DEAD_DOCKER_HOST },
        inputs: { engine: 'auto', cache: 'registry', 'cache-from': `type=registry,ref=${host}/${repo}:buildcache` }
      }
    )
    try {
      expect(r.main.exitCode).toBe(0)
      const commands = commandLines(r.main.log)
      expect(commands.filter(l => /^\[command\]\S*podman build /.test(l))).toHaveLength(1)
      expect(commands.filter(l => /^\[command\]\S*docker (buildx build|build|push|login) /.test(l))).toEqual([])
      expect(r.main.log.split('\n').filter(l => /not apply to podman/.test(l))).toEqual([
        'Inputs cache (registry) and cache-from do not apply to podman (inline and registry cache are BuildKit features); podman builds with its local layer cache.'
      ])
      expect(await registry.tags(repo)).toEqual(['latest', 'main', 'sha-0123456'])
      expect((await registry.manifest(repo, 'latest')).digest).toBe(r.outputs.digest)
      expect((await registry.manifest(repo, 'sha-0123456')).digest).toBe(r.outputs.digest)
      expect((await layerTexts(repo, 'latest', 'linux/amd64')).some(t => t.includes(repo))).toBe(true)
      // Built in podman's own store, logged in with the run's own auth file, logged out in post.
      expect(engineHas('podman', [], `${host}/${repo}:latest`, podmanStepEnv(env))).toBe(true)
      // Logged in with the run's own auth file, gone with the run folder as main ended: podman's
      // own auth files never held the credentials.
      expect(r.main.log).toContain(`Logged out of ${host}`)
      expect(JSON.parse(r.state.post)).toEqual({ registries: [] })
      expect(readdirSync(r.dirs.runnerTemp).filter(f => f.startsWith('docker-ship-'))).toEqual([])
      for (const file of [path.join(r.dirs.home, '.config/containers/auth.json'), '/run/containers/0/auth.json']) {
        expect(existsSync(file) ? readFileSync(file, 'utf8') : '').not.toContain(host)
      }
    } finally {
      podmanRemove(`${host}/${repo}:latest`)
      podmanRemove(`${host}/${repo}:main`)
      podmanRemove(`${host}/${repo}:sha-0123456`)
    }
  })

  it("labels a cached build of an earlier stage (target) with this build's revision", async () => {
    const repo = uniqueRepo('podman-target')
    const files = { Dockerfile: `FROM ${env.baseImage} AS app\nRUN echo ${repo} > /repo\nFROM app AS debug\nRUN echo debug\n` }
    const shas = ['1111111111111111111111111111111111111111', '2222222222222222222222222222222222222222']
    try {
      for (const sha of shas) {
        const r = await ship(repo, files, {
          env: podmanStepEnv(env),
          payload: pushPayload({ ref: 'refs/heads/main', defaultBranch: 'main', sha }),
          inputs: { engine: 'podman', target: 'app' }
        })
        expect(r.main.exitCode).toBe(0)
        const labels = (await registry.imageConfig(repo, 'latest')).config?.Labels ?? {}
        expect(labels['org.opencontainers.image.revision']).toBe(sha)
        // The target's own step is rebuilt only the first time: later its cache holds, and the
        // labels come from a build of their own on top of it.
        const lines = r.main.log.split('\n')
        const run = lines.findIndex(l => /STEP \d+\/\d+: RUN echo /.test(l))
        expect(lines[run + 1]?.startsWith('--> Using cache ')).toBe(sha === shas[1])
        expect(r.main.log).not.toContain('--no-cache')
      }
    } finally {
      for (const sha of shas) podmanRemove(`${host}/${repo}:sha-${sha.slice(0, 7)}`)
      podmanRemove(`${host}/${repo}:latest`)
    }
  })

  it('builds two platforms into one manifest list and pushes it whole to every tag', async () => {
    const repo = uniqueRepo('podman-multi')
    const r = await ship(repo, scratchProject(repo), { env: podmanStepEnv(env), inputs: { engine: 'podman', platforms: TWO_PLATFORMS } })
    try {
      expect(r.main.exitCode).toBe(0)
      // one push per tag: latest, main, sha-0123456
      expect(commandLines(r.main.log).filter(l => /^\[command\]\S*podman manifest push --all /.test(l))).toHaveLength(3)
      await expectTwoPlatformIndex(repo, r.outputs.digest)
    } finally {
      podmanRemove(`${host}/${repo}:latest`)
    }
  })
})

describe('a remote Docker engine (docker-host)', () => {
  const remote = remoteDockerHost(env)

  it.each(['buildx', 'docker'])('builds with %s on the remote engine, which pushes; the local engine has nothing', async engine => {
    const repo = uniqueRepo(`remote-${engine}`)
    const r = await ship(
      repo,
      { Dockerfile: `FROM ${env.baseImage}\nRUN echo ${repo} > /repo\n` },
      { inputs: { engine, 'docker-host': remote } }
    )
    expect(r.main.exitCode).toBe(0)
    expect(await imageTags(repo)).toEqual(['latest', 'main', 'sha-0123456'])
    expect((await registry.manifest(repo, 'latest')).digest).toBe(r.outputs.digest)
    expect((await layerTexts(repo, 'latest', 'linux/amd64')).some(t => t.includes(repo))).toBe(true)
    const image = `${host}/${repo}:latest`
    expect(engineHas('docker', ['-H', remote], image)).toBe(true)
    expect(engineHas('docker', [], image)).toBe(false)
    execFileSync('docker', ['-H', remote, 'image', 'rm', image, `${host}/${repo}:main`, `${host}/${repo}:sha-0123456`], { stdio: 'ignore' })
  })
})

describe('several platforms', () => {
  it('pushes one index with both platforms from buildx on the containerd image store', async () => {
    const repo = uniqueRepo('buildx-multi')
    const r = await ship(repo, scratchProject(repo), { inputs: { engine: 'buildx', platforms: TWO_PLATFORMS } })
    expect(r.main.exitCode).toBe(0)
    await expectTwoPlatformIndex(repo, r.outputs.digest)
  })

  it('runs a RUN step per platform under qemu and pushes one index: the arm64 image was built by an aarch64 RUN', async () => {
    const base = requirePart(env, env.baseIndex, 'E2E_BASE_INDEX', '--qemu')
    const repo = uniqueRepo('buildx-qemu')
    const r = await ship(
      repo,
      { Dockerfile: `FROM ${base}\nRUN uname -m > /arch && echo ${repo} > /repo\n` },
      { inputs: { platforms: TWO_PLATFORMS } }
    )
    expect(r.main.exitCode).toBe(0)
    const index = await registry.manifest(repo, 'latest')
    expect(INDEX_TYPES).toContain(index.mediaType)
    expect(index.digest).toBe(r.outputs.digest)
    expect((await registry.platforms(repo, 'latest')).sort()).toEqual(['linux/amd64', 'linux/arm64'])
    for (const [platform, machine] of [
      ['linux/amd64', 'x86_64'],
      ['linux/arm64', 'aarch64']
    ] as const) {
      const config = await registry.imageConfig(repo, 'latest', platform)
      expect(`${config.os}/${config.architecture}`).toBe(platform)
      const texts = await layerTexts(repo, 'latest', platform)
      // the layer of the RUN step holds /arch, written by that platform's `uname -m`
      expect(texts.some(t => t.includes(repo) && t.includes(`${machine}\n`))).toBe(true)
    }
  })

  it('refuses them with the classic docker build before logging in or building, saying what to set up', async () => {
    const repo = uniqueRepo('docker-multi')
    const r = await ship(repo, scratchProject(repo), { inputs: { engine: 'docker', platforms: TWO_PLATFORMS } })
    expect(r.main.exitCode).toBe(1)
    expect(annotationsOf(r, 'error').map(a => a.message)).toEqual([
      'Input "platforms" is "linux/amd64,linux/arm64", which the classic docker build (docker build + docker push) cannot build into one image: use engine: buildx (or auto), which makes a docker-container builder when it needs one, or engine: podman.'
    ])
    expect(commandLines(r.main.log).filter(l => / (login|build|push) /.test(l))).toEqual([])
    expect(await registry.tags(repo)).toEqual([])
  })
})

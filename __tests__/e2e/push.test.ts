import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { pullRequestPayload, pushPayload } from './support/payloads.js'
import { podmanStepEnv, readE2EEnv, registryClient, requirePart } from './support/registry.js'
import { annotationsOf, cleanupRuns, runAction, type RunOptions, shareRunnerPlugins } from './support/runner.js'
import { commandLines, makeWorkspace, uniqueRepo } from './support/workspace.js'

const env = readE2EEnv()
const registry = registryClient(env, 1)
const host = env.registry.host
const creds = { username: env.registry.user, password: env.registry.password }
const dockerfile = `FROM ${env.baseImage}\nRUN echo built > /built.txt\n`
/** The image tags in a repository, without the registry cache tag the action writes beside them. */
const imageTags = async (repo: string) => (await registry.tags(repo)).filter(t => t !== 'buildcache')

afterAll(cleanupRuns)

/**
 * Each engine input on the engines users run: buildx and classic docker on the main engine
 * (dockerd 28, containerd store) and on bookworm's dockerd 20.10 (classic store), and podman.
 */
const classic = requirePart(env, env.classic, 'E2E_CLASSIC_DOCKER_HOST', '--classic-engine')
const VARIANTS: { engine: string; on: string; stepEnv: Record<string, string> }[] = [
  { engine: 'buildx', on: 'the main engine', stepEnv: {} },
  { engine: 'docker', on: 'the main engine', stepEnv: {} },
  { engine: 'podman', on: 'podman', stepEnv: {} },
  { engine: 'buildx', on: 'dockerd 20.10', stepEnv: { DOCKER_HOST: classic.dockerHost } },
  { engine: 'docker', on: 'dockerd 20.10', stepEnv: { DOCKER_HOST: classic.dockerHost } }
]

/** Runs the action on a workspace with the given Dockerfile, pushing to a fresh repository. */
function ship(engine: string, repo: string, opts: RunOptions & { dockerfileText?: string } = {}) {
  return runAction({
    workspace: makeWorkspace({ Dockerfile: opts.dockerfileText ?? dockerfile }),
    secrets: [env.registry.password],
    ...opts,
    env: { ...(engine === 'podman' ? podmanStepEnv(env) : {}), ...opts.env },
    inputs: { registry: host, image: repo, engine, ...creds, ...opts.inputs }
  })
}

describe.each(VARIANTS)('engine $engine on $on against a real registry', ({ engine, stepEnv }) => {
  const onEngine = (e: string, repo: string, opts: RunOptions & { dockerfileText?: string } = {}) =>
    ship(e, repo, { ...opts, env: { ...stepEnv, ...opts.env } })

  it('pushes latest, main and sha for a push to main, with the digest and labels the registry holds', async () => {
    const repo = uniqueRepo(`${engine}-main`)
    const r = await onEngine(engine, repo, {
      payload: pushPayload({ ref: 'refs/heads/main', defaultBranch: 'main', description: 'hello' })
    })
    expect(r.main.exitCode).toBe(0)
    expect(await imageTags(repo)).toEqual(['latest', 'main', 'sha-0123456'])
    const latest = await registry.manifest(repo, 'latest')
    const sha = await registry.manifest(repo, 'sha-0123456')
    expect(r.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(latest.digest).toBe(r.outputs.digest)
    expect(sha.digest).toBe(r.outputs.digest)
    expect(r.outputs.pushed).toBe('true')
    expect(r.outputs.imageid).toMatch(/^sha256:[0-9a-f]{64}$/)
    const labels = (await registry.imageConfig(repo, 'latest')).config?.Labels ?? {}
    expect(labels['org.opencontainers.image.revision']).toBe('0123456789abcdef0123456789abcdef01234567')
    expect(labels['org.opencontainers.image.description']).toBe('hello')
    expect(labels['org.opencontainers.image.version']).toBe('main')
    expect(r.summary).toContain(r.outputs.digest)
    for (const group of ['Context', 'Login', 'Build', 'Outputs']) expect(r.main.log).toContain(`##[group]${group}`)
    if (engine === 'buildx') expect(JSON.parse(r.outputs.metadata)['containerimage.digest']).toBe(r.outputs.digest)
  })

  it('pushes every version form for tag v1.2.3 and leaves latest alone', async () => {
    const repo = uniqueRepo(`${engine}-tag`)
    const first = await onEngine(engine, repo, { payload: pushPayload({ ref: 'refs/heads/main' }) })
    expect(first.main.exitCode).toBe(0)
    const latestBefore = (await registry.manifest(repo, 'latest')).digest
    const r = await onEngine(engine, repo, {
      payload: pushPayload({ ref: 'refs/tags/v1.2.3', sha: 'abcdef0123456789abcdef0123456789abcdef01' }),
      dockerfileText: `${dockerfile}RUN echo v1.2.3 > /version\n`
    })
    expect(r.main.exitCode).toBe(0)
    expect(await imageTags(repo)).toEqual(['1', '1.2', '1.2.3', 'latest', 'main', 'sha-0123456', 'v1.2.3'])
    for (const tag of ['1', '1.2', '1.2.3', 'v1.2.3']) expect((await registry.manifest(repo, tag)).digest).toBe(r.outputs.digest)
    expect((await registry.manifest(repo, 'latest')).digest).toBe(latestBefore)
    expect(r.outputs.digest).not.toBe(latestBefore)
  })

  it('builds a pull request without pushing anything', async () => {
    const repo = uniqueRepo(`${engine}-pr`)
    const r = await onEngine(engine, repo, { eventName: 'pull_request', payload: pullRequestPayload({ number: 5 }) })
    expect(r.main.exitCode).toBe(0)
    expect(r.main.log).toContain('##[group]Build')
    expect(r.outputs.pushed).toBe('false')
    expect(r.outputs.digest).toBe('')
    expect(r.outputs.tags).toBe(`${host}/${repo}:pr-5`)
    expect(await imageTags(repo)).toEqual([])
  })

  it('builds a fork pull request with an empty password, without any login', async () => {
    const repo = uniqueRepo(`${engine}-fork`)
    const r = await onEngine(engine, repo, {
      eventName: 'pull_request',
      payload: pullRequestPayload({ number: 6, fork: true }),
      inputs: { password: '', push: 'true' }
    })
    expect(r.main.exitCode).toBe(0)
    expect(commandLines(r.main.log).filter(l => l.includes(' login '))).toEqual([])
    expect(
      annotationsOf(r, 'notice')
        .map(a => a.message)
        .join('\n')
    ).toMatch(/fork/)
    expect(r.outputs.pushed).toBe('false')
    expect(await imageTags(repo)).toEqual([])
  })

  it('fails with one line naming the registry for a wrong password, pushing nothing', async () => {
    const repo = uniqueRepo(`${engine}-badpw`)
    const r = await onEngine(engine, repo, { inputs: { password: 'wrong-password' }, secrets: ['wrong-password'] })
    expect(r.main.exitCode).toBe(1)
    const errors = annotationsOf(r, 'error').map(a => a.message)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(
      new RegExp(
        // docker relays the registry's 401; podman says it in its own words.
        `^Login to ${host.replace(/\./g, '\\.')} as ci-user failed: .*(401 Unauthorized|invalid username/password).*Check the "username" and "password" inputs`
      )
    )
    expect(errors[0]).not.toContain('\n')
    expect(commandLines(r.main.log).filter(l => l.includes(' build '))).toEqual([])
    expect(await imageTags(repo)).toEqual([])
  })

  it('fails a broken RUN at line 3 naming the step, with an annotation on that line', async () => {
    const repo = uniqueRepo(`${engine}-fail`)
    const r = await onEngine(engine, repo, {
      dockerfileText: `FROM ${env.baseImage}\nRUN echo fine\nRUN echo "missing thing" && exit 3\nRUN echo never\n`
    })
    expect(r.main.exitCode).toBe(1)
    const [error, ...more] = annotationsOf(r, 'error')
    expect(more).toEqual([])
    expect(error?.properties).toMatchObject({ file: 'Dockerfile', line: '3' })
    // BuildKit: "exit code: 3"; podman: "exit status 3".
    expect(error?.message).toMatch(
      /^Build failed at \[3\/4\] RUN echo "missing thing" && exit 3, Dockerfile line 3: .*exit (code: |status )3/
    )
    expect(error?.message).toContain('missing thing')
    expect(await imageTags(repo)).toEqual([])
  })

  it('gives a build secret to RUN and to nothing else', async () => {
    const repo = uniqueRepo(`${engine}-secret`)
    const secret = `tok-${Math.random().toString(36).slice(2)}-${engine}`
    const digest = createHash('sha256').update(secret).digest('hex')
    const r = await onEngine(engine, repo, {
      secrets: [env.registry.password, secret],
      inputs: { secrets: `token=${secret}` },
      // BuildKit's cache key ignores secret values: the first RUN keeps this case out of the cache.
      dockerfileText: `FROM ${env.baseImage}\nRUN echo ${repo} > /repo\nRUN --mount=type=secret,id=token,required=true sha256sum /run/secrets/token | cut -c1-64 > /token.sha\n`
    })
    expect(r.main.exitCode).toBe(0)
    // The RUN step saw the value: the image holds its hash (read from the pushed layer).
    const manifest = await registry.imageManifest(repo, 'latest')
    const layers = await Promise.all((manifest.body.layers ?? []).map(l => registry.blob(repo, l.digest)))
    const files = layers.map(b => gunzipSync(b).toString('latin1'))
    expect(files.some(f => f.includes(digest))).toBe(true)
    expect(files.some(f => f.includes(secret))).toBe(false)
    for (const text of [
      r.main.stdout.replace(/::add-mask::.*\n/g, ''),
      r.main.stderr,
      r.post?.stdout ?? '',
      JSON.stringify(r.outputs),
      JSON.stringify(r.state)
    ]) {
      expect(text).not.toContain(secret)
    }
    for (const line of commandLines(r.main.log)) expect(line).not.toContain(secret)
  })

  it('leaves no credentials or secret files once main ends, nothing for the post step, and the runner config as it was', async () => {
    const repo = uniqueRepo(`${engine}-post`)
    const home = mkdirTemp('home-')
    const runnerTemp = mkdirTemp('temp-')
    mkdirSync(path.join(home, '.docker'))
    shareRunnerPlugins(home)
    const runnerConfig = '{"auths":{"example.invalid":{"auth":"ZXhhbXBsZTpleGFtcGxl"}}}\n'
    writeFileSync(path.join(home, '.docker', 'config.json'), runnerConfig)
    const r = await onEngine(engine, repo, { home, runnerTemp, inputs: { secrets: 'token=abc' } })
    expect(r.main.exitCode).toBe(0)
    expect(r.main.log).toContain(`Logged out of ${host}`)
    // Main cleaned up as it ended: the state leaves the post step nothing, and post-if
    // (failure() || cancelled()) does not run it after a successful main.
    expect(JSON.parse(r.state.post)).toEqual({ registries: [] })
    expect(r.post).toBeUndefined()
    expect(readdirSync(runnerTemp).filter(f => f.startsWith('docker-ship-'))).toEqual([])
    expect(readFileSync(path.join(home, '.docker', 'config.json'), 'utf8')).toBe(runnerConfig)
  })
})

describe('a main killed mid-build (a cancelled job)', () => {
  it('leaves the post step to log out and delete its credentials and secret files', async () => {
    const repo = uniqueRepo('killed')
    const runnerTemp = mkdirTemp('temp-')
    const r = await ship('buildx', repo, {
      runnerTemp,
      dockerfileText: `FROM ${env.baseImage}\nRUN sleep 60\n`,
      inputs: { secrets: 'token=abc' },
      // The runner signals a cancelled step; the harness does the same when the step outlives this.
      timeoutMs: 15_000
    })
    expect(r.main.timedOut).toBe(true)
    expect(r.main.log).toContain(`Logged in to ${host}`)
    const state = JSON.parse(r.state.post) as { root: string; registries: string[] }
    expect(state.registries).toEqual([host])
    expect(state.root.startsWith(runnerTemp)).toBe(true)
    // post-if: failure() || cancelled(): the post step runs and does what main could not.
    expect(r.post?.exitCode).toBe(0)
    expect(r.post?.log).toContain(`Logged out of ${host}`)
    expect(existsSync(state.root)).toBe(false)
    expect(readdirSync(runnerTemp).filter(f => f.startsWith('docker-ship-'))).toEqual([])
    expect(await registry.tags(repo)).toEqual([])
  })
})

function mkdirTemp(prefix: string): string {
  const dir = path.join(tmpdir(), `${prefix}${Date.now()}-${Math.random().toString(36).slice(2)}`)
  mkdirSync(dir)
  return dir
}

describe('the engine itself', () => {
  it('has the buildx plugin the auto engine relies on', () => {
    expect(execFileSync('docker', ['buildx', 'version']).toString()).toMatch(/buildx/)
  })
})

describe('type= rules and flavor against a real registry', () => {
  it("pushes docker/metadata-action's tags for tag v1.2.3 with a rules block and a flavor", async () => {
    const repo = uniqueRepo('rules-tag')
    const sha = 'abcdef0123456789abcdef0123456789abcdef01'
    const r = await ship('buildx', repo, {
      payload: pushPayload({ ref: 'refs/tags/v1.2.3', sha }),
      inputs: {
        tags: [
          'type=ref,event=branch',
          'type=ref,event=pr',
          'type=semver,pattern={{version}}',
          'type=semver,pattern={{major}}.{{minor}}',
          'type=sha'
        ].join('\n'),
        flavor: 'latest=auto\nsuffix=-alpine,onlatest=true'
      }
    })
    expect(r.main.exitCode).toBe(0)
    // metadata-action's order: semver (priority 900) before sha (100), latest last.
    const tags = ['1.2.3-alpine', '1.2-alpine', 'sha-abcdef0-alpine', 'latest-alpine']
    expect(r.outputs.tags.split('\n')).toEqual(tags.map(t => `${host}/${repo}:${t}`))
    expect(r.outputs.version).toBe('1.2.3-alpine')
    expect(await imageTags(repo)).toEqual([...tags].sort())
    for (const tag of tags) expect((await registry.manifest(repo, tag)).digest).toBe(r.outputs.digest)
    const labels = (await registry.imageConfig(repo, '1.2.3-alpine')).config?.Labels ?? {}
    expect(labels['org.opencontainers.image.version']).toBe('1.2.3-alpine')
  })
})

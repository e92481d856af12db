// docker/build-push-action's inputs on the real engines: each one does on the image what
// build-push does (read back from the engine, the files or the registry), secrets never show,
// and what an engine cannot do is refused before login.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { pushPayload } from './support/payloads.js'
import { isAttestation, podmanStepEnv, readE2EEnv, registryClient, requirePart } from './support/registry.js'
import { cleanupRuns, runAction, type RunOptions } from './support/runner.js'
import { commandLines, makeWorkspace, uniqueRepo } from './support/workspace.js'

const env = readE2EEnv()
const registry = registryClient(env, 1)
const host = env.registry.host
const creds = { username: env.registry.user, password: env.registry.password }
const base = env.baseImage
const classic = requirePart(env, env.classic, 'E2E_CLASSIC_DOCKER_HOST', '--classic-engine')
const sha = (text: string) => createHash('sha256').update(text).digest('hex')

afterAll(cleanupRuns)

/** Runs the action for a push to main on a workspace holding `files`, pushing to `repo`. */
function ship(repo: string, files: Record<string, string>, opts: RunOptions & { engine?: string } = {}) {
  const engine = opts.engine ?? 'buildx'
  return runAction({
    workspace: makeWorkspace(files),
    secrets: [env.registry.password],
    payload: pushPayload({ ref: 'refs/heads/main', defaultBranch: 'main' }),
    ...opts,
    env: { ...(engine === 'podman' ? podmanStepEnv(env) : {}), ...opts.env },
    inputs: { registry: host, image: repo, engine, ...creds, ...opts.inputs }
  })
}

/** The failure line of a run, or '' (for a readable assertion message). */
const errorOf = (log: string) =>
  log
    .split('\n')
    .filter(l => l.startsWith('##[error]'))
    .join('\n')

/** The image entries and attestation entries of the pushed `latest` (a manifest has no entry). */
async function entries(repo: string): Promise<{ index: boolean; attestations: number; images: number }> {
  const m = await registry.manifest(repo, 'latest')
  const list = m.body.manifests ?? []
  return { index: m.isIndex, attestations: list.filter(isAttestation).length, images: list.filter(d => !isAttestation(d)).length }
}

describe('build-push inputs with buildx on the main engine', () => {
  it('load: the pushed image is in the engine afterwards', async () => {
    const repo = uniqueRepo('in-load')
    const r = await ship(repo, { Dockerfile: `FROM ${base}\nRUN echo load > /load.txt\n` }, { inputs: { load: true } })
    expect(errorOf(r.main.log)).toBe('')
    // The docker driver keeps what it pushes in the engine: --load beside --push would fail there.
    expect(commandLines(r.main.log).find(l => l.includes('buildx build'))).toMatch(/--push/)
    expect(spawnSync('docker', ['image', 'inspect', `${host}/${repo}:latest`], { stdio: 'ignore' }).status).toBe(0)
  })

  it('no-cache: the RUN step of a build already in cache runs again', async () => {
    const repo = uniqueRepo('in-nocache')
    const files = { Dockerfile: `FROM ${base}\nRUN echo ran-${repo.replace(/\W/g, '')}\n` }
    // BuildKit prints what the RUN step writes only when it runs it (a cached step says CACHED).
    const ran = new RegExp(`^#\\d+ [\\d.]+ ran-${repo.replace(/\W/g, '')}$`, 'm')
    expect((await ship(repo, files)).main.log).toMatch(ran)
    const cached = await ship(repo, files, { inputs: { cache: 'off' } })
    expect(cached.main.log).not.toMatch(ran)
    const r = await ship(repo, files, { inputs: { 'no-cache': true, cache: 'off' } })
    expect(errorOf(r.main.log)).toBe('')
    expect(commandLines(r.main.log).find(l => l.includes('buildx build'))).toContain(' --no-cache ')
    expect(r.main.log).toMatch(ran)
  })

  it('pull: builds from a base image pulled from the registry again', async () => {
    const baseIndex = requirePart(env, env.baseIndex, 'E2E_BASE_INDEX', '--qemu')
    const repo = uniqueRepo('in-pull')
    const r = await ship(repo, { Dockerfile: `FROM ${baseIndex}\nRUN echo pulled\n` }, { inputs: { pull: true, platforms: 'linux/amd64' } })
    expect(errorOf(r.main.log)).toBe('')
    expect(commandLines(r.main.log).find(l => l.includes('buildx build'))).toContain(' --pull ')
    expect(r.main.log).toMatch(new RegExp(`resolve ${baseIndex.replace(/[.:/]/g, '\\$&')}`))
  })

  it('ssh: a RUN step gets the agent socket', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ssh-'))
    const sock = path.join(dir, 'agent.sock')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'id')])
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' })
    try {
      for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise(res => setTimeout(res, 100))
      execFileSync('ssh-add', [path.join(dir, 'id')], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' })
      const repo = uniqueRepo('in-ssh')
      const r = await ship(
        repo,
        { Dockerfile: `FROM ${base}\nRUN --mount=type=ssh test -S "$SSH_AUTH_SOCK"\n` },
        { inputs: { ssh: `default=${sock}` } }
      )
      expect(errorOf(r.main.log)).toBe('')
    } finally {
      agent.kill()
    }
  })

  it('build-contexts: COPY --from a named context', async () => {
    const repo = uniqueRepo('in-contexts')
    const r = await ship(
      repo,
      {
        Dockerfile: `FROM ${base}\nCOPY --from=other hello.txt /hello.txt\nRUN grep -q from-other /hello.txt\n`,
        'dir/hello.txt': 'from-other\n'
      },
      { inputs: { 'build-contexts': 'other=./dir' } }
    )
    expect(errorOf(r.main.log)).toBe('')
  })

  it('secret-files and secret-envs: RUN reads them; no value in the log or any command line', async () => {
    const fileValue = `file-${Date.now()}-secret`
    const envValue = `env-${Date.now()}-secret`
    const repo = uniqueRepo('in-secrets')
    const dockerfile = [
      `FROM ${base}`,
      `RUN --mount=type=secret,id=cfg test "$(sha256sum < /run/secrets/cfg | cut -c1-64)" = "${sha(fileValue)}"`,
      `RUN --mount=type=secret,id=tok test "$(sha256sum < /run/secrets/tok | cut -c1-64)" = "${sha(envValue)}"`,
      ''
    ].join('\n')
    const r = await ship(
      repo,
      { Dockerfile: dockerfile, 'conf/app.cfg': fileValue },
      { inputs: { 'secret-files': 'cfg=conf/app.cfg', 'secret-envs': 'tok=MY_TOKEN' }, env: { MY_TOKEN: envValue } }
    )
    expect(errorOf(r.main.log)).toBe('')
    expect(commandLines(r.main.log).join('\n')).toContain('--secret id=tok,env=MY_TOKEN')
    // The raw output holds a value only in the runner's ::add-mask:: command, which the log never shows.
    for (const out of [r.main.log, r.main.stdout.replace(/^::add-mask::.*$/gm, ''), r.main.stderr]) {
      expect(out).not.toContain(fileValue)
      expect(out).not.toContain(envValue)
    }
  })

  it('outputs: type=local writes the filesystem to a folder, type=tar to a file', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'outputs-'))
    const repo = uniqueRepo('in-outputs')
    const files = { Dockerfile: `FROM ${base}\nRUN echo built > /built.txt\n` }
    const local = await ship(repo, files, { inputs: { outputs: `type=local,dest=${out}/fs`, push: false } })
    expect(errorOf(local.main.log)).toBe('')
    expect(readFileSync(path.join(out, 'fs', 'built.txt'), 'utf8')).toBe('built\n')
    const tar = await ship(repo, files, { inputs: { outputs: `type=tar,dest=${out}/fs.tar`, push: false } })
    expect(errorOf(tar.main.log)).toBe('')
    expect(statSync(path.join(out, 'fs.tar')).size).toBeGreaterThan(1024)
    expect(execFileSync('tar', ['-tf', path.join(out, 'fs.tar')], { encoding: 'utf8' })).toMatch(/^built\.txt$/m)
  })

  it("provenance: build-push's default puts an attestation in the index, provenance: false none", async () => {
    const files = { Dockerfile: `FROM ${base}\nRUN echo prov\n` }
    const byDefault = uniqueRepo('in-prov-default')
    expect((await ship(byDefault, files)).main.exitCode).toBe(0)
    expect(await entries(byDefault)).toMatchObject({ index: true, attestations: 1, images: 1 })
    const off = uniqueRepo('in-prov-false')
    const r = await ship(off, files, { inputs: { provenance: false } })
    expect(errorOf(r.main.log)).toBe('')
    expect((await entries(off)).attestations).toBe(0)
    expect((await registry.manifest(off, 'latest')).raw).not.toContain('unknown')
  })

  it('sbom: false (with provenance: false) pushes no attestation', async () => {
    const repo = uniqueRepo('in-sbom-false')
    const r = await ship(repo, { Dockerfile: `FROM ${base}\nRUN echo sbom\n` }, { inputs: { sbom: false, provenance: false } })
    expect(errorOf(r.main.log)).toBe('')
    expect(commandLines(r.main.log).join('\n')).toContain('--attest type=sbom,disabled=true')
    expect((await entries(repo)).attestations).toBe(0)
  })

  it('annotations: index and manifest levels on the pushed index and image, and the metadata outputs', async () => {
    const repo = uniqueRepo('in-annotations')
    const r = await ship(
      repo,
      { Dockerfile: `FROM ${base}\nRUN echo ann\n` },
      {
        inputs: { annotations: 'index:org.opencontainers.image.description=from e2e\nmanifest:com.example.level=manifest' }
      }
    )
    expect(errorOf(r.main.log)).toBe('')
    const index = await registry.manifest(repo, 'latest')
    expect(index.body.annotations?.['org.opencontainers.image.description']).toBe('from e2e')
    expect((await registry.imageManifest(repo, 'latest')).body.annotations?.['com.example.level']).toBe('manifest')
    expect(r.outputs['tag-names']).toBe('latest\nmain\nsha-0123456')
    expect(r.outputs.annotations).toBe('index:org.opencontainers.image.description=from e2e\nmanifest:com.example.level=manifest')
    const json = JSON.parse(r.outputs.json as string) as { tags: string[]; labels: Record<string, string> }
    expect(json.tags).toEqual([`${host}/${repo}:latest`, `${host}/${repo}:main`, `${host}/${repo}:sha-0123456`])
    expect(json.labels['org.opencontainers.image.revision']).toBe('0123456789abcdef0123456789abcdef01234567')
  })

  it('network: none leaves RUN steps only the loopback; add-hosts adds to /etc/hosts', async () => {
    const repo = uniqueRepo('in-network')
    const r = await ship(
      repo,
      { Dockerfile: `FROM ${base}\nRUN test "$(ls /sys/class/net)" = lo\nRUN grep -q "10.1.2.3.*myhost" /etc/hosts\n` },
      {
        inputs: { network: 'none', 'add-hosts': 'myhost:10.1.2.3' }
      }
    )
    expect(errorOf(r.main.log)).toBe('')
  })
})

describe('build-push inputs on classic docker (dockerd 20.10) and podman', () => {
  const envValue = `env-${Date.now()}-classic`
  const dockerfile = `FROM ${base}\nRUN --mount=type=secret,id=tok test "$(sha256sum < /run/secrets/tok | cut -c1-64)" = "${sha(envValue)}"\nRUN grep -q myhost /etc/hosts\n`

  it.each([
    ['docker', { DOCKER_HOST: classic.dockerHost }],
    ['podman', {}]
  ])('%s: secret-envs through a 0600 file, add-hosts, no-cache, never a value in the log', async (engine, stepEnv) => {
    const repo = uniqueRepo(`in-${engine}`)
    const r = await ship(
      repo,
      { Dockerfile: dockerfile },
      {
        engine,
        inputs: { 'secret-envs': 'tok=MY_TOKEN', 'add-hosts': 'myhost:10.1.2.3', 'no-cache': true },
        env: { ...stepEnv, MY_TOKEN: envValue }
      }
    )
    expect(errorOf(r.main.log)).toBe('')
    expect(await registry.tags(repo)).toContain('latest')
    expect(commandLines(r.main.log).join('\n')).toMatch(/--secret id=tok,src=\S+\/secrets\/tok/)
    for (const out of [r.main.log, r.main.stdout.replace(/^::add-mask::.*$/gm, ''), r.main.stderr]) expect(out).not.toContain(envValue)
  })

  // (network: none on podman needs an isolation other than the chroot one this environment runs.)
  it('podman: a manifest annotation on the pushed image', async () => {
    const repo = uniqueRepo('in-podman-ann')
    const r = await ship(
      repo,
      { Dockerfile: `FROM ${base}\nRUN echo ann\n` },
      {
        engine: 'podman',
        inputs: { annotations: 'manifest:com.example.engine=podman' }
      }
    )
    expect(errorOf(r.main.log)).toBe('')
    expect((await registry.imageManifest(repo, 'latest')).body.annotations?.['com.example.engine']).toBe('podman')
  })

  it.each([
    [
      'docker',
      { DOCKER_HOST: classic.dockerHost },
      { 'shm-size': '2g' },
      /^##\[error\]Input "shm-size" is "2g", which the classic docker build \(docker build \+ docker push\) ignores it with BuildKit: use engine: buildx/m
    ],
    [
      'podman',
      {},
      { call: 'check' },
      /^##\[error\]Input "call" is "check", which podman is a BuildKit feature podman does not have: use engine: buildx/m
    ]
  ])('%s refuses what it cannot do before any login', async (engine, stepEnv, inputs, message) => {
    const r = await ship(uniqueRepo(`in-refuse-${engine}`), { Dockerfile: `FROM ${base}\n` }, { engine, inputs, env: stepEnv })
    expect(r.main.exitCode).not.toBe(0)
    expect(r.main.log).toMatch(message)
    expect(r.main.log).not.toMatch(/Logged in to/)
    expect(commandLines(r.main.log).filter(l => / (build|login) /.test(l))).toEqual([])
  })
})

// One step for any platforms, on real engines: an arm64 RUN step on an engine with no emulator
// registered (the step registers it with the installer image, as docker/setup-qemu-action would),
// nothing run when the emulator is there, a one-line refusal with qemu-image: none, and on the
// classic image store the docker-container builder the step makes (BuildKit cannot be pulled
// here, so that path ends in its clear error; its argv is covered by unit/step-builder.test.ts).
//
// The installer is scripts/e2e-env/qemu.sh's docker-ship-e2e/binfmt:local (Debian's
// qemu-user-static, registers with the F flag). Other tests build arm64 under emulation at the
// same time: each unregistration is kept short and always undone (afterEach), back to Debian's own
// registration (update-binfmts).
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { gunzipSync } from 'node:zlib'
import { pushPayload } from './support/payloads.js'
import { MANIFEST_MEDIA_TYPES, readE2EEnv, registryClient, requirePart } from './support/registry.js'
import { annotationsOf, cleanupRuns, runAction, type RunOptions } from './support/runner.js'
import { commandLines, makeWorkspace, uniqueRepo } from './support/workspace.js'

const env = readE2EEnv()
const registry = registryClient(env, 1)
const host = env.registry.host
const creds = { username: env.registry.user, password: env.registry.password }
const base = requirePart(env, env.baseIndex, 'E2E_BASE_INDEX', '--qemu')
const classic = requirePart(env, env.classic, 'E2E_CLASSIC_DOCKER_HOST', '--classic-engine')
const INSTALLER = 'docker-ship-e2e/binfmt:local'
const BINFMT = '/proc/sys/fs/binfmt_misc'
const TWO_PLATFORMS = 'linux/amd64,linux/arm64'
const INDEX_TYPES: string[] = [MANIFEST_MEDIA_TYPES.ociIndex, MANIFEST_MEDIA_TYPES.dockerList]

/** The entries this file unregistered: put back after each test, whatever happened. */
const touched = new Set<string>()

/** Unregisters `entry` (e.g. qemu-aarch64) from binfmt_misc. */
function unregister(entry: string): void {
  touched.add(entry)
  if (existsSync(`${BINFMT}/${entry}`)) writeFileSync(`${BINFMT}/${entry}`, '-1')
}

/** Debian's own registration of `entry` again (the one scripts/e2e-env/qemu.sh checks), replacing the installer's. */
function restore(entry: string): void {
  const file = `${BINFMT}/${entry}`
  if (existsSync(file) && readFileSync(file, 'utf8').includes('/usr/libexec/qemu-binfmt/')) return
  if (existsSync(file)) writeFileSync(file, '-1')
  execFileSync('update-binfmts', ['--enable', entry], { stdio: 'ignore' })
}

beforeAll(() => {
  const r = spawnSync('docker', ['image', 'inspect', INSTALLER], { stdio: 'ignore', timeout: 30_000 })
  if (r.status !== 0) throw new Error(`${INSTALLER} is missing: run scripts/e2e-env.sh --qemu (ensure_qemu_installer)`)
})
afterEach(() => {
  for (const entry of touched) restore(entry)
  touched.clear()
})
afterAll(async () => {
  for (const entry of ['qemu-aarch64', 'qemu-s390x']) restore(entry)
  await cleanupRuns()
})

function ship(repo: string, files: Record<string, string>, opts: RunOptions = {}) {
  return runAction({
    workspace: makeWorkspace(files),
    secrets: [env.registry.password],
    payload: pushPayload({ ref: 'refs/heads/main', defaultBranch: 'main' }),
    ...opts,
    inputs: { registry: host, image: repo, ...creds, ...opts.inputs }
  })
}

/** The decompressed layers of the image for `platform` at repo:tag, as text. */
async function layerTexts(repo: string, tag: string, platform: string): Promise<string[]> {
  const m = await registry.imageManifest(repo, tag, platform)
  const blobs = await Promise.all((m.body.layers ?? []).map(l => registry.blob(repo, l.digest)))
  return blobs.map(b => (b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b).toString('latin1'))
}

const errors = (r: Awaited<ReturnType<typeof ship>>) => annotationsOf(r, 'error').map(a => a.message)
const runLines = (log: string) => commandLines(log).filter(l => / (login|build|push|run|create) /.test(l))

describe('several platforms in one step', () => {
  it('registers the missing arm64 emulator and builds one index whose arm64 RUN ran as aarch64', async () => {
    const repo = uniqueRepo('qemu-register')
    unregister('qemu-aarch64')
    const r = await ship(
      repo,
      { Dockerfile: `FROM ${base}\nRUN uname -m > /arch && echo ${repo} > /repo\n` },
      { inputs: { platforms: TWO_PLATFORMS, 'qemu-image': INSTALLER } }
    )
    expect(errors(r)).toEqual([])
    expect(r.main.exitCode).toBe(0)
    expect(r.main.log).toContain(
      'Registering qemu for linux/arm64 (qemu-aarch64): this runner is linux/amd64 and /proc/sys/fs/binfmt_misc has no emulator for it (input "qemu-image").'
    )
    expect(commandLines(r.main.log)).toContain(`[command]docker run --privileged --rm ${INSTALLER} --install arm64`)
    expect(r.main.log).toContain('Registered qemu-aarch64 in /proc/sys/fs/binfmt_misc.')
    // registered before the login: nothing of the registry was needed for it
    const lines = runLines(r.main.log)
    expect(lines.findIndex(l => / run --privileged /.test(l))).toBeLessThan(lines.findIndex(l => / login /.test(l)))
    const entry = readFileSync(`${BINFMT}/qemu-aarch64`, 'utf8')
    expect(entry).toMatch(/^enabled\n/)
    expect(entry).toMatch(/^flags: .*F/m)

    const index = await registry.manifest(repo, 'latest')
    expect(INDEX_TYPES).toContain(index.mediaType)
    expect(index.digest).toBe(r.outputs.digest)
    expect((await registry.platforms(repo, 'latest')).sort()).toEqual(['linux/amd64', 'linux/arm64'])
    for (const [platform, machine] of [
      ['linux/amd64', 'x86_64'],
      ['linux/arm64', 'aarch64']
    ] as const) {
      // the layer of the RUN step holds /arch, written by that platform's `uname -m`
      expect((await layerTexts(repo, 'latest', platform)).some(t => t.includes(repo) && t.includes(`${machine}\n`))).toBe(true)
    }
  })

  it('runs no installer when the emulator is registered', async () => {
    const repo = uniqueRepo('qemu-present')
    const r = await ship(
      repo,
      { Dockerfile: 'FROM scratch\nCOPY hello.txt /hello.txt\n', 'hello.txt': `${repo}\n` },
      // an installer that cannot be pulled: running it would fail the step
      { inputs: { platforms: TWO_PLATFORMS, 'qemu-image': '127.0.0.1:5000/e2e/no-such-binfmt:none' } }
    )
    expect(errors(r)).toEqual([])
    expect(commandLines(r.main.log).filter(l => / run /.test(l))).toEqual([])
    expect(r.main.log).toContain('Every platform of linux/amd64, linux/arm64 runs natively or has an emulator registered.')
    expect((await registry.platforms(repo, 'latest')).sort()).toEqual(['linux/amd64', 'linux/arm64'])
  })

  it('with qemu-image: none and no emulator, fails in one line before any login, naming the platform and the fix', async () => {
    const repo = uniqueRepo('qemu-none')
    // s390x: an emulator the concurrent arm64 builds of other tests do not need
    unregister('qemu-s390x')
    const r = await ship(
      repo,
      { Dockerfile: `FROM ${base}\nRUN uname -m\n` },
      { inputs: { platforms: 'linux/amd64,linux/s390x', 'qemu-image': 'none' } }
    )
    expect(r.main.exitCode).toBe(1)
    expect(errors(r)).toEqual([
      'Input "platforms" has linux/s390x (qemu-s390x), which this runner (linux/amd64) runs only under emulation, and no emulator is registered in /proc/sys/fs/binfmt_misc while input "qemu-image" is "none": remove qemu-image (the default, tonistiigi/binfmt:latest, registers it) or register it before this step (docker/setup-qemu-action).'
    ])
    expect(runLines(r.main.log)).toEqual([])
    expect(await registry.tags(repo)).toEqual([])
  })

  it('on the classic image store creates a docker-container builder, and says buildkit-image when BuildKit cannot be pulled', async () => {
    const repo = uniqueRepo('qemu-classic')
    const started = Date.now()
    const r = await ship(
      repo,
      { Dockerfile: 'FROM scratch\nCOPY hello.txt /hello.txt\n', 'hello.txt': `${repo}\n` },
      { inputs: { platforms: TWO_PLATFORMS }, env: { DOCKER_HOST: classic.dockerHost } }
    )
    expect(Date.now() - started).toBeLessThan(60_000)
    expect(r.main.exitCode).toBe(1)
    const create = commandLines(r.main.log).find(l => / buildx create /.test(l)) ?? ''
    expect(create).toMatch(
      /^\[command\]docker buildx create --name docker-ship-[0-9a-f]{8} --driver docker-container --driver-opt image=moby\/buildkit:buildx-stable-1 --bootstrap$/
    )
    const name = /--name (\S+)/.exec(create)?.[1] ?? ''
    expect(errors(r)).toEqual([
      expect.stringMatching(
        /^Input "buildkit-image" is "moby\/buildkit:buildx-stable-1", but "docker buildx create .*" could not start it \(.*registry-1\.docker\.io.*\): give a BuildKit image the engine can pull, or enable the containerd image store/
      )
    ])
    expect(runLines(r.main.log).filter(l => / (login|build|push) /.test(l))).toEqual([])
    // removed as main ended: no container of it left on the engine
    expect(r.main.log).toContain(`Removed the builder ${name} this step created.`)
    const ps = execFileSync('docker', ['-H', classic.dockerHost, 'ps', '-a', '--format', '{{.Names}}'], { encoding: 'utf8' })
    expect(ps).not.toContain(`buildx_buildkit_${name}`)
    expect(await registry.tags(repo)).toEqual([])
  })

  it('stops a builder start that hangs at the bound, names buildkit-image, and removes the builder', async () => {
    // a registry that accepts connections and never answers: the BuildKit pull hangs
    const sockets: Socket[] = []
    const silent = createServer(socket => void sockets.push(socket))
    await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve))
    const image = `127.0.0.1:${(silent.address() as AddressInfo).port}/e2e/buildkit:never`
    try {
      const repo = uniqueRepo('qemu-classic-hang')
      const started = Date.now()
      const r = await ship(
        repo,
        { Dockerfile: 'FROM scratch\nCOPY hello.txt /hello.txt\n', 'hello.txt': `${repo}\n` },
        {
          inputs: { platforms: TWO_PLATFORMS, 'buildkit-image': image },
          env: { DOCKER_HOST: classic.dockerHost, DOCKER_SHIP_TIMEOUT: '5' }
        }
      )
      expect(Date.now() - started).toBeLessThan(30_000)
      expect(r.main.exitCode).toBe(1)
      const name = /buildx create --name (\S+)/.exec(r.main.log)?.[1] ?? ''
      expect(errors(r)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^Input "buildkit-image" is "${image.replace(/\./g, '\\.')}", but "docker buildx create .*" could not start it \\(it did not finish in 5 s and was stopped; DOCKER_SHIP_TIMEOUT sets a longer bound\\): give a BuildKit image`
          )
        )
      ])
      expect(r.main.log).toContain(`Removed the builder ${name} this step created.`)
      expect(runLines(r.main.log).filter(l => / (login|build|push) /.test(l))).toEqual([])
      expect(await registry.tags(repo)).toEqual([])
    } finally {
      for (const s of sockets) s.destroy()
      silent.close()
    }
  })
})

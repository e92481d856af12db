import { gunzipSync } from 'node:zlib'
import { pushPayload } from './support/payloads.js'
import { podmanStepEnv, readE2EEnv, registryClient, type RegistryClient, tokenRegistry, tokenRegistryManifest } from './support/registry.js'
import { cleanupRuns, runAction, type RunOptions } from './support/runner.js'
import { commandLines, makeWorkspace, uniqueRepo } from './support/workspace.js'

// Release promotion: a git tag at a commit the default branch already built reuses that image.
const env = readE2EEnv()
const registry = registryClient(env, 1)
const host = env.registry.host
const S = 'feedc0de00112233445566778899aabbccddeeff'
const NEVER_BUILT = 'deadbeef00112233445566778899aabbccddeeff'
/** A RUN that writes a random value: a second execution cannot give the same layer. */
const DOCKERFILE = `FROM ${env.baseIndex ?? env.baseImage}\nARG FLAVOUR=plain\nRUN head -c 16 /dev/urandom | od -x > /random && echo $FLAVOUR > /flavour\n`

afterAll(cleanupRuns)

function ship(repo: string, ref: string, sha: string, opts: RunOptions = {}) {
  return runAction({
    workspace: makeWorkspace({ Dockerfile: DOCKERFILE }),
    payload: pushPayload({ ref, sha, defaultBranch: 'main' }),
    secrets: [env.registry.password],
    ...opts,
    inputs: { registry: host, image: repo, username: env.registry.user, password: env.registry.password, ...opts.inputs }
  })
}

/** The layer digests of the image at `ref` (first platform). */
async function layers(client: RegistryClient, repo: string, ref: string): Promise<string[]> {
  return ((await client.imageManifest(repo, ref)).body.layers ?? []).map(l => l.digest)
}

/** The /random file the RUN wrote, read from the image's last layer. */
async function randomOf(client: RegistryClient, repo: string, ref: string): Promise<string> {
  const all = (await client.imageManifest(repo, ref)).body.layers ?? []
  const last = all[all.length - 1]
  if (!last) throw new Error(`${repo}:${ref} has no layer`)
  const tar = gunzipSync(await client.blob(repo, last.digest)).toString('latin1')
  return /0000000 [0-9a-f ]+/.exec(tar)?.[0] ?? ''
}

const built = (log: string) => commandLines(log).some(l => / build /.test(l))

describe('release promotion', () => {
  it('releases tag v1.2.3 at a commit main built from that image: no build, the same layers, the version label 1.2.3 and its annotations', async () => {
    const repo = uniqueRepo('promote-tag')
    const main = await ship(repo, 'refs/heads/main', S)
    expect(main.main.exitCode).toBe(0)
    expect(await registry.exists(repo, 'sha-feedc0d')).toBe(true)

    const t0 = Date.now()
    const tag = await ship(repo, 'refs/tags/v1.2.3', S, { inputs: { annotations: 'index,manifest:org.example.channel=stable' } })
    const seconds = (Date.now() - t0) / 1000
    expect(tag.main.exitCode).toBe(0)
    expect(built(tag.main.log)).toBe(false)
    const source = await registry.manifest(repo, 'sha-feedc0d')
    expect(tag.main.log).toContain(`Promoted from ${host}/${repo}:sha-feedc0d@${source.digest}`)
    expect(tag.summary).toContain('Promoted from')
    for (const t of ['1.2.3', '1.2', '1', 'v1.2.3']) expect((await registry.manifest(repo, t)).digest).toBe(tag.outputs.digest)
    expect(tag.outputs.pushed).toBe('true')
    expect(await layers(registry, repo, '1.2.3')).toEqual(await layers(registry, repo, 'sha-feedc0d'))
    expect(await randomOf(registry, repo, '1.2.3')).toBe(await randomOf(registry, repo, 'sha-feedc0d'))
    expect(await randomOf(registry, repo, '1.2.3')).toMatch(/^0000000 [0-9a-f]{4}/)
    const labels = (await registry.imageConfig(repo, '1.2.3')).config?.Labels ?? {}
    expect(labels['org.opencontainers.image.version']).toBe('1.2.3')
    expect(labels['org.opencontainers.image.revision']).toBe(S)
    expect((await registry.imageConfig(repo, 'sha-feedc0d')).config?.Labels?.['org.opencontainers.image.version']).toBe('main')
    // The release's own annotations, on the index and on the image manifest.
    expect((await registry.manifest(repo, '1.2.3')).body.annotations?.['org.example.channel']).toBe('stable')
    expect((await registry.imageManifest(repo, '1.2.3')).body.annotations?.['org.example.channel']).toBe('stable')
    // The promoted index holds every platform the source had.
    expect(await registry.platforms(repo, '1.2.3')).toEqual(await registry.platforms(repo, 'sha-feedc0d'))
    process.stderr.write(`promotion of ${repo}: ${seconds.toFixed(1)} s for the whole step\n`)
  })

  it('builds a tag at a commit main never built, and one whose build args changed, and one with promote: never', async () => {
    const repo = uniqueRepo('promote-build')
    expect((await ship(repo, 'refs/heads/main', S)).main.exitCode).toBe(0)

    const other = await ship(repo, 'refs/tags/v2.0.0', NEVER_BUILT)
    expect(other.main.exitCode).toBe(0)
    expect(other.main.log).toContain(`Not promoted, building: no image ${host}/${repo}:sha-deadbee in the registry.`)
    expect(built(other.main.log)).toBe(true)

    const changed = await ship(repo, 'refs/tags/v2.1.0', S, { inputs: { 'build-args': 'FLAVOUR=spicy' } })
    expect(changed.main.exitCode).toBe(0)
    expect(changed.main.log).toMatch(/Not promoted, building: the build inputs \(.*\) changed since /)
    expect(built(changed.main.log)).toBe(true)
    expect(await randomOf(registry, repo, '2.1.0')).not.toBe(await randomOf(registry, repo, 'sha-feedc0d'))

    const never = await ship(repo, 'refs/tags/v2.2.0', S, { inputs: { promote: 'never' } })
    expect(never.main.exitCode).toBe(0)
    expect(never.main.log).not.toContain('Promote')
    expect(built(never.main.log)).toBe(true)
  })

  it('promotes a two-platform index to two registries, each from its own sha image', async () => {
    const r2 = env.registry2 as NonNullable<typeof env.registry2>
    const two = registryClient(env, 2)
    const repo = uniqueRepo('promote-two')
    const registries = `- registry: ${r2.host}\n  username: ${r2.user}\n  password: ${r2.password}\n`
    const opts = { secrets: [env.registry.password, r2.password], inputs: { registries, platforms: 'linux/amd64,linux/arm64' } }
    expect((await ship(repo, 'refs/heads/main', S, opts)).main.exitCode).toBe(0)
    const tag = await ship(repo, 'refs/tags/v3.0.0', S, opts)
    expect(tag.main.exitCode).toBe(0)
    expect(built(tag.main.log)).toBe(false)
    for (const client of [registry, two]) {
      expect((await client.manifest(repo, '3.0.0')).digest).toBe(tag.outputs.digest)
      expect(await client.platforms(repo, '3.0.0')).toEqual(['linux/amd64', 'linux/arm64'])
      for (const platform of ['linux/amd64', 'linux/arm64']) {
        const of = async (ref: string) => ((await client.imageManifest(repo, ref, platform)).body.layers ?? []).map(l => l.digest)
        expect(await of('3.0.0')).toEqual(await of('sha-feedc0d'))
        const labels = (await client.imageConfig(repo, '3.0.0', platform)).config?.Labels ?? {}
        expect(labels['org.opencontainers.image.version']).toBe('3.0.0')
      }
    }
    expect(tag.main.log).toContain(`Promoted from ${host}/${repo}:sha-feedc0d@`)
    expect(tag.main.log).toContain(`${r2.host}/${repo}:sha-feedc0d@`)
  })

  it('builds for every registry when the second one lacks the sha image', async () => {
    const r2 = env.registry2 as NonNullable<typeof env.registry2>
    const repo = uniqueRepo('promote-half')
    expect((await ship(repo, 'refs/heads/main', S)).main.exitCode).toBe(0)
    const registries = `- registry: ${r2.host}\n  username: ${r2.user}\n  password: ${r2.password}\n`
    const tag = await ship(repo, 'refs/tags/v5.0.0', S, { secrets: [env.registry.password, r2.password], inputs: { registries } })
    expect(tag.main.exitCode).toBe(0)
    expect(tag.main.log).toContain(
      `Not promoted, building: no image ${r2.host}/${repo}:sha-feedc0d in the registry; building for every registry.`
    )
    expect(built(tag.main.log)).toBe(true)
    expect((await registryClient(env, 2).manifest(repo, '5.0.0')).digest).toBe(tag.outputs.digest)
  })

  it('promotes on an HTTPS registry with bearer-token auth, as Docker Hub and GHCR ask', async () => {
    const reg = tokenRegistry(env)
    const repo = `ci-tls/promote-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`
    const opts: RunOptions = {
      // The engine's local base: the step logs in to the token registry only, not to the base's.
      workspace: makeWorkspace({ Dockerfile: `FROM ${env.baseImage}\nRUN head -c 16 /dev/urandom | od -x > /random\n` }),
      secrets: [reg.users.push.password],
      // Node's fetch trusts the CA the registry's certificate comes from, as the engines do via certs.d.
      env: { NODE_EXTRA_CA_CERTS: env.raw.E2E_TLS_CA as string },
      inputs: { registry: reg.host, username: reg.users.push.user, password: reg.users.push.password }
    }
    expect((await ship(repo, 'refs/heads/main', S, opts)).main.exitCode).toBe(0)
    const tag = await ship(repo, 'refs/tags/v6.0.0', S, opts)
    expect(tag.main.exitCode).toBe(0)
    expect(tag.main.log).toContain(`Promoted from ${reg.host}/${repo}:sha-feedc0d@`)
    expect(built(tag.main.log)).toBe(false)
    expect((await tokenRegistryManifest(reg, repo, '6.0.0')).digest).toBe(tag.outputs.digest)
  })

  it('promotes a tested release without running the test again, and builds and tests one that changed', async () => {
    const repo = uniqueRepo('promote-test')
    expect((await ship(repo, 'refs/heads/main', S, { inputs: { test: 'docker run --rm "$IMAGE" test -s /random' } })).main.exitCode).toBe(0)
    // A test that fails would stop the push: the promoted release does not run it.
    const tag = await ship(repo, 'refs/tags/v7.0.0', S, { inputs: { test: 'exit 1' } })
    expect(tag.main.exitCode).toBe(0)
    expect(tag.main.log).toContain('The "test" input does not run for a promoted release')
    expect(built(tag.main.log)).toBe(false)
    const changed = await ship(repo, 'refs/tags/v7.1.0', S, { inputs: { test: 'exit 1', 'build-args': 'FLAVOUR=other' } })
    expect(changed.main.exitCode).toBe(1)
    expect(await registry.exists(repo, '7.1.0')).toBe(false)
  })

  it.each(['docker', 'podman'])('promotes what engine %s pushed on main (podman: a single manifest, no index)', async engine => {
    const repo = uniqueRepo(`promote-${engine}`)
    const opts = { inputs: { engine }, env: engine === 'podman' ? podmanStepEnv(env) : {} }
    expect((await ship(repo, 'refs/heads/main', S, opts)).main.exitCode).toBe(0)
    if (engine === 'podman') expect((await registry.manifest(repo, 'sha-feedc0d')).isIndex).toBe(false)
    const tag = await ship(repo, 'refs/tags/v4.0.0', S, opts)
    expect(tag.main.exitCode).toBe(0)
    expect(built(tag.main.log)).toBe(false)
    expect(tag.main.log).toContain('Promoted from')
    expect(await layers(registry, repo, '4.0.0')).toEqual(await layers(registry, repo, 'sha-feedc0d'))
    expect((await registry.imageConfig(repo, '4.0.0')).config?.Labels?.['org.opencontainers.image.version']).toBe('4.0.0')
  })
})

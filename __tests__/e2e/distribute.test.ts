// A build distributed over runners: one platform job per platform (distribute: true), on two
// engines (linux/amd64 on the main engine, linux/arm64 on the remote one under emulation), then the
// merge job (merge: true, no checkout) that makes one index per final tag in every registry. A
// missing or foreign platform image fails the merge and changes no tag. podman merges too.
import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { pushPayload } from './support/payloads.js'
import { isAttestation, podmanStepEnv, readE2EEnv, registryClient, remoteDockerHost, requirePart } from './support/registry.js'
import { cleanupRuns, runAction } from './support/runner.js'
import { makeWorkspace, uniqueRepo } from './support/workspace.js'

const env = readE2EEnv()
const one = registryClient(env, 1)
const two = registryClient(env, 2)
const r2 = env.registry2 as NonNullable<typeof env.registry2>
const baseIndex = requirePart(env, env.baseIndex, 'E2E_BASE_INDEX', '--qemu')
const SHA = '0123456789abcdef0123456789abcdef01234567'
const OTHER_SHA = 'fedcba9876543210fedcba9876543210fedcba98'
const FINAL = ['latest', 'main', 'sha-0123456']

afterAll(cleanupRuns)

const project = () => makeWorkspace({ Dockerfile: `FROM ${baseIndex}\nARG NOTE=one\nRUN uname -m > /arch && echo "$NOTE" > /note\n` })

/** One job of the workflow: the same inputs in every job, as the README's workflow has them. */
function job(repo: string, inputs: Record<string, string>, opts: { workspace?: string; sha?: string; env?: Record<string, string> } = {}) {
  return runAction({
    workspace: opts.workspace ?? project(),
    payload: pushPayload({ ref: 'refs/heads/main', sha: opts.sha ?? SHA }),
    sha: opts.sha ?? SHA,
    secrets: [env.registry.password, r2.password],
    env: opts.env,
    inputs: { registry: env.registry.host, image: repo, username: env.registry.user, password: env.registry.password, ...inputs }
  })
}

/** The digests of an index's platform images (attestations left out), by platform. */
async function indexImages(client: typeof one, repo: string, tag: string): Promise<Record<string, string>> {
  const m = await client.manifest(repo, tag)
  expect(m.isIndex).toBe(true)
  const images = (m.body.manifests ?? []).filter(d => !isAttestation(d))
  return Object.fromEntries(images.map(d => [`${d.platform?.os}/${d.platform?.architecture}`, d.digest]))
}

/** docker with its own config, logged in to registry 1 (to place images the way a stray job would). */
function dockerOnRegistry(): (args: string[]) => string {
  const config = mkdtempSync(path.join(tmpdir(), 'dist-cfg-'))
  const opts = { env: { ...process.env, DOCKER_CONFIG: config }, encoding: 'utf8' as const }
  execFileSync('docker', ['login', '-u', env.registry.user, '--password-stdin', env.registry.host], {
    ...opts,
    input: env.registry.password
  })
  return args => execFileSync('docker', args, opts)
}

/** A job that must have passed: its log in the failure otherwise. */
function ok(r: Awaited<ReturnType<typeof job>>): void {
  if (r.main.exitCode !== 0) throw new Error(`the job failed:\n${r.main.log.split('\n').slice(-40).join('\n')}`)
}

const tagsOf = async (client: typeof one, repo: string) => (await client.tags(repo)).filter(t => t !== 'buildcache')

describe('a build distributed over two runners, then merged', () => {
  const repo = uniqueRepo('dist-two')
  const registries = `- registry: ${r2.host}\n  username: ${r2.user}\n  password: ${r2.password}\n`
  let platformTags: Record<string, string> = {}

  it('pushes each platform by its own reference only, and the merge makes one index of them at every final tag of both registries', async () => {
    const [amd, arm] = await Promise.all([
      job(repo, { platforms: 'linux/amd64', distribute: 'true', registries }),
      job(repo, { platforms: 'linux/arm64', distribute: 'true', registries, 'docker-host': remoteDockerHost(env) })
    ])
    ok(amd)
    ok(arm)
    for (const client of [one, two]) {
      const tags = await tagsOf(client, repo)
      expect(tags.filter(t => FINAL.includes(t))).toEqual([])
      expect(tags).toHaveLength(2)
      expect(tags.every(t => t.startsWith(`dist-${SHA.slice(0, 12)}-linux-`))).toBe(true)
    }
    const amdTag = (amd.outputs.tags.split('\n')[0] as string).split(':').pop() as string
    const armTag = (arm.outputs.tags.split('\n')[0] as string).split(':').pop() as string
    platformTags = { 'linux/amd64': amdTag, 'linux/arm64': armTag }
    expect(amd.outputs.tags.split('\n')).toEqual([`${env.registry.host}/${repo}:${amdTag}`, `${r2.host}/${repo}:${amdTag}`])
    expect((await one.manifest(repo, amdTag)).digest).toBe(amd.outputs.digest)
    expect((await one.manifest(repo, armTag)).digest).toBe(arm.outputs.digest)
    const platformImage = {
      'linux/amd64': (await one.imageManifest(repo, amdTag, 'linux/amd64')).digest,
      'linux/arm64': (await one.imageManifest(repo, armTag, 'linux/arm64')).digest
    }

    // The merge job has no checkout: its workspace is empty.
    const merge = await job(repo, { platforms: 'linux/amd64,linux/arm64', merge: 'true', registries }, { workspace: makeWorkspace({}) })
    ok(merge)
    for (const client of [one, two]) {
      for (const tag of FINAL) {
        expect(await indexImages(client, repo, tag)).toEqual(platformImage)
        expect((await client.manifest(repo, tag)).digest).toBe(merge.outputs.digest)
      }
    }
    const arch = await one.imageConfig(repo, 'latest', 'linux/arm64')
    expect(arch.architecture).toBe('arm64')
    expect(merge.outputs.tags.split('\n')).toEqual([
      ...FINAL.map(t => `${env.registry.host}/${repo}:${t}`),
      ...FINAL.map(t => `${r2.host}/${repo}:${t}`)
    ])
    expect(JSON.parse(merge.outputs.images)).toEqual({
      [`${env.registry.host}/${repo}`]: { digest: merge.outputs.digest, tags: merge.outputs.tags.split('\n') }
    })
    expect(merge.outputs.pushed).toBe('true')
    // The summary names each platform's image and every final tag.
    for (const d of [amd.outputs.digest, arm.outputs.digest, ...merge.outputs.tags.split('\n')]) expect(merge.summary).toContain(d)
    const index = await one.manifest(repo, 'latest')
    expect(index.body.annotations?.['org.opencontainers.image.revision']).toBe(SHA)
  })

  it('refuses a platform image built at another commit or with other build args at the expected reference, and changes no tag', async () => {
    expect(Object.keys(platformTags)).toHaveLength(2)
    const before = (await one.manifest(repo, 'latest')).digest
    // Stray jobs: arm64 at another commit, amd64 with other build args; their images are then
    // put at this plan's platform references (a reused tag, a hand-made copy).
    const [armOther, amdOther] = await Promise.all([
      job(repo, { platforms: 'linux/arm64', distribute: 'true', registries, 'docker-host': remoteDockerHost(env) }, { sha: OTHER_SHA }),
      job(repo, { platforms: 'linux/amd64', distribute: 'true', registries, 'build-args': 'NOTE=two' })
    ])
    ok(armOther)
    ok(amdOther)
    expect(amdOther.outputs.tags).not.toContain(platformTags['linux/amd64'])
    const docker = dockerOnRegistry()
    docker([
      'buildx',
      'imagetools',
      'create',
      '--tag',
      `${env.registry.host}/${repo}:${platformTags['linux/arm64']}`,
      armOther.outputs.tags.split('\n')[0] as string
    ])
    docker([
      'buildx',
      'imagetools',
      'create',
      '--tag',
      `${env.registry.host}/${repo}:${platformTags['linux/amd64']}`,
      amdOther.outputs.tags.split('\n')[0] as string
    ])

    const merge = await job(repo, { platforms: 'linux/amd64,linux/arm64', merge: 'true', registries }, { workspace: makeWorkspace({}) })
    expect(merge.main.exitCode).not.toBe(0)
    expect(merge.main.log).toMatch(
      /##\[error\]Merge refused, no tag was changed: linux\/amd64: .* was built for another plan .*; linux\/arm64: .* was built from commit fedcba98/
    )
    for (const client of [one, two]) for (const tag of FINAL) expect((await client.manifest(repo, tag)).digest).toBe(before)
  })
})

describe('a merge with a platform job missing', () => {
  it('fails naming the platform and leaves every final tag as it was', async () => {
    const repo = uniqueRepo('dist-missing')
    // A final tag that already exists, with other content (the last release).
    dockerOnRegistry()(['buildx', 'imagetools', 'create', '--tag', `${env.registry.host}/${repo}:latest`, baseIndex])
    const before = (await one.manifest(repo, 'latest')).digest
    const amd = await job(repo, { platforms: 'linux/amd64', distribute: 'true' })
    ok(amd)
    const merge = await job(repo, { platforms: 'linux/amd64,linux/arm64', merge: 'true' }, { workspace: makeWorkspace({}) })
    expect(merge.main.exitCode).not.toBe(0)
    expect(merge.main.log).toMatch(
      /##\[error\]Merge refused, no tag was changed: linux\/arm64: no image at \S+:dist-0123456789ab-linux-arm64-[0-9a-f]{8}/
    )
    expect(merge.main.log).not.toMatch(/linux\/amd64: no image/)
    expect((await one.manifest(repo, 'latest')).digest).toBe(before)
    expect(await tagsOf(one, repo)).toEqual([amd.outputs.tags.split(':').pop() as string, 'latest'].sort())
  })
})

describe('podman', () => {
  it('builds a platform job and merges with its manifest commands', async () => {
    const repo = uniqueRepo('dist-podman')
    const podman = { env: podmanStepEnv(env) }
    const [amd, arm] = await Promise.all([
      job(repo, { platforms: 'linux/amd64', distribute: 'true', engine: 'podman' }, podman),
      job(repo, { platforms: 'linux/arm64', distribute: 'true' })
    ])
    ok(amd)
    ok(arm)
    const amdTag = amd.outputs.tags.split(':').pop() as string
    const armTag = arm.outputs.tags.split(':').pop() as string
    const merge = await job(
      repo,
      { platforms: 'linux/amd64,linux/arm64', merge: 'true', engine: 'podman' },
      { ...podman, workspace: makeWorkspace({}) }
    )
    ok(merge)
    expect(merge.main.log).toMatch(/podman manifest push --all/)
    const expected = {
      'linux/amd64': (await one.imageManifest(repo, amdTag, 'linux/amd64')).digest,
      'linux/arm64': (await one.imageManifest(repo, armTag, 'linux/arm64')).digest
    }
    for (const tag of FINAL) {
      expect(await indexImages(one, repo, tag)).toEqual(expected)
      expect((await one.manifest(repo, tag)).digest).toBe(merge.outputs.digest)
    }
    execFileSync('podman', ['rmi', '--force', ...amd.outputs.tags.split('\n')], {
      env: { ...process.env, ...podmanStepEnv(env) },
      stdio: 'ignore'
    })
  })
})

describe('refused combinations', () => {
  it.each<[string, Record<string, string>, string]>([
    [
      'distribute with two platforms',
      { distribute: 'true', platforms: 'linux/amd64,linux/arm64' },
      'Input "distribute" is true and "platforms" is "linux/amd64,linux/arm64"'
    ],
    ['merge without platforms', { merge: 'true' }, 'Input "merge" is true and "platforms" is empty'],
    ['merge with push: false', { merge: 'true', platforms: 'linux/amd64', push: 'false' }, 'Input "merge" is true and "push" is false']
  ])('refuses %s in one line, before any login', async (_what, inputs, message) => {
    const r = await job(uniqueRepo('dist-refused'), inputs, { workspace: makeWorkspace({}) })
    expect(r.main.exitCode).not.toBe(0)
    const errors = r.main.log.split('\n').filter(l => l.startsWith('##[error]'))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain(message)
    expect(r.main.log).not.toMatch(/^\[command\]\S*(docker|podman) login/m)
  })
})

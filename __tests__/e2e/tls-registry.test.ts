// Pushes to an HTTPS registry with bearer-token auth, as Docker Hub works (distribution's
// `auth: token` + a token server signing RS256 JWTs; scripts/e2e-env/tls-registry.sh), with buildx,
// classic docker on dockerd 20.10 and podman; a push the registry denies; a push whose token has
// expired after the login.
import { readFileSync } from 'node:fs'
import { podmanStepEnv, readE2EEnv, requirePart, tokenRegistry, tokenRegistryManifest, tokenRegistryTags } from './support/registry.js'
import { annotationsOf, cleanupRuns, pushPayload, runAction, type RunOptions, type RunResult } from './support/runner.js'
import { makeWorkspace } from './support/workspace.js'

const env = readE2EEnv()
const reg = tokenRegistry(env)
const classic = requirePart(env, env.classic, 'E2E_CLASSIC_DOCKER_HOST', '--classic-engine')
const passwords = Object.values(reg.users).map(u => u.password)

afterAll(cleanupRuns)

const repoOf = (what: string) => `ci-tls/tls-${what}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`

interface Ship extends RunOptions {
  engine: string
  user?: { user: string; password: string }
}

/** The action pushing to the token registry, on the main engine (or `env`'s), as the push user. */
function ship(repo: string, { engine, user = reg.users.push, ...opts }: Ship): Promise<RunResult> {
  return runAction({
    workspace: makeWorkspace({ Dockerfile: `FROM ${env.baseImage}\nRUN echo tls > /tls.txt\n` }),
    secrets: passwords,
    payload: pushPayload({ ref: 'refs/heads/main' }),
    ...opts,
    env: { ...(engine === 'podman' ? podmanStepEnv(env) : {}), ...opts.env },
    inputs: { registry: reg.host, image: repo, engine, username: user.user, password: user.password, ...opts.inputs }
  })
}

/** No password of the registry's users in anything the run printed (before masking), but its add-mask. */
function expectNoSecret(r: RunResult) {
  for (const step of [r.main, r.post].filter(s => s !== undefined)) {
    const printed = `${step.stdout}\n${step.stderr}`.split('\n').filter(l => !l.startsWith('::add-mask::'))
    for (const p of passwords) expect(printed.filter(l => l.includes(p))).toEqual([])
  }
}

/** The image tags of `repo`, without the registry cache tag buildx writes beside them. */
const imageTags = async (repo: string) => (await tokenRegistryTags(reg, repo)).filter(t => t !== 'buildcache')
const errorOf = (r: RunResult) => annotationsOf(r, 'error').map(a => a.message)

describe.each<{ engine: string; on: string; stepEnv: Record<string, string> }>([
  { engine: 'buildx', on: 'dockerd 28', stepEnv: {} },
  { engine: 'docker', on: 'dockerd 20.10', stepEnv: { DOCKER_HOST: classic.dockerHost } },
  { engine: 'podman', on: 'podman', stepEnv: {} }
])('engine $engine on $on', ({ engine, stepEnv }) => {
  it('logs in through the token server and pushes over TLS, and the registry serves what was pushed', async () => {
    const repo = repoOf(engine)
    const r = await ship(repo, { engine, env: stepEnv })
    expect(errorOf(r)).toEqual([])
    expect(r.main.exitCode).toBe(0)
    expect((await imageTags(repo)).sort()).toEqual(['latest', 'main', 'sha-0123456'])
    const latest = await tokenRegistryManifest(reg, repo, 'latest')
    expect(latest.digest).toBe(r.outputs.digest)
    expectNoSecret(r)
  })
})

describe('a push the registry denies', () => {
  it('names the image, why the plan chose it, and the fix (read-only token, buildx)', async () => {
    const repo = repoOf('ro')
    const r = await ship(repo, { engine: 'buildx', user: reg.users.readOnly })
    expect(r.main.exitCode).toBe(1)
    const [error, ...more] = errorOf(r)
    expect(more).toEqual([])
    expect(error).toMatch(/^Push failed: .*push access denied.*insufficient_scope/)
    expect(error).toContain(
      `${reg.host} denied the push of ${reg.host}/${repo} (the "image" input): that namespace is not yours, or the token is read-only.`
    )
    expect(r.main.log).not.toMatch(/trying once more/)
    expect(await imageTags(repo)).toEqual([])
    expectNoSecret(r)
  })

  it("keeps podman's line of the registry (denied: ...) and names the default image from registry + repository", async () => {
    const r = await ship('', { engine: 'podman', repository: 'ci-tls-elsewhere/Tls-App', inputs: { image: '' } })
    expect(r.main.exitCode).toBe(1)
    const [error] = errorOf(r)
    expect(error).toMatch(/^Push failed: denied: requested access to the resource is denied\. /)
    expect(error).toContain(
      `denied the push of ${reg.host}/ci-tls-elsewhere/tls-app ("image" is empty, so the default: the "registry" input (${reg.host}) + the repository's owner and name (ci-tls-elsewhere/tls-app))`
    )
    expect(error).not.toMatch(/error parsing HTTP 401|unauthorized: authentication required/)
    expect(r.main.log).not.toMatch(/trying once more/)
    expectNoSecret(r)
  })
})

describe('a push whose token expired after a successful login', () => {
  // The token server's "stale" user: its first push token after each login has already expired.
  const expiredTokens = () =>
    readFileSync(reg.tokenLog, 'utf8')
      .split('\n')
      .filter(l => l.includes(`${reg.users.stale.user} `) && l.endsWith(' EXPIRED'))

  it.each<{ engine: string; on: string; stepEnv: Record<string, string> }>([
    { engine: 'docker', on: 'dockerd 20.10', stepEnv: { DOCKER_HOST: classic.dockerHost } },
    { engine: 'podman', on: 'podman', stepEnv: {} }
  ])('is tried once more and pushed: $engine on $on', async ({ engine, stepEnv }) => {
    const repo = repoOf(`stale-${engine}`)
    const before = expiredTokens().length
    // retries: 0, so only the after-login rule can try again.
    const r = await ship(repo, { engine, env: stepEnv, user: reg.users.stale, inputs: { tags: `${reg.host}/${repo}:one`, retries: 0 } })
    expect(errorOf(r)).toEqual([])
    expect(expiredTokens().length).toBe(before + 1)
    const retries = r.main.log.split('\n').filter(l => /failed \(unauthorized after a successful login/.test(l))
    expect(retries).toEqual([
      expect.stringMatching(
        /^Push of .*:one failed \(unauthorized after a successful login: the registry's token may have expired\); trying once more, the engine fetches a new token$/
      )
    ])
    expect(await imageTags(repo)).toEqual(['one'])
    expectNoSecret(r)
  })

  it('needs no second try with buildx: BuildKit fetches a new token itself', async () => {
    const repo = repoOf('stale-buildx')
    const before = expiredTokens().length
    const r = await ship(repo, { engine: 'buildx', user: reg.users.stale, inputs: { tags: `${reg.host}/${repo}:one`, retries: 0 } })
    expect(errorOf(r)).toEqual([])
    expect(expiredTokens().length).toBe(before + 1)
    expect(r.main.log).not.toMatch(/trying once more/)
    expect(await imageTags(repo)).toEqual(['one'])
  })
})

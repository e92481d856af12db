// Login failures that are not about the password, each with the one-line cause and fix the
// engine's own output supports: plain HTTP where HTTPS is expected, a certificate of an unknown CA,
// a token server or a registry out of reach, an engine address that does not answer, a docker
// config whose credential helper is missing; and the wrong password. Against the HTTPS token
// registry and the error endpoints beside it (scripts/e2e-env/tls-registry.sh).
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { podmanStepEnv, readE2EEnv, tokenRegistry } from './support/registry.js'
import { annotationsOf, cleanupRuns, pushPayload, runAction, type RunOptions, type RunResult } from './support/runner.js'
import { commandLines, makeWorkspace } from './support/workspace.js'

const env = readE2EEnv()
const reg = tokenRegistry(env)
const { user, password } = reg.users.push
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

afterAll(cleanupRuns)

/** The action logging in to `registry` as the push user (or with `pw`) and pushing ci-tls/tls-errors. */
function ship(registry: string, engine: string, opts: RunOptions & { pw?: string } = {}): Promise<RunResult> {
  return runAction({
    workspace: makeWorkspace({ Dockerfile: `FROM ${env.baseImage}\n` }),
    secrets: [password, ...(opts.pw ? [opts.pw] : [])],
    payload: pushPayload({ ref: 'refs/heads/main' }),
    ...opts,
    env: { ...(engine === 'podman' ? podmanStepEnv(env) : {}), ...opts.env },
    inputs: { registry, image: 'ci-tls/tls-errors', engine, username: user, password: opts.pw ?? password, ...opts.inputs }
  })
}

/** The run's one error line; nothing was built, so nothing pushed; no password printed. */
function failure(r: RunResult): string {
  expect(r.main.exitCode).toBe(1)
  const errors = annotationsOf(r, 'error').map(a => a.message)
  expect(errors).toHaveLength(1)
  expect(errors[0]).not.toContain('\n')
  expect(commandLines(r.main.log).filter(l => / (build|push) /.test(l))).toEqual([])
  const printed = `${r.main.stdout}\n${r.main.stderr}`.split('\n').filter(l => !l.startsWith('::add-mask::'))
  expect(printed.filter(l => l.includes(password))).toEqual([])
  return errors[0] as string
}

describe('a login that fails names the cause and the fix', () => {
  it('wrong password: the registry refused the credentials', async () => {
    const error = failure(await ship(reg.host, 'buildx', { pw: 'not-the-password' }))
    expect(error).toBe(
      `Login to ${reg.host} as ${user} failed: Get "https://${reg.host}/v2/": unauthorized: incorrect username or password. ${reg.host} refused the credentials. Check the "username" and "password" inputs (a token needs read & write rights).`
    )
  })

  it.each([
    ['buildx', `/etc/docker/certs.d/${reg.untrusted}/ca.crt`],
    ['podman', `/etc/containers/certs.d/${reg.untrusted}/ca.crt`]
  ])("untrusted certificate (%s): says where the engine's CA goes", async (engine, where) => {
    const error = failure(await ship(reg.untrusted, engine))
    expect(error).toMatch(
      new RegExp(`^Login to ${esc(reg.untrusted)} as ${user} failed: .*x509: certificate signed by unknown authority\\. `)
    )
    expect(error).toContain(
      `${reg.untrusted}'s certificate is signed by a CA ${engine === 'podman' ? 'podman' : 'docker'} does not trust: put the CA in ${where}`
    )
    expect(error).not.toContain('Check the "username"')
  })

  it('HTTPS client, plain-HTTP registry (docker): insecure-registries in daemon.json', async () => {
    const error = failure(await ship(reg.plainHttp, 'buildx'))
    expect(error).toContain('http: server gave HTTP response to HTTPS client.')
    expect(error).toContain(`add "${reg.plainHttp}" to "insecure-registries" in /etc/docker/daemon.json and restart dockerd`)
  })

  it('HTTPS client, plain-HTTP registry (podman on 127.0.0.1:5000 without insecure = true): registries.conf', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tls-registries-'))
    writeFileSync(path.join(dir, 'registries.conf'), 'unqualified-search-registries = []\n')
    const r = await ship(env.registry.host, 'podman', {
      pw: env.registry.password,
      inputs: { username: env.registry.user },
      env: { ...podmanStepEnv(env), CONTAINERS_REGISTRIES_CONF: path.join(dir, 'registries.conf') }
    })
    const error = failure(r)
    expect(error).toContain('http: server gave HTTP response to HTTPS client.')
    expect(error).toContain(`allow HTTP for it in registries.conf ([[registry]] location = "${env.registry.host}" insecure = true)`)
  })

  it('token server unreachable: names the realm the registry sends logins to', async () => {
    // retries: 0: a refused connection is otherwise tried again (the registry may be restarting).
    const error = failure(await ship(reg.deadRealm, 'buildx', { inputs: { retries: 0 } }))
    expect(error).toMatch(new RegExp(`^Login to ${esc(reg.deadRealm)} as ${user} failed: .*connection refused\\. `))
    expect(error).toMatch(
      new RegExp(
        `${esc(reg.deadRealm)} sends logins to its token server https://[^ ]+:5449/token, which cannot be reached: the connection is refused`
      )
    )
  })

  it('registry unreachable: connection refused', async () => {
    const error = failure(await ship(reg.refused, 'podman', { inputs: { retries: 0 } }))
    expect(error).toMatch(new RegExp(`^Login to ${esc(reg.refused)} as ${user} failed: .*connection refused\\. `))
    expect(error).toContain(`The engine cannot reach ${reg.refused}: the connection is refused (nothing listens on that port).`)
  })

  it("missing docker-credential helper named by the runner's docker config (credsStore)", async () => {
    const config = mkdtempSync(path.join(tmpdir(), 'tls-config-'))
    writeFileSync(path.join(config, 'config.json'), JSON.stringify({ credsStore: 'ship-missing' }))
    const error = failure(await ship(reg.host, 'buildx', { env: { DOCKER_CONFIG: config } }))
    expect(error).toMatch(/^Login to .* failed: .*docker-credential-ship-missing.*executable file not found/)
    expect(error).toContain(
      'names the credential helper docker-credential-ship-missing ("credsStore" or "credHelpers" in config.json), which is not on PATH'
    )
  })
})

describe('an engine address that does not answer', () => {
  it.each(['auto', 'docker'])(
    'engine: %s: refused before any login, naming the address (auto does not fall back to podman)',
    async engine => {
      const r = await ship(reg.host, engine, { inputs: { 'docker-host': 'tcp://127.0.0.1:9' } })
      const error = failure(r)
      expect(error).toMatch(
        new RegExp(
          `^Input "engine" is "${engine}" but no Docker engine answers at tcp://127\\.0\\.0\\.1:9 \\(docker-host or DOCKER_HOST; docker says ".*Cannot connect to the Docker daemon at tcp://127\\.0\\.0\\.1:9`
        )
      )
      if (engine === 'auto') expect(error).toContain('podman is not tried in its place')
      expect(commandLines(r.main.log).filter(l => /\b(login|podman)\b/.test(l))).toEqual([])
    }
  )
})

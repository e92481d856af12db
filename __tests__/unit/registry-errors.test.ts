import { registryHost } from '../../src/plan/inputs/reference.js'
import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CommandError } from '../../src/engine/exec.js'
import { lastErrorLine, loginError, pushError } from '../../src/engine/engine.js'
import { diagnose, type FailureKind } from '../../src/engine/registry-errors.js'
import { RetriesExhausted } from '../../src/engine/retry.js'
import { bobPlan } from './fixtures.js'

// What docker 28.5 (CLI 28.2, buildx 0.29), docker 20.10 and podman 4.3 really print, recorded by
// scripts/capture-registry-errors.sh against the e2e registries.
const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'registry-errors')
const fixture = (name: string) => readFileSync(path.join(DIR, `${name}.txt`), 'utf8')
const engineOf = (name: string) => (name.startsWith('podman') ? 'podman' : 'docker')

const TLS = '198.18.0.1:5443'
type Row = [fixture: string, registry: string, kind: FailureKind, fix: RegExp]

describe('a failed login names its cause and the fix', () => {
  it.each<Row>([
    ...['docker', 'classic', 'podman'].flatMap((e): Row[] => [
      [`${e}-login-wrong-password-token`, TLS, 'wrong-credentials', /refused the credentials\. Check the "username" and "password" inputs/],
      [`${e}-login-wrong-password-basic`, '127.0.0.1:5000', 'wrong-credentials', /Check the "username" and "password" inputs/],
      [`${e}-login-plain-http`, '198.18.0.1:5447', 'plain-http', /answers plain HTTP where (docker|podman) expects HTTPS/],
      [`${e}-login-untrusted`, '198.18.0.1:5446', 'untrusted-certificate', /signed by a CA (docker|podman) does not trust/],
      [
        `${e}-login-token-unreachable`,
        '198.18.0.1:5445',
        'token-server-unreachable',
        /token server https:\/\/198\.18\.0\.1:5449\/token, which cannot be reached: the connection is refused/
      ],
      [`${e}-login-refused`, '198.18.0.1:5448', 'registry-unreachable', /cannot reach 198\.18\.0\.1:5448: the connection is refused/],
      [
        `${e}-login-dns`,
        'no-such-registry.invalid',
        'registry-unreachable',
        /cannot reach no-such-registry\.invalid: its name does not resolve \(DNS\)/
      ]
    ]),
    [
      'podman-login-plain-http-loopback',
      '127.0.0.1:5000',
      'plain-http',
      /registries\.conf \(\[\[registry\]\] location = "127\.0\.0\.1:5000" insecure = true\)/
    ],
    [
      'docker-login-helper-missing',
      TLS,
      'credential-helper-missing',
      /docker-credential-ship-missing \("credsStore" or "credHelpers" in config\.json\), which is not on PATH/
    ],
    ['classic-login-helper-missing', TLS, 'credential-helper-missing', /docker-credential-ship-missing/],
    [
      'docker-buildx-engine-unreachable',
      TLS,
      'engine-unreachable',
      /^No Docker engine answers at tcp:\/\/127\.0\.0\.1:9: start it, or fix the "docker-host" input/
    ]
  ])('%s -> %s', (name, registry, kind, fix) => {
    const d = diagnose(fixture(name), { engine: engineOf(name), phase: 'login', registry })
    expect(d.kind).toBe(kind)
    expect(d.fix).toMatch(fix)
  })

  it('tells docker users about daemon.json and BuildKit, podman users about registries.conf', () => {
    const docker = diagnose(fixture('docker-login-plain-http'), { engine: 'docker', phase: 'login', registry: 'r.example:5000' }).fix
    expect(docker).toContain('add "r.example:5000" to "insecure-registries" in /etc/docker/daemon.json and restart dockerd')
    expect(docker).toContain('[registry."r.example:5000"] http = true in its buildkitd.toml')
    const podman = diagnose(fixture('podman-login-plain-http'), { engine: 'podman', phase: 'login', registry: 'r.example:5000' }).fix
    expect(podman).toContain('insecure = true')
    expect(podman).not.toContain('daemon.json')
    const cert = diagnose(fixture('docker-login-untrusted'), { engine: 'docker', phase: 'login', registry: '198.18.0.1:5446' }).fix
    expect(cert).toContain('/etc/docker/certs.d/198.18.0.1:5446/ca.crt')
    expect(cert).toContain('restart dockerd')
    expect(diagnose(fixture('podman-login-untrusted'), { engine: 'podman', phase: 'login', registry: '198.18.0.1:5446' }).fix).toContain(
      '/etc/containers/certs.d/198.18.0.1:5446/ca.crt'
    )
  })

  it("sends an untrusted token server's certificate to the OS store", () => {
    const text =
      'Error response from daemon: Get "https://r.example/v2/": Get "https://auth.example/token?service=x": tls: failed to verify certificate: x509: certificate signed by unknown authority'
    const d = diagnose(text, { engine: 'docker', phase: 'login', registry: 'r.example' })
    expect(d.kind).toBe('untrusted-certificate')
    expect(d.fix).toMatch(/^The token server https:\/\/auth\.example .* OS store/)
  })

  it("knows Docker Hub's own host names are the registry, not a token server", () => {
    const text = 'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host'
    expect(diagnose(text, { engine: 'docker', phase: 'login', registry: 'docker.io' }).kind).toBe('registry-unreachable')
  })

  it('cannot see an unreachable engine in docker login itself: the CLI then logs in on its own', () => {
    // Why the probe checks the engine address before any login (select.ts).
    for (const name of ['docker-engine-unreachable', 'docker-engine-unreachable-socket', 'classic-engine-unreachable']) {
      expect(diagnose(fixture(name), { engine: 'docker', phase: 'login', registry: TLS }).kind).toBe('wrong-credentials')
    }
  })

  it('builds one message of the registry, the user, the engine line and the fix', () => {
    const e = new CommandError('docker login', 1, '', fixture('docker-login-token-unreachable'))
    const message = loginError('198.18.0.1:5445', 'ci-tls', e, 'docker').message
    expect(message).toMatch(
      /^Login to 198\.18\.0\.1:5445 as ci-tls failed: Get "https:\/\/198\.18\.0\.1:5445\/v2\/": .*connection refused\. 198\.18\.0\.1:5445 sends logins to its token server/
    )
    expect(message).not.toContain('\n')
    expect(message).not.toContain('Check the "username"')
  })
})

describe('a failed push names its cause, the image and why the plan chose it', () => {
  const image = { name: `${TLS}/ci-tls/app`, reason: 'the "image" input' }
  it.each<[string, FailureKind]>([
    ['docker-buildx-push-denied-read-only', 'denied'],
    ['docker-buildx-push-denied-namespace', 'denied'],
    ['docker-push-denied-read-only', 'denied'],
    ['docker-push-denied-namespace', 'denied'],
    ['classic-push-denied-read-only', 'denied'],
    ['classic-push-denied-namespace', 'denied'],
    ['podman-push-denied-read-only', 'denied'],
    ['podman-push-denied-namespace', 'denied'],
    ['classic-push-unauthorized-after-login', 'unauthorized'],
    ['podman-push-unauthorized-after-login', 'unauthorized'],
    ['docker-buildx-push-helper-missing', 'credential-helper-missing']
  ])('%s -> %s', (name, kind) => {
    const d = diagnose(lastErrorLine(fixture(name)), { engine: engineOf(name), phase: 'push', registry: TLS, image, loggedIn: true })
    expect(d.kind).toBe(kind)
    if (kind === 'denied')
      expect(d.fix).toBe(
        `${TLS} denied the push of ${TLS}/ci-tls/app (the "image" input): that namespace is not yours, or the token is read-only. Set "image" to a repository you may push to, or use a token with write (push) rights.`
      )
  })

  it.each(['podman-push-denied-read-only', 'podman-push-denied-namespace'])("keeps the registry's own line of podman's %s", name => {
    expect(lastErrorLine(fixture(name))).toBe('denied: requested access to the resource is denied')
  })

  it("keeps podman's unauthorized line, not its 401 parse error", () => {
    expect(lastErrorLine(fixture('podman-push-unauthorized-after-login'))).toBe('unauthorized: authentication required')
  })

  it('says the default image comes from the username and the repository name', () => {
    const plan = bobPlan({ image: '' })
    expect(plan.imageReason).toBe(
      '"image" is empty, so the default: the "username" input (bob) as namespace + the repository\'s name (hello-app)'
    )
    const e = new RetriesExhausted(
      'Push',
      1,
      { transient: false, cause: 'denied' },
      new CommandError('docker push', 1, '', fixture('classic-push-denied-read-only'))
    )
    const message = pushError(plan, [], e, { engine: 'docker', loggedIn: new Set(['docker.io']) }, plan.references[0]).message
    expect(message).toContain(`docker.io denied the push of ${plan.image} ("image" is empty, so the default: the "username" input (bob)`)
    expect(message).toContain(`Not pushed: ${plan.references.join(', ')}.`)
  })

  it.each<[Record<string, string>, string]>([
    [{ image: 'bob/app' }, 'the "image" input'],
    [{ image: '', tags: 'ghcr.io/octo-org/app:1' }, 'the first full reference of the "tags" input, as "image" is empty'],
    [
      { image: '', registry: 'ghcr.io' },
      '"image" is empty, so the default: the "registry" input (ghcr.io) + the repository\'s owner and name (octo-org/hello-app)'
    ]
  ])('says why the image of %j is the one pushed', (inputs, reason) => {
    expect(bobPlan(inputs).imageReason).toBe(reason)
  })

  it.each<[string, string]>([
    ['198.18.0.1:5443/ci-tls/app:1', '198.18.0.1:5443'],
    ['ghcr.io/o/app:1', 'ghcr.io'],
    ['localhost/app:1', 'localhost'],
    ['bob/app:1', 'docker.io'],
    ['docker.io/bob/app:1', 'docker.io']
  ])('reads the registry of %s as %s', (ref, registry) => {
    expect(registryHost(ref)).toBe(registry)
  })
})

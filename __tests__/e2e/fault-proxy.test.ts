// Self-test of support/fault-proxy.ts against the real registry and the real engine, and a record
// of what `docker login`, `docker push` (dockerd 28.5, containerd image store) and
// `docker buildx build --push` do by themselves when the registry fails: the action's own retries
// are built on top of this.
//
// Observed (and asserted below):
//   - docker push: a manifest PUT that answers 5xx is tried once more, a blob upload whose start
//     fails is begun again, a connection reset is not retried; 408/429 and 401 are retried at once by containerd's
//     resolver, 6 attempts in all, Retry-After ignored.
//   - buildx --push: BuildKit retries 5xx and resets 3 times (after 1 s, 2 s, 4 s), logging
//     "retrying in 1s"; 429 as docker push.
//   - docker login: one try; the daemon's message carries the status.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { FaultProxy, classify, type RecordedRequest } from './support/fault-proxy.js'
import { readE2EEnv, registryClient } from './support/registry.js'
import { uniqueRepo } from './support/workspace.js'
import { shareUserPlugins } from './support/runner.js'

const env = readE2EEnv()
const registry = registryClient(env, 1)
const basicAuth = `Basic ${Buffer.from(`${env.registry.user}:${env.registry.password}`).toString('base64')}`
const RESET = /connection reset by peer|broken pipe|use of closed network connection/

let proxy: FaultProxy
const tempDirs: string[] = []
const images: string[] = []

interface Run {
  code: number | null
  stdout: string
  stderr: string
  ms: number
}

/** Runs docker asynchronously (the proxy lives in this process: never block the event loop). */
function docker(args: string[], config: string, input?: string): Promise<Run> {
  return new Promise(resolve => {
    const t0 = Date.now()
    const p = spawn('docker', args, { env: { ...process.env, DOCKER_CONFIG: config } })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => p.kill('SIGKILL'), 120_000)
    p.on('close', code => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, ms: Date.now() - t0 })
    })
    p.stdin.end(input)
  })
}

/** Fails with the command's stderr when it did not succeed. */
function succeeded(r: Run): Run {
  if (r.code !== 0) throw new Error(`docker exited ${r.code}:\n${r.stderr.slice(-4000)}`)
  return r
}

function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(tmpdir(), prefix))
  tempDirs.push(d)
  return d
}

/** A fresh DOCKER_CONFIG logged in to the proxy. */
async function loggedIn(): Promise<string> {
  const config = tempDir('fp-docker-config-')
  shareUserPlugins(config)
  const r = await docker(['login', proxy.host, '-u', env.registry.user, '--password-stdin'], config, env.registry.password)
  expect(succeeded(r).stdout).toBe('Login Succeeded\n')
  return config
}

/** A build context whose image has a layer of its own (256 KiB of random bytes). */
function context(): string {
  const dir = tempDir('fp-context-')
  writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${env.baseImage}\nCOPY data /data\n`)
  writeFileSync(path.join(dir, 'data'), randomBytes(256 * 1024))
  return dir
}

/** Builds a new image into the engine as `<proxy>/<repo>:v1`. */
async function build(repo: string): Promise<string> {
  const ref = `${proxy.host}/${repo}:v1`
  const config = tempDir('fp-docker-config-')
  shareUserPlugins(config)
  const r = await docker(['buildx', 'build', '--load', '-t', ref, context()], config)
  succeeded(r)
  images.push(ref)
  return ref
}

/** Most PUTs any one manifest got (docker push PUTs every manifest to the tag; told apart by size). */
function maxManifestAttempts(requests: RecordedRequest[]): number {
  const per = new Map<string, number>()
  for (const r of requests.filter(r => r.kind === 'manifest-put'))
    per.set(`${r.path} ${r.bytesIn}`, (per.get(`${r.path} ${r.bytesIn}`) ?? 0) + 1)
  return Math.max(0, ...per.values())
}

beforeAll(async () => {
  proxy = await FaultProxy.start({ target: env.registry.host })
})

beforeEach(() => {
  proxy.setRules([])
  proxy.clearRequests()
})

afterAll(async () => {
  await proxy?.close()
  if (images.length > 0) await docker(['image', 'rm', '-f', ...images], tempDir('fp-docker-config-'))
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true })
})

describe('FaultProxy over plain HTTP', () => {
  it('classifies registry requests', () => {
    expect(classify('GET', '/v2/', false)).toBe('ping')
    expect(classify('GET', '/v2/', true)).toBe('auth')
    expect(classify('GET', '/token?service=x&scope=repository:a/b:push', false)).toBe('auth')
    expect(classify('POST', '/v2/a/b/blobs/uploads/', true)).toBe('blob-upload')
    expect(classify('PATCH', '/v2/a/blobs/uploads/123?_state=x', true)).toBe('blob-upload')
    expect(classify('PUT', '/v2/a/blobs/uploads/123?digest=sha256:00', true)).toBe('blob-upload')
    expect(classify('HEAD', '/v2/a/b/blobs/sha256:00', true)).toBe('blob-head')
    expect(classify('GET', '/v2/a/b/blobs/sha256:00', true)).toBe('blob-get')
    expect(classify('PUT', '/v2/a/b/manifests/token', true)).toBe('manifest-put')
    expect(classify('HEAD', '/v2/a/manifests/sha256:00', true)).toBe('manifest-get')
    expect(classify('GET', '/v2/a/b/tags/list?n=10', true)).toBe('tags')
    expect(classify('GET', '/v2/_catalog', true)).toBe('other')
    expect(classify('DELETE', '/v2/a/manifests/sha256:00', true)).toBe('other')
  })

  it("keeps the client's Host, so the registry's upload Location points back at the proxy", async () => {
    const repo = uniqueRepo('fp-location')
    const res = await fetch(`http://${proxy.host}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: { authorization: basicAuth } })
    expect(res.status).toBe(202)
    expect(res.headers.get('location')).toMatch(new RegExp(`^http://${proxy.host}/v2/${repo}/blobs/uploads/[0-9a-f-]+\\?_state=`))
    expect(res.headers.get('docker-upload-uuid')).toMatch(/^[0-9a-f-]{36}$/)
    expect(proxy.requests).toEqual([expect.objectContaining({ method: 'POST', kind: 'blob-upload', status: 202, faulted: false })])
  })

  it('answers registry-shaped errors, Retry-After, resets and hangs as told, for the first N matches', async () => {
    proxy.setRules([
      { kinds: ['tags'], action: { status: 429, retryAfter: 7 }, times: 1 },
      { kinds: ['ping'], action: { reset: true }, times: 1 },
      { kinds: ['ping'], action: { hang: true }, times: 1 }
    ])
    const tags = `http://${proxy.host}/v2/e2e/nothing/tags/list`
    const limited = await fetch(tags, { headers: { authorization: basicAuth } })
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('7')
    expect(await limited.json()).toEqual({ errors: [{ code: 'TOOMANYREQUESTS', message: 'too many requests', detail: null }] })
    expect((await fetch(tags, { headers: { authorization: basicAuth } })).status).toBe(404) // forwarded: NAME_UNKNOWN
    await expect(fetch(`http://${proxy.host}/v2/`)).rejects.toThrow('fetch failed')
    await expect(fetch(`http://${proxy.host}/v2/`, { signal: AbortSignal.timeout(300) })).rejects.toThrow()
    expect((await fetch(`http://${proxy.host}/v2/`)).status).toBe(401)
    expect(proxy.requests.map(r => [r.kind, r.status, r.fault ?? null])).toEqual([
      ['tags', 429, 'status 429'],
      ['tags', 404, null],
      ['ping', null, 'reset'],
      ['ping', null, 'hang'],
      ['ping', 401, null]
    ])
    expect(proxy.count('ping', { faulted: true })).toBe(2)
  })
})

describe('docker and buildx through the FaultProxy', () => {
  it('logs in and pushes through the proxy; an identical re-push uploads nothing', async () => {
    const config = await loggedIn()
    expect(proxy.requests.map(r => `${r.kind} ${r.status}`)).toEqual(['ping 401', 'auth 200'])
    const repo = uniqueRepo('fp-push')
    const ref = await build(repo)
    proxy.clearRequests()
    const first = await docker(['push', ref], config)
    succeeded(first)
    expect(first.stdout).toMatch(/^v1: digest: sha256:[0-9a-f]{64} size: \d+$/m)
    expect(await registry.tags(repo)).toEqual(['v1'])
    expect(proxy.completedBlobUploads()).toBeGreaterThanOrEqual(2) // config + own layer at least
    expect(proxy.count('manifest-put')).toBeGreaterThan(0)
    expect(proxy.requests.every(r => r.status !== null && r.status < 500)).toBe(true)

    proxy.clearRequests()
    const again = await docker(['push', ref], config)
    succeeded(again)
    expect(proxy.completedBlobUploads()).toBe(0)
    expect(proxy.count('blob-upload')).toBe(0)
    expect(proxy.count('blob-head')).toBeGreaterThan(0)
  })

  it('a manifest PUT that answers 503 is tried twice by docker push, which then fails; a plain re-push succeeds', async () => {
    const config = await loggedIn()
    const repo = uniqueRepo('fp-m503')
    const ref = await build(repo)
    proxy.setRules([{ kinds: ['manifest-put'], action: { status: 503 } }])
    const r = await docker(['push', ref], config)
    expect(r.code).toBe(1)
    // dockerd 28 prints the registry's reason phrase alone (dockerd 26 printed the whole request)
    expect(r.stderr).toBe('error from registry: Service Unavailable\n')
    // dockerd 28 PUTs a failed manifest once more itself (dockerd 26 never did), and no more
    expect(maxManifestAttempts(proxy.requests)).toBe(2)
    expect(await registry.tags(repo)).toEqual([])

    proxy.setRules([])
    proxy.clearRequests()
    succeeded(await docker(['push', ref], config))
    expect(await registry.tags(repo)).toEqual(['v1'])
  })

  it('buildx --push retries a 503 manifest PUT by itself (after 1 s, then 2 s)', async () => {
    const config = await loggedIn()
    const repo = uniqueRepo('fp-bx503')
    proxy.setRules([{ kinds: ['manifest-put'], action: { status: 503 }, times: 2 }])
    const r = await docker(['buildx', 'build', '--progress=plain', '--push', '-t', `${proxy.host}/${repo}:v1`, context()], config)
    succeeded(r)
    expect(r.stderr).toMatch(
      /^#\d+ [\d.]+ error: failed commit on ref "manifest-sha256:[0-9a-f]{64}": unexpected status .*: 503 Service Unavailable$/m
    )
    expect(r.stderr).toMatch(/^#\d+ [\d.]+ retrying in 1s$/m)
    // BuildKit PUTs the image and the attestation manifests side by side: both 503s may fall in
    // its first try (one "retrying in 1s") or one each in two (then "retrying in 2s" too).
    const puts = proxy.requests.filter(q => q.kind === 'manifest-put')
    expect(puts.filter(q => q.status === 503)).toHaveLength(2)
    const failedAt = puts.filter(q => q.status === 503).map(q => q.at)
    const retried = puts.filter(q => q.status === 201 && q.path === puts[0]!.path)
    expect(retried).toHaveLength(1)
    expect(retried[0]!.at - failedAt[0]!).toBeGreaterThanOrEqual(900)
    if (/retrying in 2s$/m.test(r.stderr)) expect(retried[0]!.at - failedAt[1]!).toBeGreaterThanOrEqual(1900)
    expect(await registry.tags(repo)).toEqual(['v1'])
  })

  it('a connection reset mid-upload fails docker push (no retry); a plain re-push then succeeds', async () => {
    const config = await loggedIn()
    const repo = uniqueRepo('fp-reset')
    const ref = await build(repo)
    proxy.setRules([{ kinds: ['blob-upload'], methods: ['PUT'], action: { resetAfterBytes: 64 * 1024 }, times: 1 }])
    const r = await docker(['push', ref], config)
    expect(r.code).toBe(1)
    // containerd words it by where the reset lands: "failed commit on ref" when the layer's bytes
    // were written, "failed to copy" while they were still going (seen in CI).
    expect(r.stderr).toMatch(
      new RegExp(
        `^(failed commit on ref "layer-sha256:[0-9a-f]{64}"|failed to copy): failed to do request: Put "http://${proxy.host}/v2/${repo}/blobs/uploads/`
      )
    )
    expect(r.stderr).toMatch(RESET)
    const cut = proxy.requests.filter(q => q.faulted)
    expect(cut).toEqual([expect.objectContaining({ kind: 'blob-upload', method: 'PUT', status: null, fault: 'resetAfterBytes 65536' })])
    expect(cut[0]!.bytesIn).toBeGreaterThanOrEqual(64 * 1024)
    expect(await registry.tags(repo)).toEqual([])

    proxy.clearRequests()
    succeeded(await docker(['push', ref], config))
    expect(proxy.completedBlobUploads()).toBeGreaterThanOrEqual(1)
    expect(await registry.tags(repo)).toEqual(['v1'])
  })

  it('buildx --push recovers from a reset mid-upload by itself', async () => {
    const config = await loggedIn()
    const repo = uniqueRepo('fp-bxreset')
    proxy.setRules([{ kinds: ['blob-upload'], methods: ['PUT'], action: { resetAfterBytes: 64 * 1024 }, times: 1 }])
    const r = await docker(['buildx', 'build', '--progress=plain', '--push', '-t', `${proxy.host}/${repo}:v1`, context()], config)
    succeeded(r)
    expect(r.stderr).toMatch(
      /^#\d+ [\d.]+ error: failed commit on ref "layer-sha256:[0-9a-f]{64}": failed to do request: Put "[^"]+": .+$/m
    )
    expect(r.stderr).toMatch(/^#\d+ [\d.]+ retrying in 1s$/m)
    expect(proxy.count('blob-upload', { faulted: true })).toBe(1)
    expect(await registry.tags(repo)).toEqual(['v1'])
  })

  it('429 with Retry-After: docker push retries at once, ignoring Retry-After, 6 attempts in all', async () => {
    const config = await loggedIn()
    const repo = uniqueRepo('fp-429')
    const ref = await build(repo)
    proxy.setRules([{ kinds: ['manifest-put'], action: { status: 429, retryAfter: 3 }, times: 2 }])
    const ok = await docker(['push', ref], config)
    succeeded(ok)
    const puts = proxy.requests.filter(q => q.kind === 'manifest-put')
    expect(puts.filter(q => q.status === 429)).toHaveLength(2)
    expect(puts.at(-1)!.status).toBe(201)
    expect(puts.at(-1)!.at - puts[0]!.at).toBeLessThan(3000)

    proxy.setRules([{ kinds: ['manifest-put'], action: { status: 429, retryAfter: 3 } }])
    proxy.clearRequests()
    const tag2 = `${ref.slice(0, -'v1'.length)}v2`
    succeeded(await docker(['tag', ref, tag2], config))
    images.push(tag2)
    const failed = await docker(['push', tag2], config)
    expect(failed.code).toBe(1)
    // dockerd 28 prints the registry's error code, twice (dockerd 26: the request and "429 Too Many Requests")
    expect(failed.stderr).toBe('error from registry: toomanyrequests\ntoomanyrequests\n')
    expect(maxManifestAttempts(proxy.requests)).toBe(6)
  })

  it('latency delays the chosen requests and the push still succeeds', async () => {
    const config = await loggedIn()
    const repo = uniqueRepo('fp-latency')
    const ref = await build(repo)
    proxy.setRules([{ kinds: ['manifest-put', 'blob-head'], action: { latencyMs: 400 } }])
    const r = await docker(['push', ref], config)
    succeeded(r)
    const slowed = proxy.requests.filter(q => q.faulted)
    expect(slowed.length).toBeGreaterThan(0)
    expect(slowed.every(q => q.fault === 'latency 400' && q.ms >= 400 && q.status !== null)).toBe(true)
    expect(r.ms).toBeGreaterThanOrEqual(800) // blob HEADs, then manifest PUTs
    expect(await registry.tags(repo)).toEqual(['v1'])
  })

  it('docker login fails at once on a 502, and on wrong credentials', async () => {
    const login = (password: string) =>
      docker(['login', proxy.host, '-u', env.registry.user, '--password-stdin'], tempDir('fp-docker-config-'), password)
    proxy.setRules([{ kinds: ['auth'], action: { status: 502 } }])
    const bad = await login(env.registry.password)
    expect(bad).toMatchObject({ code: 1, stdout: '' })
    expect(bad.stderr).toBe(`Error response from daemon: login attempt to http://${proxy.host}/v2/ failed with status: 502 Bad Gateway\n`)
    expect([proxy.count('ping'), proxy.count('auth')]).toEqual([1, 1])

    proxy.setRules([])
    const wrong = await login('not-the-password')
    expect(wrong.stderr).toBe(
      `Error response from daemon: login attempt to http://${proxy.host}/v2/ failed with status: 401 Unauthorized\n`
    )
  })
})

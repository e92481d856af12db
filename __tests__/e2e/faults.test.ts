// The action (dist/, main + post, run as the runner runs it) against the real registry behind the
// FaultProxy: each scenario injects registry faults and asserts both the action's outcome and what
// the registry really holds afterwards (through its own HTTP API, not through the proxy).
//
// What the engines do by themselves (recorded in fault-proxy.test.ts) shapes the scenarios:
// `docker login` and `docker push` never retry a 5xx or a reset, so the action's own retries are
// what saves them; `buildx build --push` retries 5xx and resets itself (1 s, 2 s, 4 s) and 429s at
// once (6 tries), so the action re-runs it only when BuildKit gives up, and that re-run must be a
// push of what is already built.
import { randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { FaultProxy, type FaultRule } from './support/fault-proxy.js'
import { readE2EEnv, registryClient } from './support/registry.js'
import { annotationsOf, cleanupRuns, pushPayload, runAction, type RunResult } from './support/runner.js'
import { commandLines, makeWorkspace, uniqueRepo } from './support/workspace.js'

const env = readE2EEnv()
const registry = registryClient(env, 1)
let proxy: FaultProxy

type Engine = 'buildx' | 'docker'

interface Scenario {
  name: string
  engine: Engine
  rules: FaultRule[]
  inputs?: Record<string, string>
  /** 'pushed': success with every tag present; 'failed': one error, nothing claimed as pushed. */
  outcome: 'pushed' | 'failed'
  /** The action's own retry lines (`... failed (cause); retry n of m`), exactly. */
  retries: number
  /** The cause named in the retry lines and the error. */
  cause?: RegExp
  /** The single error annotation of a failed run. */
  error?: RegExp
  /** Tags the registry holds afterwards; default: every planned tag for 'pushed', none for 'failed'. */
  tags?: string[]
  /** Faulted requests the proxy must have seen, at least. */
  faulted?: number
  /** Extra checks. */
  check?: (r: RunResult, repo: string) => void | Promise<void>
}

const TAGS = ['latest', 'main', 'sha-0123456']
const RETRY_LINE = /^(Login to .*|Push of .*|Build and push) failed \((.+)\); retry (\d+) of (\d+) in [\d.]+ s$/

/** A Dockerfile with a layer of its own (random bytes, so every scenario uploads new blobs). */
function workspace(): string {
  return makeWorkspace({
    Dockerfile: `FROM ${env.baseImage}\nCOPY data /data\nRUN cat /data | wc -c > /size\n`,
    data: randomBytes(192 * 1024).toString('base64')
  })
}

async function ship(s: Scenario, repo: string): Promise<RunResult> {
  proxy.setRules(s.rules)
  proxy.clearRequests()
  return runAction({
    workspace: workspace(),
    secrets: [env.registry.password],
    payload: pushPayload({ ref: 'refs/heads/main', defaultBranch: 'main' }),
    inputs: {
      registry: proxy.host,
      image: repo,
      engine: s.engine,
      username: env.registry.user,
      password: env.registry.password,
      cache: 'off',
      'retry-delay': '100ms',
      ...s.inputs
    }
  })
}

const retryLines = (r: RunResult): RegExpExecArray[] =>
  r.main.log
    .split('\n')
    .map(l => RETRY_LINE.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)

const scenarios: Scenario[] = [
  // ---- login (docker login through the daemon: one try of its own)
  {
    // `docker login` pings twice per try (the CLI, then the daemon): both 503s fall in the first try
    name: 'ping answers 503 twice: login retried, then pushed',
    engine: 'docker',
    rules: [{ kinds: ['ping'], action: { status: 503 }, times: 2 }],
    outcome: 'pushed',
    retries: 1,
    cause: /503 Service Unavailable/,
    faulted: 2
  },
  {
    name: 'credential check answers 502 once: login retried, then pushed',
    engine: 'buildx',
    rules: [{ kinds: ['auth'], action: { status: 502 }, times: 1 }],
    outcome: 'pushed',
    retries: 1,
    cause: /502 Bad Gateway/,
    faulted: 1
  },
  {
    name: 'credential check answers 429 with Retry-After once: login retried, then pushed',
    engine: 'docker',
    rules: [{ kinds: ['auth'], action: { status: 429, retryAfter: 1 }, times: 1 }],
    outcome: 'pushed',
    retries: 1,
    cause: /429 Too Many Requests/,
    faulted: 1
  },
  {
    name: 'connection reset on the ping twice: login retried, then pushed',
    engine: 'docker',
    rules: [{ kinds: ['ping'], action: { reset: true }, times: 2 }],
    outcome: 'pushed',
    retries: 2,
    faulted: 2
  },
  {
    name: 'slow credential check (1 s): pushed without a retry',
    engine: 'buildx',
    rules: [{ kinds: ['auth'], action: { latencyMs: 1000 }, times: 1 }],
    outcome: 'pushed',
    retries: 0,
    faulted: 1
  },
  {
    name: 'credentials refused (401): fails at once, never retried, nothing built',
    engine: 'docker',
    rules: [{ kinds: ['auth'], action: { status: 401 } }],
    outcome: 'failed',
    retries: 0,
    error: /^Login to 127\.0\.0\.1:\d+ as ci-user failed: .*401 Unauthorized.*Check the "username" and "password" inputs/,
    faulted: 1,
    check: r => expect(commandLines(r.main.log).filter(l => / build /.test(l))).toEqual([])
  },
  {
    name: 'registry down for good (503 forever): login fails after 4 attempts, nothing built',
    engine: 'buildx',
    rules: [{ kinds: ['ping'], action: { status: 503 } }],
    outcome: 'failed',
    retries: 3,
    cause: /503 Service Unavailable/,
    error: /^Login to 127\.0\.0\.1:\d+ as ci-user failed after 4 attempts: .*503 Service Unavailable/,
    faulted: 4,
    check: r => expect(commandLines(r.main.log).filter(l => / build /.test(l))).toEqual([])
  },

  // ---- classic docker: `docker push` per tag, each retried by the action
  {
    // dockerd 28's pusher starts a failed upload again by itself (dockerd 26 did not)
    name: 'docker: blob upload start answers 503 once: docker push starts it again itself, pushed',
    engine: 'docker',
    rules: [{ kinds: ['blob-upload'], methods: ['POST'], action: { status: 503 }, times: 1 }],
    outcome: 'pushed',
    retries: 0,
    faulted: 1
  },
  {
    // (once: docker push PUTs a tag's manifests in parallel, so two faults may fall in one try)
    name: 'docker: manifest PUT answers 502 once: push retried, then pushed',
    engine: 'docker',
    rules: [{ kinds: ['manifest-put'], action: { status: 502 }, times: 1 }],
    outcome: 'pushed',
    retries: 1,
    cause: /502 Bad Gateway/,
    faulted: 1
  },
  {
    name: 'docker: connection reset mid-upload: push retried, then pushed',
    engine: 'docker',
    rules: [{ kinds: ['blob-upload'], methods: ['PUT', 'PATCH'], action: { resetAfterBytes: 64 * 1024 }, times: 1 }],
    outcome: 'pushed',
    retries: 1,
    cause: /connection reset|unexpected EOF|broken pipe/,
    faulted: 1
  },
  {
    // docker push retries a 429 by itself (at once, Retry-After ignored, ~6 tries per manifest):
    // past that, the action tries the push again, and says how often it tried
    name: 'docker: 429 forever: docker push’s own tries, then the action’s: fails after 2 attempts',
    engine: 'docker',
    inputs: { retries: '1' },
    rules: [{ kinds: ['manifest-put'], action: { status: 429, retryAfter: 1 } }],
    outcome: 'failed',
    retries: 1,
    cause: /429 Too Many Requests/,
    error: /^Push failed after 2 attempts: .*(429 Too Many Requests|toomanyrequests)\. Not pushed: .*:latest, .*:main, .*:sha-0123456\.$/,
    faulted: 12
  },
  {
    name: 'docker: manifest PUT 503 forever: fails after 3 attempts, no tag claimed or present',
    engine: 'docker',
    inputs: { retries: '2' },
    rules: [{ kinds: ['manifest-put'], action: { status: 503 } }],
    outcome: 'failed',
    retries: 2,
    cause: /503 Service Unavailable/,
    error:
      /^Push failed after 3 attempts: .*Service Unavailable.*\. Not pushed: 127\.0\.0\.1:\d+\/e2e\/[^:]+:latest, 127\.0\.0\.1:\d+\/e2e\/[^:]+:main, 127\.0\.0\.1:\d+\/e2e\/[^:]+:sha-0123456\.$/,
    faulted: 3
  },
  {
    name: 'docker: manifest PUT denied (403): fails at once, never retried',
    engine: 'docker',
    rules: [{ kinds: ['manifest-put'], action: { status: 403 } }],
    outcome: 'failed',
    retries: 0,
    error: /^Push failed: .*(denied|403 Forbidden).*\. Not pushed: .*:latest, .*:main, .*:sha-0123456\.$/,
    faulted: 1
  },
  {
    name: 'docker: manifest invalid (400): fails at once, never retried',
    engine: 'docker',
    rules: [
      {
        kinds: ['manifest-put'],
        action: { status: 400, body: { errors: [{ code: 'MANIFEST_INVALID', message: 'manifest invalid', detail: null }] } }
      }
    ],
    outcome: 'failed',
    retries: 0,
    error: /^Push failed: .*(400 Bad Request|manifest invalid)\. Not pushed: /,
    faulted: 1
  },
  {
    name: 'docker: last tag fails for good: the first two are pushed, the failure and the summary say which',
    engine: 'docker',
    inputs: { retries: '1' },
    rules: [{ kinds: ['manifest-put'], path: /\/manifests\/sha-0123456$/, action: { status: 503 } }],
    outcome: 'failed',
    retries: 1,
    cause: /503 Service Unavailable/,
    error:
      /^Push failed after 2 attempts: .*Service Unavailable.*\. Not pushed: [^,]+:sha-0123456; pushed before the failure: [^,]+:latest, [^,]+:main\.$/,
    tags: ['latest', 'main'],
    faulted: 2,
    check: r => {
      expect(r.summary).toMatch(/sha-0123456/)
      expect(r.summary).toMatch(/latest/)
      expect(r.summary).toMatch(/not pushed/i)
    }
  },
  {
    name: 'docker: 400 ms latency on blob checks and manifest PUTs: pushed without a retry',
    engine: 'docker',
    rules: [{ kinds: ['blob-head', 'manifest-put'], action: { latencyMs: 400 } }],
    outcome: 'pushed',
    retries: 0,
    faulted: 3,
    check: () => expect(proxy.requests.filter(q => q.faulted).every(q => q.ms >= 400)).toBe(true)
  },

  // ---- buildx: one `build --push`; BuildKit retries first, the action re-runs when it gives up
  {
    name: 'buildx: manifest PUT 503 twice: BuildKit retries by itself, the action does not',
    engine: 'buildx',
    rules: [{ kinds: ['manifest-put'], action: { status: 503 }, times: 2 }],
    outcome: 'pushed',
    retries: 0,
    faulted: 2,
    check: r => expect(r.main.log).toMatch(/retrying in 1s/)
  },
  {
    name: 'buildx: connection reset mid-upload: BuildKit recovers by itself',
    engine: 'buildx',
    rules: [{ kinds: ['blob-upload'], methods: ['PUT', 'PATCH'], action: { resetAfterBytes: 64 * 1024 }, times: 1 }],
    outcome: 'pushed',
    retries: 0,
    faulted: 1
  },
  {
    name: 'buildx: 429 past BuildKit’s own tries: build --push re-run, every step CACHED, no blob uploaded again',
    engine: 'buildx',
    rules: [{ kinds: ['manifest-put'], action: { status: 429, retryAfter: 1 }, times: 7 }],
    outcome: 'pushed',
    retries: 1,
    cause: /429 Too Many Requests/,
    faulted: 7,
    check: async (r, repo) => {
      // The second `build --push` reuses the first's build: its RUN step is CACHED, and no layer
      // blob the first attempt uploaded is uploaded again (BuildKit only checks them with HEAD;
      // the small provenance attestation is regenerated and is the only new upload).
      const builds = r.main.log.split(/\[command\]\S*docker buildx build /).slice(1)
      expect(builds).toHaveLength(2)
      expect(builds[1]).toMatch(/RUN cat \/data \| wc -c > \/size\n#\d+ CACHED/)
      const faulted = proxy.requests.flatMap((q, i) => (q.faulted ? [i] : []))
      const rerun = proxy.requests.slice(faulted[5]! + 1) // BuildKit tries a manifest 6 times per run
      const uploaded = rerun.flatMap(q =>
        q.kind === 'blob-upload' && q.method === 'PUT' && q.status === 201
          ? [decodeURIComponent(/[?&]digest=([^&]+)/.exec(q.path)?.[1] ?? '')]
          : []
      )
      const image = await registry.imageManifest(repo, 'latest')
      const blobs = [image.body.config!.digest, ...(image.body.layers ?? []).map(l => l.digest)]
      expect(blobs.length).toBeGreaterThanOrEqual(3)
      for (const blob of blobs) expect(uploaded).not.toContain(blob)
      expect(rerun.filter(q => q.kind === 'blob-head').length).toBeGreaterThan(0)
    }
  },
  {
    name: 'buildx: 429 forever: fails after 2 attempts, no tag present, nothing claimed',
    engine: 'buildx',
    inputs: { retries: '1' },
    rules: [{ kinds: ['manifest-put'], action: { status: 429 } }],
    outcome: 'failed',
    retries: 1,
    cause: /429 Too Many Requests/,
    error: /^Push failed after 2 attempts: .*(429 Too Many Requests|toomanyrequests).*\. Not pushed: .*:latest, .*:main, .*:sha-0123456\.$/,
    faulted: 12
  },
  {
    name: 'buildx: manifest PUT denied (403): fails at once, never retried',
    engine: 'buildx',
    rules: [{ kinds: ['manifest-put'], action: { status: 403 } }],
    outcome: 'failed',
    retries: 0,
    error: /^Push failed: .*(denied|403 Forbidden).*\. Not pushed: .*:latest, .*:main, .*:sha-0123456\.$/,
    faulted: 1
  },
  {
    name: 'buildx: registry cache cannot be written (503 forever): the image is pushed all the same',
    engine: 'buildx',
    inputs: { cache: 'registry' },
    rules: [{ kinds: ['manifest-put'], path: /\/manifests\/buildcache$/, action: { status: 503 } }],
    outcome: 'pushed',
    retries: 0,
    faulted: 1,
    check: async (_r, repo) => expect(await registry.tags(repo)).not.toContain('buildcache')
  },
  {
    name: 'buildx: 150 ms latency on every request: pushed without a retry',
    engine: 'buildx',
    rules: [{ kinds: 'any', action: { latencyMs: 150 } }],
    outcome: 'pushed',
    retries: 0,
    faulted: 5
  }
]

beforeAll(async () => {
  proxy = await FaultProxy.start({ target: env.registry.host })
})

afterAll(async () => {
  await proxy?.close()
  await cleanupRuns()
})

describe('the action through a faulty registry', () => {
  it('has at least 20 scenarios', () => expect(scenarios.length).toBeGreaterThanOrEqual(20))

  it.each(scenarios.map(s => [s.name, s] as const))('%s', async (_name, s) => {
    const repo = uniqueRepo(`fault-${s.engine}`)
    const r = await ship(s, repo)
    if (process.env.FAULTS_DEBUG) {
      // FAULTS_DEBUG=DIR keeps each scenario's log and the proxy's request record for study
      mkdirSync(process.env.FAULTS_DEBUG, { recursive: true })
      const file = path.join(process.env.FAULTS_DEBUG, s.name.replace(/[^\w]+/g, '-').slice(0, 80))
      writeFileSync(`${file}.log`, r.main.log)
      writeFileSync(`${file}.requests`, proxy.requests.map(q => `${q.at} ${q.method} ${q.path} ${q.status} ${q.fault ?? ''}`).join('\n'))
    }
    const errors = annotationsOf(r, 'error').map(a => a.message)
    const retries = retryLines(r)

    // the faults happened, and the action retried exactly as often as expected, naming the cause
    expect(proxy.count('any', { faulted: true })).toBeGreaterThanOrEqual(s.faulted ?? 0)
    expect({ retries: retries.length, errors }).toEqual({
      retries: s.retries,
      errors: s.outcome === 'failed' ? [expect.stringMatching(s.error!)] : []
    })
    if (s.cause) for (const m of retries) expect(m[2]).toMatch(s.cause)
    for (const e of errors) expect(e).not.toContain('\n')

    // what the registry really holds, read behind the proxy's back
    const want = s.tags ?? (s.outcome === 'pushed' ? TAGS : [])
    expect((await registry.tags(repo)).filter(t => t !== 'buildcache')).toEqual(want)
    if (s.outcome === 'pushed') {
      expect(r.main.exitCode).toBe(0)
      expect(r.outputs.pushed).toBe('true')
      for (const tag of TAGS) expect((await registry.manifest(repo, tag)).digest).toBe(r.outputs.digest)
    } else {
      expect(r.main.exitCode).toBe(1)
      expect(r.outputs.pushed).not.toBe('true')
      expect(r.outputs.digest ?? '').toBe('')
    }
    // credentials gone whatever happened: main logs out as it ends and deletes its run folder (the
    // post step runs only after a failed main, and then has nothing left to do)
    if (s.outcome === 'pushed') expect(r.main.log).toContain('Logged out of')
    expect(JSON.parse(r.state.post)).toEqual({ registries: [] })
    expect(readdirSync(r.dirs.runnerTemp).filter(f => f.startsWith('docker-ship-'))).toEqual([])
    expect(r.post?.exitCode ?? 0).toBe(0)
    await s.check?.(r, repo)
  })
})

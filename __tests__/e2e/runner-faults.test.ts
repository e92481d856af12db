// Faults around the build rather than in it, run as the runner runs the action: two jobs pushing
// the same tag at once, a RUNNER_TEMP that cannot hold the run folder, an event payload that is
// not an object, a cancel after a push, a login the registry refuses.
import { gunzipSync } from 'node:zlib'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { FaultProxy } from './support/fault-proxy.js'
import { pushPayload } from './support/payloads.js'
import { readE2EEnv, registryClient } from './support/registry.js'
import { annotationsOf, cleanupRuns, REPO_ROOT, runAction, type RunOptions } from './support/runner.js'
import { makeWorkspace, uniqueRepo } from './support/workspace.js'

const env = readE2EEnv()
const registry = registryClient(env, 1)
const host = env.registry.host
const creds = { username: env.registry.user, password: env.registry.password }
const scratch = mkdtempSync(path.join(tmpdir(), 'runner-faults-'))

afterAll(async () => {
  await cleanupRuns()
  rmSync(scratch, { recursive: true, force: true })
})

function ship(repo: string, opts: RunOptions & { files?: Record<string, string> } = {}) {
  return runAction({
    workspace: makeWorkspace(opts.files ?? { Dockerfile: `FROM ${env.baseImage}\nRUN echo built > /built.txt\n` }),
    secrets: [env.registry.password],
    payload: pushPayload({ ref: 'refs/heads/main', defaultBranch: 'main' }),
    ...opts,
    inputs: { registry: host, image: repo, ...creds, ...opts.inputs }
  })
}

/** Does the image `digest` of `repo` hold a layer with `text` in it (the file this run built)? */
async function holds(repo: string, digest: string, text: string): Promise<boolean> {
  const m = await registry.imageManifest(repo, digest)
  for (const layer of m.body.layers ?? []) {
    const blob = await registry.blob(repo, layer.digest)
    const tar = layer.mediaType?.endsWith('gzip') ? gunzipSync(blob) : blob
    if (tar.toString('latin1').includes(text)) return true
  }
  return false
}

async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}

describe('two jobs pushing the same tag of one image at once (buildx)', () => {
  it("reports each job's own digest; the job whose tag the other overwrote says so in its summary and log", async () => {
    const repo = uniqueRepo('faults-race')
    const values = ['race-value-first', 'race-value-second'].map(v => `${v}-${Date.now()}`)
    const job = (value: string, registryHost: string) =>
      ship(repo, {
        files: { Dockerfile: `FROM ${env.baseImage}\nCOPY value.txt /value.txt\n`, 'value.txt': `${value}\n` },
        inputs: { tags: 'type=raw,value=shared', registry: registryHost }
      })
    // The registry through a proxy that holds the first job's tag check (the action's own HEAD of
    // the tag after its push; the engine's requests pass) until the second job has pushed the same tag, as on a slow registry.
    let release = () => {}
    const gate = new Promise<void>(resolve => (release = resolve))
    const proxy = await FaultProxy.start({
      target: host,
      rules: [
        {
          kinds: ['manifest-get'],
          methods: ['HEAD'],
          path: /\/manifests\/shared$/,
          userAgent: /^docker-ship-action$/,
          action: { until: gate },
          times: 1
        }
      ]
    })
    const first = job(values[0] as string, proxy.host)
    let second: Awaited<ReturnType<typeof ship>>
    try {
      await until('the first push', () => registry.exists(repo, 'shared'))
      second = await job(values[1] as string, proxy.host)
    } finally {
      release()
    }
    const runs = [await first, second]
    for (const r of runs) expect(r.main.exitCode).toBe(0)
    for (const [i, r] of runs.entries()) {
      expect(r.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
      expect(await holds(repo, r.outputs.digest, values[i] as string)).toBe(true)
    }
    const [lost, kept] = runs
    expect(lost?.outputs.digest).not.toBe(kept?.outputs.digest)
    const now = (await registry.manifest(repo, 'shared')).digest
    expect(now).toBe(kept?.outputs.digest)
    await proxy.close()
    expect(proxy.requests.filter(q => q.fault === 'held')).toHaveLength(1)
    const moved = `${proxy.host}/${repo}:shared now points to ${now}, not to this build's ${lost?.outputs.digest}`
    expect(lost?.summary).toContain(moved)
    expect(annotationsOf(lost!.main, 'warning').map(a => a.message)).toContainEqual(expect.stringContaining(moved))
    expect(kept?.summary).not.toContain('now points to')
    expect(annotationsOf(kept!.main, 'warning')).toEqual([])
  }, 180_000)
})

/** A main entry that sets `vars` in its own environment first, as a runner with them set would. */
function entryWith(name: string, vars: Record<string, string>): string {
  const entry = path.join(scratch, `${name}.mjs`)
  const sets = Object.entries(vars).map(([k, v]) => `process.env.${k} = ${JSON.stringify(v)}\n`)
  writeFileSync(entry, `${sets.join('')}await import(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'index.js'))})\n`)
  return entry
}

describe('a RUNNER_TEMP that cannot hold the run folder', () => {
  const readOnly = path.join(scratch, 'read-only')
  beforeAll(() => {
    mkdirSync(readOnly)
    // The tests run as root, whom file modes do not stop: a read-only mount does.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', readOnly])
  })
  afterAll(() => execFileSync('umount', [readOnly]))

  it.each([
    ['read-only', () => readOnly, 'on a read-only file system (EROFS)'],
    ['a file', () => path.join(scratch, 'not-a-folder'), 'not a folder (ENOTDIR)']
  ])('%s: one error line naming RUNNER_TEMP, its value, what is wrong and the fix', async (name, temp, wrong) => {
    const value = temp()
    if (name === 'a file') writeFileSync(value, '')
    const r = await ship(uniqueRepo('faults-temp'), { entry: entryWith(`temp-${name.replace(/\W/g, '')}`, { RUNNER_TEMP: value }) })
    expect(r.main.exitCode).toBe(1)
    const errors = annotationsOf(r.main, 'error').map(a => a.message)
    expect(errors).toEqual([
      `RUNNER_TEMP is "${value}", which is ${wrong}: this run's folder (its docker config and secret files) cannot be made there. Point RUNNER_TEMP at a writable folder (the runner sets it to _temp in its work folder) or free/fix that folder.`
    ])
  })
})

describe('an event payload that is not an object', () => {
  it('warns, naming the file, that latest is not derived; the branch tags still are', async () => {
    const eventPath = path.join(scratch, 'event-null.json')
    writeFileSync(eventPath, 'null')
    const r = await ship(uniqueRepo('faults-payload'), {
      eventPath,
      payload: undefined,
      ref: 'refs/heads/main',
      inputs: { 'dry-run': true }
    })
    expect(r.main.exitCode).toBe(0)
    expect(r.outputs['tag-names']?.split('\n')).toEqual(['main', 'sha-0123456'])
    expect(annotationsOf(r.main, 'warning').map(a => a.message)).toEqual([
      `GITHUB_EVENT_PATH is "${eventPath}", whose JSON is null, not an event payload object: the default branch is unknown, so "latest" and the other default-branch tags ({{is_default_branch}}, type=edge) are not derived for refs/heads/main. Run the action in a GitHub workflow (the runner writes the payload), or name those tags in the "tags" input (e.g. type=raw,value=latest).`
    ])
  })
})

describe('a job cancelled after its first image was pushed', () => {
  it('has the post step say which references were pushed, in the log and the job summary', async () => {
    const prefix = uniqueRepo('faults-cancel')
    const r = await ship(prefix, {
      files: {
        'fast/Dockerfile': `FROM ${env.baseImage}\nRUN echo fast > /fast.txt\n`,
        'slow/Dockerfile': `FROM ${env.baseImage}\nRUN sleep 120\n`,
        'docker-compose.yml': 'services:\n  fast:\n    build: ./fast\n  slow:\n    build: ./slow\n'
      },
      inputs: { 'compose-file': 'docker-compose.yml' },
      // The runner signals a cancelled step; the harness does the same when the step outlives this.
      timeoutMs: 20_000
    })
    expect(r.main.timedOut).toBe(true)
    const pushed = ['latest', 'main', 'sha-0123456'].map(t => `${host}/${prefix}/fast:${t}`)
    expect((await registry.tags(`${prefix}/fast`)).filter(t => t !== 'buildcache')).toEqual(['latest', 'main', 'sha-0123456'])
    expect(JSON.parse(r.state.post ?? '{}').pushed).toEqual(pushed)
    expect(r.post?.exitCode).toBe(0)
    const line = `The main step did not finish (cancelled or stopped) after pushing ${pushed.join(', ')}: those references are in the registry; the rest of the plan was not pushed.`
    expect(annotationsOf(r.post!, 'warning').map(a => a.message)).toEqual([line])
    expect(r.post?.summary).toContain('<th>Pushed before it stopped</th>')
    for (const ref of pushed) expect(r.post?.summary).toContain(`<code>${ref}</code>`)
    expect(r.post?.log).toContain(`Logged out of ${host}`)
  }, 90_000)
})

describe('a login the registry refuses', () => {
  it('fails the step and still writes a job summary naming the registry and that nothing was pushed', async () => {
    const repo = uniqueRepo('faults-login')
    const r = await ship(repo, { inputs: { password: 'wrong-password' }, secrets: [env.registry.password, 'wrong-password'] })
    expect(r.main.exitCode).toBe(1)
    expect(r.summary).toContain(`login to ${host} failed</h3>`)
    expect(r.summary).toContain(`<th>Login failed</th><td><code>${host}</code></td>`)
    expect(r.summary).toContain('<th>Pushed</th><td>nothing (the login failed before any build or push)</td>')
    expect(r.summary).not.toContain('wrong-password')
    expect(await registry.tags(repo)).toEqual([])
  })
})

// Reliability: an engine that never answers, a post step without main's state, a summary that
// cannot be written, and input values that look like flags. Run as the runner runs the action.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { pushPayload } from './support/payloads.js'
import { readE2EEnv, registryClient } from './support/registry.js'
import { annotationsOf, cleanupRuns, REPO_ROOT, readActionManifest, runAction, type RunOptions } from './support/runner.js'
import { commandLines, makeWorkspace, uniqueRepo } from './support/workspace.js'

const env = readE2EEnv()
const registry = registryClient(env, 1)
const host = env.registry.host
const creds = { username: env.registry.user, password: env.registry.password }
const dockerfile = `FROM ${env.baseImage}\nRUN echo built > /built.txt\n`
const imageTags = async (repo: string) => (await registry.tags(repo)).filter(t => t !== 'buildcache')
const scratch = mkdtempSync(path.join(tmpdir(), 'reliability-'))

afterAll(async () => {
  await cleanupRuns()
  rmSync(scratch, { recursive: true, force: true })
})

function ship(repo: string, opts: RunOptions & { files?: Record<string, string> } = {}) {
  return runAction({
    workspace: makeWorkspace(opts.files ?? { Dockerfile: dockerfile }),
    secrets: [env.registry.password],
    payload: pushPayload({ ref: 'refs/heads/main', defaultBranch: 'main' }),
    ...opts,
    inputs: { registry: host, image: repo, ...creds, ...opts.inputs }
  })
}

describe('an engine socket that accepts and never answers', () => {
  let server: Server
  const sockets: Socket[] = []
  const socketPath = path.join(scratch, 'silent.sock')
  const address = `unix://${socketPath}`
  beforeAll(async () => {
    server = createServer(s => void sockets.push(s)) // accepts, never writes
    await new Promise<void>(resolve => server.listen(socketPath, resolve))
  })
  afterAll(async () => {
    for (const s of sockets) s.destroy()
    await new Promise(resolve => server.close(resolve))
  })

  // DOCKER_SHIP_TIMEOUT=3: every bounded command gets 3 s; the harness stops a step at 30 s.
  const silent = (inputs: Record<string, string>, extra: RunOptions = {}) =>
    ship(uniqueRepo('silent'), {
      env: { DOCKER_SHIP_TIMEOUT: '3' },
      timeoutMs: 30_000,
      ...extra,
      inputs: { 'docker-host': address, ...inputs }
    })

  it.each([
    { engine: 'auto', command: 'docker buildx inspect', extra: {} },
    { engine: 'docker', command: 'docker version', extra: {} }
  ])(
    'fails engine $engine in $command within the bound, naming the command and the address',
    async ({ engine, command, extra }) => {
      const r = await silent({ engine }, extra)
      expect(r.main.timedOut).toBe(false)
      expect(r.main.exitCode).toBe(1)
      expect(r.main.durationMs).toBeLessThan(20_000)
      const errors = annotationsOf(r.main, 'error').map(a => a.message)
      expect(errors).toHaveLength(1)
      expect(errors[0]).toContain(`${command} did not finish in 3 s`)
      expect(errors[0]).toContain(`${address} (docker-host / DOCKER_HOST)`)
      expect(errors[0]).toContain('Check that the engine at that address is running')
      expect(commandLines(r.main.log).filter(l => / build /.test(l))).toEqual([])
    },
    60_000
  )
})

describe('the post step without the state main saves', () => {
  it('runs the post entry of action.yml with no STATE_* at all: exit 0, no login, build or push', async () => {
    const repo = uniqueRepo('post-stateless')
    // A main cancelled before it saved anything: it exits at once, leaving no state.
    const cancelled = path.join(scratch, 'cancelled-main.mjs')
    writeFileSync(cancelled, 'process.exit(130)\n')
    const manifest = readActionManifest(path.join(REPO_ROOT, 'action.yml'))
    const r = await ship(repo, {
      entry: cancelled,
      postEntry: path.resolve(manifest.dir, manifest.post ?? ''),
      postIf: 'always()',
      timeoutMs: 60_000
    })
    expect(r.main.exitCode).toBe(130)
    expect(r.post).toBeDefined()
    expect(Object.keys(r.post?.env ?? {}).filter(k => k.startsWith('STATE_'))).toEqual([])
    expect(r.post?.exitCode).toBe(0)
    expect(commandLines(r.post?.log ?? '')).toEqual([])
    expect(r.post?.log ?? '').not.toMatch(/Logged in|##\[group\]Build/)
    expect(await imageTags(repo)).toEqual([])
  }, 90_000)
})

describe('a job summary that cannot be written', () => {
  it('is a warning: the step succeeds with the image pushed', async () => {
    const repo = uniqueRepo('summary-unwritable')
    // GITHUB_STEP_SUMMARY in a folder that is not there (the tests run as root: a read-only
    // folder would not stop the write).
    const entry = path.join(scratch, 'no-summary-main.mjs')
    const missing = path.join(scratch, 'no-such-folder', 'summary.md')
    writeFileSync(
      entry,
      `process.env.GITHUB_STEP_SUMMARY = ${JSON.stringify(missing)}\nawait import(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'index.js'))})\n`
    )
    const r = await ship(repo, { entry })
    expect(r.main.exitCode).toBe(0)
    expect(r.outputs.pushed).toBe('true')
    expect(await imageTags(repo)).toEqual(['latest', 'main', 'sha-0123456'])
    expect((await registry.manifest(repo, 'latest')).digest).toBe(r.outputs.digest)
    const warnings = annotationsOf(r.main, 'warning').map(a => a.message)
    expect(warnings.filter(w => w.startsWith('Could not write the job summary (GITHUB_STEP_SUMMARY)'))).toHaveLength(1)
    expect(annotationsOf(r.main, 'error')).toEqual([])
  }, 240_000)
})

describe('input values that look like flags', () => {
  it.each([
    { context: '--help', why: 'docker buildx build --help exited 0 and a push was reported' },
    { context: '-', why: 'docker buildx build - waited for a context on stdin' }
  ])(
    'builds and pushes the folder named $context ($why)',
    async ({ context }) => {
      const repo = uniqueRepo('flag-context')
      const r = await ship(repo, { files: { [`${context}/Dockerfile`]: dockerfile }, inputs: { context }, timeoutMs: 90_000 })
      expect(r.main.timedOut).toBe(false)
      expect(r.main.exitCode).toBe(0)
      expect(commandLines(r.main.log).filter(l => / buildx build /.test(l))[0]).toMatch(new RegExp(` \\./${context.replace(/-/g, '\\-')}$`))
      expect(await imageTags(repo)).toEqual(['latest', 'main', 'sha-0123456'])
      expect(r.outputs.pushed).toBe('true')
      expect((await registry.manifest(repo, 'latest')).digest).toBe(r.outputs.digest)
    },
    120_000
  )
})

// Secret hygiene of a whole job (main + post) watched from outside: argv of every process and the
// environment of the action's children sampled every few ms, then every trace the job leaves
// (stdout/stderr, file commands, RUNNER_TEMP, HOME, the workspace, engine and registry logs)
// searched for the password and its base64 forms. And two jobs at once on one machine, as two
// users of the same registry: each pushes with its own credentials and survives the other's post.
//
// docker and git are reached through dwell shims (support/proc-sampler.ts) first on the step's
// PATH: each child of the action waits until the sampler has recorded its argv and environment,
// then execs the real program unchanged, so no child escapes the sampling on a loaded machine.
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import {
  distinctProcesses,
  dwellTimeouts,
  jobProcesses,
  programOf,
  type ProcessRecord,
  type SamplerOptions,
  type SamplerReport,
  startProcSampler,
  writeDwellShims
} from './support/proc-sampler.js'
import { pushPayload } from './support/payloads.js'
import { readE2EEnv, registryClient } from './support/registry.js'
import { cleanupRuns, runAction, type RunResult, shareRunnerPlugins, type StepResult } from './support/runner.js'
import { FaultProxy } from './support/fault-proxy.js'
import { uniqueRepo } from './support/workspace.js'

const env = readE2EEnv()
const registry = registryClient(env, 1)
const host = env.registry.host

interface Credentials {
  user: string
  password: string
}
function extraUser(n: 3 | 4): Credentials {
  const user = env.raw[`E2E_REGISTRY_USER${n}`]
  const password = env.raw[`E2E_REGISTRY_PASSWORD${n}`]
  if (!user || !password) throw new Error(`${env.file} has no E2E_REGISTRY_USER${n}/PASSWORD${n}: rerun \`npm run e2e:env\``)
  return { user, password }
}
const hygiene = extraUser(3) // ci-hygiene, only used by this file
const peer = extraUser(4) // ci-peer, only used by this file

const MARKER = 'E2E_PROC_MARKER'
const b64 = (s: string): string => Buffer.from(s).toString('base64')

/** The forms of one user's secret that must appear nowhere. */
function needlesOf(...creds: Credentials[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const c of creds) {
    out[`password of ${c.user}`] = c.password
    out[`base64(${c.user}:password)`] = b64(`${c.user}:${c.password}`)
    out[`base64(password of ${c.user})`] = b64(c.password)
  }
  return out
}

function count(hay: string, needle: string): number {
  let n = 0
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) n++
  return n
}

/** "where: needle xN" for every needle found in text (bytes read as latin1: any file is searched). */
function findNeedles(where: string, text: string | Buffer, needles: Record<string, string>): string[] {
  const hay = typeof text === 'string' ? text : text.toString('latin1')
  return Object.entries(needles).flatMap(([name, v]) => {
    const n = count(hay, v)
    return n > 0 ? [`${where}: ${name} x${n}`] : []
  })
}

/** Every regular file under dir (symlinks not followed). */
function walk(dir: string, out: string[] = []): string[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return out
  }
  for (const name of names) {
    const p = path.join(dir, name)
    const st = lstatSync(p)
    if (st.isDirectory()) walk(p, out)
    else if (st.isFile()) out.push(p)
  }
  return out
}

function scanTree(dirs: string[], needles: Record<string, string>): { files: number; found: string[] } {
  const files = dirs.flatMap(d => walk(d))
  return { files: files.length, found: files.flatMap(f => findNeedles(f, readFileSync(f), needles)) }
}

/** Everything a step leaves for the runner: raw output (add-mask commands left out), the masked
 *  log, the file commands, annotations. */
function stepTexts(step: StepResult | undefined): Array<[string, string]> {
  if (!step) return []
  const read = (f: string): string => (existsSync(f) ? readFileSync(f, 'utf8') : '')
  return [
    [`${step.stage} stdout`, step.stdout.replace(/^\s*::add-mask::.*$/gm, '')],
    [`${step.stage} stderr`, step.stderr],
    [`${step.stage} log`, step.log],
    [`${step.stage} GITHUB_OUTPUT`, read(step.files.output)],
    [`${step.stage} GITHUB_STATE`, read(step.files.state)],
    [`${step.stage} GITHUB_ENV`, read(step.files.env)],
    [`${step.stage} GITHUB_PATH`, read(step.files.path)],
    [`${step.stage} GITHUB_STEP_SUMMARY`, read(step.files.summary)],
    [`${step.stage} annotations`, JSON.stringify(step.annotations)]
  ]
}

function runTexts(r: RunResult): Array<[string, string]> {
  return [...stepTexts(r.main), ...stepTexts(r.post), ['outputs', JSON.stringify(r.outputs)], ['state', JSON.stringify(r.state)]]
}

/** What a log file got since byte offset `from`. */
function logSince(file: string | undefined, from: number): string {
  if (!file || !existsSync(file)) return ''
  return readFileSync(file).subarray(from).toString('latin1')
}
const sizeOf = (file: string | undefined): number => (file && existsSync(file) ? statSync(file).size : 0)

/** Needles in the argv of any process, and in the environment of a child of the job's action. */
function processLeaks(report: SamplerReport, job: number, needles: Record<string, string>): string[] {
  const found: string[] = []
  for (const a of report.allArgv) found.push(...findNeedles(`argv "${a.slice(0, 80)}"`, a, needles))
  for (const p of jobProcesses(report, job)) {
    if (p.root) continue
    for (const e of p.environs) found.push(...findNeedles(`environ of ${p.pid} ${p.argv.join(' ').slice(0, 60)}`, e.join('\n'), needles))
  }
  return found
}

const envValue = (p: ProcessRecord, name: string): string | undefined =>
  p.environs
    .flat()
    .find(e => e.startsWith(`${name}=`))
    ?.slice(name.length + 1)

/** Runs fn with a process sampler watching; the sampler is stopped whatever fn does. */
async function sampled<T>(opts: SamplerOptions, fn: () => Promise<T>): Promise<[T, SamplerReport]> {
  const sampler = await startProcSampler(opts)
  let result: T
  try {
    result = await fn()
  } catch (e) {
    await sampler.stop().catch(() => undefined)
    throw e
  }
  return [result, await sampler.stop()]
}

/** The machine of a test: a temp root, dwell shims for docker and git, a HOME. */
function machine(): { root: string; home: string; shimDir: string; ackDir: string; path: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'docker-ship-hygiene-'))
  roots.push(root)
  const shimDir = path.join(root, 'shims')
  const ackDir = path.join(root, 'acks')
  writeDwellShims(shimDir, ackDir, ['docker', 'git'])
  const home = path.join(root, 'home')
  mkdirSync(home)
  shareRunnerPlugins(home)
  return { root, home, shimDir, ackDir, path: `${shimDir}:${process.env.PATH ?? ''}` }
}

/** A job's RUNNER_TEMP and a git checkout (tag v1.0.0) holding a Dockerfile. */
function jobDirs(root: string, name: string, dockerfile: string): { runnerTemp: string; workspace: string } {
  const runnerTemp = path.join(root, name, '_temp')
  const workspace = path.join(root, name, 'app', 'app')
  mkdirSync(runnerTemp, { recursive: true })
  mkdirSync(workspace, { recursive: true })
  writeFileSync(path.join(workspace, 'Dockerfile'), dockerfile)
  const git = (...args: string[]): void => {
    execFileSync('git', ['-c', 'user.name=E2E', '-c', 'user.email=e2e@example.invalid', '-c', 'init.defaultBranch=main', ...args], {
      cwd: workspace,
      stdio: 'ignore'
    })
  }
  git('init', '-q')
  git('add', 'Dockerfile')
  git('commit', '-q', '-m', 'app')
  git('tag', 'v1.0.0')
  return { runnerTemp, workspace }
}

const roots: string[] = []
afterAll(async () => {
  await cleanupRuns()
  for (const d of roots) rmSync(d, { recursive: true, force: true })
})

/**
 * 'run config' when a docker process used the run's own DOCKER_CONFIG, or is the read-only engine
 * probe on the runner's; else what it used, with its argv.
 */
/** A job's run folder: where its `docker login` kept its config (main deletes the folder as it ends). */
function runDirOf(report: SamplerReport, job: number, shimDir: string): string {
  const login = jobProcesses(report, job).find(p => !p.root && p.environs.length > 0 && programOf(p, shimDir).args.includes('login'))
  const config = login ? envValue(login, 'DOCKER_CONFIG') : undefined
  if (!config) throw new Error(`job ${job}: the sampler saw no docker login with a DOCKER_CONFIG`)
  return path.dirname(config)
}

function configUse(p: ProcessRecord, runDir: string, shimDir: string, home: string): string {
  const config = envValue(p, 'DOCKER_CONFIG')
  const { args } = programOf(p, shimDir)
  if (config === path.join(runDir, 'config')) return 'run config'
  if (config === path.join(home, '.docker') && (args.includes('inspect') || args.includes('docker-cli-plugin-metadata')))
    return 'run config'
  return `${config} for ${args.join(' ')}`
}

describe.each(['buildx', 'docker'])('secret hygiene of a main + post run, engine %s', engine => {
  it('never shows the password or base64(user:password) in argv, children, output, files or logs', async () => {
    const m = machine()
    const repo = uniqueRepo(`hygiene-${engine}`)
    const { runnerTemp, workspace } = jobDirs(m.root, 'job', `FROM ${env.baseImage}\nRUN echo ${repo} > /id\n`)
    const needles = needlesOf(hygiene)
    const logsFrom = { registry: sizeOf(env.registry.log), dockerd: sizeOf(env.dockerdLog) }
    const marker = randomUUID()

    const sampler = { markers: [`${MARKER}=${marker}`], watchDirs: [m.home, runnerTemp, workspace], dwell: m }
    const [r, report] = await sampled(sampler, () =>
      runAction({
        home: m.home,
        runnerTemp,
        workspace,
        payload: pushPayload({ ref: 'refs/tags/v1.0.0' }),
        env: { [MARKER]: marker, PATH: m.path },
        // Not a job secret: all masking seen here is the action's own ::add-mask::.
        inputs: { registry: host, image: repo, engine, username: hygiene.user, password: hygiene.password, latest: 'semver' }
      })
    )
    expect(r.main.exitCode).toBe(0)
    // Main logged out as it ended; post-if (failure() || cancelled()) skips the post step.
    expect(r.main.log).toContain(`Logged out of ${host}`)
    expect(r.post).toBeUndefined()
    expect(r.outputs.pushed).toBe('true')
    expect(await registry.tags(repo)).toContain('1.0.0')

    // ::add-mask::<password> is the first line of the step (stdout and stderr interleaved by
    // arrival); only other add-mask commands may come before it.
    const first = r.main.commands.find(c => c.command === 'add-mask' && c.message === hygiene.password)
    expect(first).toBeDefined()
    const before = r.main.commands.filter(c => c.index < first!.index)
    expect(before.every(c => c.command === 'add-mask')).toBe(true)
    expect(before).toHaveLength(first!.index)
    // base64(user:password), the form docker stores, is masked before the first command runs
    const lines = r.main.stdout.split('\n')
    const authMaskLine = lines.indexOf(`::add-mask::${b64(`${hygiene.user}:${hygiene.password}`)}`)
    expect(authMaskLine).toBeGreaterThanOrEqual(0)
    expect(authMaskLine).toBeLessThan(lines.findIndex(l => l.startsWith('[command]')))

    // output, file commands, what the engine and the registry logged meanwhile
    const found = runTexts(r).flatMap(([where, text]) => findNeedles(where, text, needles))
    found.push(...findNeedles('dockerd log (this run)', logSince(env.dockerdLog, logsFrom.dockerd), needles))
    found.push(...findNeedles('registry log (this run)', logSince(env.registry.log, logsFrom.registry), needles))

    // every file left behind; the run folder itself is gone
    const runDir = runDirOf(report, 0, m.shimDir)
    expect(runDir.startsWith(runnerTemp)).toBe(true)
    expect(existsSync(runDir)).toBe(false)
    expect(readdirSync(runnerTemp).filter(f => f.startsWith('docker-ship-'))).toEqual([])
    const tree = scanTree([runnerTemp, m.home, workspace], needles)
    found.push(...tree.found)

    // processes: the argv of any process, the environment of any child of the action
    found.push(...processLeaks(report, 0, needles))
    expect(found).toEqual([])

    // ... and the sampler saw what it had to (the checks above are not vacuous)
    expect(report.errors).toEqual([])
    expect(dwellTimeouts(m.ackDir)).toEqual([])
    const procs = jobProcesses(report, 0)
    const nodes = procs.filter(p => p.root)
    expect(distinctProcesses(nodes)).toBe(1) // main; no post step after a successful main
    for (const p of nodes) {
      // the runner hands the password to node as INPUT_PASSWORD, and in nothing else
      expect(p.environs.flat().filter(e => e.includes(hygiene.password))).toEqual([`INPUT_PASSWORD=${hygiene.password}`])
    }
    const children = procs.filter(p => !p.root)
    for (const p of children) expect(p.environs.flat().filter(e => e.startsWith('INPUT_'))).toEqual([])
    const ran = (program: string, ...args: string[]): ProcessRecord[] =>
      children.filter(p => {
        const x = programOf(p, m.shimDir)
        return x.program === program && args.every(a => x.args.includes(a)) && p.environs.length > 0
      })
    expect(ran('docker', 'login', '--password-stdin').length).toBeGreaterThan(0)
    expect(ran('docker', 'build').length).toBeGreaterThan(0)
    // No credential helper in the run's config: deleting the folder was the logout.
    expect(ran('docker', 'logout')).toEqual([])
    expect(ran('git', 'tag').length).toBeGreaterThan(0)
    // Every docker of the run uses the run's own config, but the engine probe (`buildx inspect` and
    // the plugin lookup under it: read-only, started with the process before the run folder
    // exists) reads the runner's.
    for (const p of [...ran('docker'), ...ran('docker-buildx')]) expect(configUse(p, runDir, m.shimDir, m.home)).toBe('run config')
    // the run's docker config did hold base64(user:password) during main: the file scan had a target
    const configs = report.files.filter(f => f.path === path.join(runDir, 'config', 'config.json'))
    expect(configs.some(f => f.content.includes(b64(`${hygiene.user}:${hygiene.password}`)))).toBe(true)

    const real = children.filter(p => !programOf(p, m.shimDir).shim && programOf(p).program !== 'sleep')
    console.log(
      `[hygiene ${engine}] ${report.samples} samples in ${report.stoppedAt - report.startedAt} ms ` +
        `(poll ${report.meanPollMs.toFixed(1)} ms, gap mean ${report.meanGapMs.toFixed(1)} ms, max ${report.maxGapMs.toFixed(0)} ms); ` +
        `${report.distinctProcesses} processes on the machine (${report.allArgv.length} distinct argv); action: ${distinctProcesses(nodes)} node, ` +
        `${report.acks} children held by a shim, ${distinctProcesses(real)} real children seen: ` +
        [...new Set(real.map(p => `${programOf(p).program} ${programOf(p).args.slice(0, 2).join(' ')}`))].join(' | ') +
        `; ${report.files.length} config.json versions; ${tree.files} files scanned; occurrences found: ${found.length}`
    )
  })
})

/** A registry log line (logrus format): time, user (when logged), method, uri, status. */
interface RegistryLine {
  time: number
  user?: string
  method: string
  uri: string
  status?: number
}
/** Registry log lines of one repository (by vars.name or request uri). */
function registryLines(log: string, repo: string): RegistryLine[] {
  // repository names of uniqueRepo are [a-z0-9/-] only
  const name = new RegExp(`vars\\.name="?${repo}"?( |$)`)
  const uri = new RegExp(`http\\.request\\.uri="?/v2/${repo}/`)
  return log
    .split('\n')
    .filter(l => l.startsWith('time=') && (name.test(l) || uri.test(l)))
    .map(l => ({
      time: Date.parse(/^time="([^"]+)"/.exec(l)![1]!.replace(/(\.\d{3})\d*Z$/, '$1Z')),
      user: /auth\.user\.name="?([^" ]+)"?/.exec(l)?.[1],
      method: /http\.request\.method=(\S+)/.exec(l)?.[1] ?? '',
      uri: /http\.request\.uri="?([^" ]+)"?/.exec(l)?.[1] ?? '',
      status: Number(/http\.response\.status=(\d+)/.exec(l)?.[1] ?? NaN) || undefined
    }))
}

describe.each(['buildx', 'docker'])('two jobs at once on one machine, engine %s', engine => {
  it("push as two users with different rights, each with its own credentials, and survive the other job's clean-up", async () => {
    // The htpasswd registry gives every user every right: the proxy in front of it gives each user
    // write rights to its own repositories only, as Docker Hub or GHCR would.
    const proxy = await FaultProxy.start({
      target: host,
      writeRights: { [hygiene.user]: /^e2e\/fast-/, [peer.user]: /^e2e\/slow-/ }
    })
    try {
      await twoJobs(engine, proxy)
    } finally {
      await proxy.close()
    }
  })
})

async function twoJobs(engine: string, proxy: FaultProxy): Promise<void> {
  const host = proxy.host
  const m = machine()
  // One HOME for both, as two runners of one self-hosted machine share it, with buildx state in it.
  mkdirSync(path.join(m.home, '.docker', 'buildx'), { recursive: true })
  const repoA = uniqueRepo(`fast-${engine}`)
  const repoB = uniqueRepo(`slow-${engine}`)
  const a = jobDirs(m.root, 'runner-a', `FROM ${env.baseImage}\nRUN echo ${repoA} > /id\n`)
  // B is slow: it pushes after A's main logged A out by removing A's run folder.
  const b = jobDirs(m.root, 'runner-b', `FROM ${env.baseImage}\nRUN echo ${repoB} > /id && sleep 4\n`)
  const markers = [randomUUID(), randomUUID()]
  const logFrom = sizeOf(env.registry.log)

  const done: number[] = []
  const job = (i: 0 | 1, dirs: { runnerTemp: string; workspace: string }, repo: string, c: Credentials): Promise<RunResult> =>
    runAction({
      home: m.home,
      ...dirs,
      payload: pushPayload({ ref: 'refs/heads/main' }),
      env: { [MARKER]: markers[i]!, PATH: m.path },
      secrets: [c.password],
      inputs: { registry: host, image: repo, engine, username: c.user, password: c.password }
    }).then(r => {
      done[i] = Date.now()
      return r
    })
  const sampler = { markers: markers.map(v => `${MARKER}=${v}`), watchDirs: [m.home, a.runnerTemp, b.runnerTemp], dwell: m }
  const [[ra, rb], report] = await sampled(sampler, () => Promise.all([job(0, a, repoA, hygiene), job(1, b, repoB, peer)]))
  const aDone = done[0]!
  for (const r of [ra, rb]) {
    expect(r.main.exitCode).toBe(0)
    expect(r.post).toBeUndefined()
    expect(r.main.log).toContain(`Logged out of ${host}`)
  }
  expect((await registry.manifest(repoA, 'latest')).digest).toBe(ra.outputs.digest)
  expect((await registry.manifest(repoB, 'latest')).digest).toBe(rb.outputs.digest)

  // The registry saw each repository written by its own user only (distribution 2.8 names the
  // user on the lines of requests answered with an error, e.g. HEAD of a blob not there yet).
  const log = logSince(env.registry.log, logFrom)
  const linesA = registryLines(log, repoA)
  const linesB = registryLines(log, repoB)
  const usersA = [...new Set(linesA.flatMap(l => (l.user ? [l.user] : [])))]
  const usersB = [...new Set(linesB.flatMap(l => (l.user ? [l.user] : [])))]
  expect(usersA).toEqual([hygiene.user])
  expect(usersB).toEqual([peer.user])
  expect(log).not.toMatch(new RegExp(`error authenticating user \\\\"(${hygiene.user}|${peer.user})\\\\"`))

  // B pushed its manifest after A's whole job had finished.
  const putsB = linesB.filter(l => l.method === 'PUT' && l.uri.includes('/manifests/') && l.status === 201)
  expect(putsB.length).toBeGreaterThan(0)
  const firstPutB = Math.min(...putsB.map(l => l.time))
  expect(firstPutB).toBeGreaterThan(aDone)

  // No child of either job ever held a secret (its own or the other's); each docker ran on its own config;
  // A's credentials were gone before B pushed (below).
  expect(report.errors).toEqual([])
  expect(dwellTimeouts(m.ackDir)).toEqual([])
  const found = [...processLeaks(report, 0, needlesOf(hygiene, peer)), ...processLeaks(report, 1, needlesOf(hygiene, peer))]
  const runDirA = runDirOf(report, 0, m.shimDir)
  const runDirB = runDirOf(report, 1, m.shimDir)
  const dockerOf = (job: number): ProcessRecord[] =>
    jobProcesses(report, job).filter(p => !p.root && p.environs.length > 0 && /^docker/.test(programOf(p, m.shimDir).program))
  for (const p of dockerOf(0)) expect(configUse(p, runDirA, m.shimDir, m.home)).toBe('run config')
  for (const p of dockerOf(1)) expect(configUse(p, runDirB, m.shimDir, m.home)).toBe('run config')
  expect(dockerOf(1).some(p => programOf(p, m.shimDir).args.includes('login'))).toBe(true)

  // The docker configs: A's only ever held A, B's only B, HOME's nothing; B's still held B after A ended.
  const authA = b64(`${hygiene.user}:${hygiene.password}`)
  const authB = b64(`${peer.user}:${peer.password}`)
  const filesA = report.files.filter(f => f.path.startsWith(a.runnerTemp))
  const filesB = report.files.filter(f => f.path.startsWith(b.runnerTemp))
  const filesHome = report.files.filter(f => f.path.startsWith(m.home))
  expect(filesA.some(f => f.content.includes(authA))).toBe(true)
  const lastA = Math.max(...filesA.filter(f => f.content.includes(authA)).map(f => f.lastSeen))
  expect(lastA).toBeLessThan(firstPutB)
  expect(filesB.some(f => f.content.includes(authB))).toBe(true)
  for (const f of filesA) found.push(...findNeedles(`config ${f.path}`, f.content, needlesOf(peer)))
  for (const f of filesB) found.push(...findNeedles(`config ${f.path}`, f.content, needlesOf(hygiene)))
  for (const f of filesHome) found.push(...findNeedles(`config ${f.path}`, f.content, needlesOf(hygiene, peer)))
  expect(filesHome.filter(f => f.content.includes('"auth'))).toEqual([])
  const bStillIn = Math.max(...filesB.filter(f => f.content.includes(authB)).map(f => f.lastSeen))
  expect(bStillIn).toBeGreaterThan(aDone)

  // After both: no run folder, no secret left anywhere; the shared buildx state is still there.
  for (const [r, dir] of [
    [ra, runDirA],
    [rb, runDirB]
  ] as const) {
    expect(existsSync(dir)).toBe(false)
    for (const [where, text] of runTexts(r)) found.push(...findNeedles(where, text, needlesOf(hygiene, peer)))
  }
  const tree = scanTree([m.home, a.runnerTemp, b.runnerTemp, a.workspace, b.workspace], needlesOf(hygiene, peer))
  found.push(...tree.found)
  expect(existsSync(path.join(m.home, '.docker', 'buildx'))).toBe(true)
  expect(found).toEqual([])

  const iso = (t: number): string => new Date(t).toISOString().slice(11, 23)
  console.log(
    `[two jobs ${engine}] ${report.samples} samples (poll ${report.meanPollMs.toFixed(1)} ms, gap mean ${report.meanGapMs.toFixed(1)} ms, ` +
      `max ${report.maxGapMs.toFixed(0)} ms); docker processes A ${distinctProcesses(dockerOf(0))}, B ${distinctProcesses(dockerOf(1))}; ` +
      `registry lines naming a user: A ${linesA.filter(l => l.user).length} (${usersA}), B ${linesB.filter(l => l.user).length} (${usersB}); ` +
      `A credentials last seen ${iso(lastA)}, A done ${iso(aDone)}, ` +
      `B config with B's auth seen until ${iso(bStillIn)}, B first manifest PUT ${iso(firstPutB)}; ` +
      `${tree.files} files scanned; occurrences found: ${found.length}`
  )

  // Rights differ: B's credentials cannot write to A's repositories, and the action says so.
  const crossRepo = uniqueRepo(`fast-cross-${engine}`)
  const cross = await runAction({
    home: m.home,
    ...jobDirs(m.root, 'runner-c', `FROM ${env.baseImage}\nRUN echo cross > /id\n`),
    payload: pushPayload({ ref: 'refs/heads/main' }),
    // the real docker: no sampler runs now to release the shims
    secrets: [peer.password],
    inputs: { registry: host, image: crossRepo, engine, username: peer.user, password: peer.password }
  })
  expect(cross.main.exitCode).toBe(1)
  expect(cross.main.log).toMatch(/##\[error\]Push failed: .*(denied|403 Forbidden)/)
  expect(cross.main.log).not.toMatch(/; retry \d+ of/) // denied is final: never retried
  expect(await registry.tags(crossRepo)).toEqual([])
  expect(proxy.requests.filter(q => q.fault === 'denied').length).toBeGreaterThan(0)
}

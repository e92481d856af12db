// Secret hygiene of a whole job (main + post) watched from outside: argv of every process and the
// environment of the action's children sampled every few ms, then every trace the job leaves
// (stdout/stderr, file commands, RUNNER_TEMP, HOME, the workspace, engine and registry logs)
// searched for the password and its base64 forms. And two jobs at once on one machine, as two
// users of the same registry: each pushes with its own credentials and survives the other's post.
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import {
  distinctProcesses,
  jobProcesses,
  type ProcessRecord,
  type SamplerOptions,
  type SamplerReport,
  startProcSampler
} from './support/proc-sampler.js'
import { pushPayload } from './support/payloads.js'
import { readE2EEnv, registryClient } from './support/registry.js'
import { cleanupRuns, runAction, type RunResult, type StepResult } from './support/runner.js'
import { uniqueRepo } from './support/workspace.js'

const env = readE2EEnv()
const registry = registryClient(env, 1)
const host = env.registry.host

function extraUser(n: 3 | 4): { user: string; password: string } {
  const user = env.raw[`E2E_REGISTRY_USER${n}`]
  const password = env.raw[`E2E_REGISTRY_PASSWORD${n}`]
  if (!user || !password) throw new Error(`${env.file} has no E2E_REGISTRY_USER${n}/PASSWORD${n}: rerun \`npm run e2e:env\``)
  return { user, password }
}
const hygiene = extraUser(3) // ci-hygiene
const peer = extraUser(4) // ci-peer

const MARKER = 'E2E_PROC_MARKER'
const b64 = (s: string): string => Buffer.from(s).toString('base64')

/** The forms of one user's secret that must appear nowhere. */
function needlesOf(c: { user: string; password: string }): Record<string, string> {
  return {
    [`password of ${c.user}`]: c.password,
    [`base64(${c.user}:password)`]: b64(`${c.user}:${c.password}`),
    [`base64(password of ${c.user})`]: b64(c.password)
  }
}

function count(hay: string, needle: string): number {
  let n = 0
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) n++
  return n
}

/** "where: needle xN" for every needle found in text (latin1, so any byte sequence is searched). */
function findNeedles(where: string, text: string | Buffer, needles: Record<string, string>): string[] {
  const hay = typeof text === 'string' ? text : text.toString('latin1')
  return Object.entries(needles).flatMap(([name, v]) => {
    const n = count(hay, v)
    return n > 0 ? [`${where}: ${name} x${n}`] : []
  })
}

/** Every regular file under dir (symlinks not followed, listed apart). */
function walk(dir: string, out: { files: string[]; links: string[] } = { files: [], links: [] }): { files: string[]; links: string[] } {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return out
  }
  for (const name of names) {
    const p = path.join(dir, name)
    const st = lstatSync(p)
    if (st.isSymbolicLink()) out.links.push(p)
    else if (st.isDirectory()) walk(p, out)
    else if (st.isFile()) out.files.push(p)
  }
  return out
}

function scanTree(dirs: string[], needles: Record<string, string>): { files: number; found: string[] } {
  let files = 0
  const found: string[] = []
  for (const d of dirs) {
    const w = walk(d)
    files += w.files.length
    for (const f of w.files) found.push(...findNeedles(f, readFileSync(f), needles))
  }
  return { files, found }
}

function stepTexts(step: StepResult | undefined): Array<[string, string]> {
  if (!step) return []
  const read = (f: string): string => (existsSync(f) ? readFileSync(f, 'utf8') : '')
  return [
    [`${step.stage} stdout (add-mask lines left out)`, step.stdout.replace(/^\s*::add-mask::.*$/gm, '')],
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

/** What a log file got since `from` (byte offset). */
function logSince(file: string | undefined, from: number): string {
  if (!file || !existsSync(file)) return ''
  return readFileSync(file).subarray(from).toString('latin1')
}
const sizeOf = (file: string | undefined): number => (file && existsSync(file) ? statSync(file).size : 0)

/** Argv and children's environments of a sampler report that hold a needle. */
function processLeaks(report: SamplerReport, job: number, needles: Record<string, string>): string[] {
  const found: string[] = []
  for (const a of report.allArgv) found.push(...findNeedles(`argv "${a.slice(0, 80)}"`, a, needles))
  for (const p of jobProcesses(report, job)) {
    if (p.root) continue
    for (const e of p.environs) found.push(...findNeedles(`environ of ${p.pid} ${p.argv.join(' ').slice(0, 60)}`, e.join('\n'), needles))
  }
  return found
}

/** Runs fn with a process sampler watching, stopped whatever fn does. */
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

const argvHas = (p: ProcessRecord, ...words: string[]): boolean => words.every(w => p.argv.includes(w))
const isDocker = (p: ProcessRecord): boolean => /(^|\/)docker(-buildx)?$/.test(p.argv[0] ?? '')
const envValue = (p: ProcessRecord, name: string): string | undefined =>
  p.environs
    .flat()
    .find(e => e.startsWith(`${name}=`))
    ?.slice(name.length + 1)

/** A job's folders: HOME (given, to share it), RUNNER_TEMP and a git checkout with a Dockerfile. */
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
function tempRoot(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'docker-ship-hygiene-'))
  roots.push(d)
  return d
}
afterAll(async () => {
  await cleanupRuns()
  for (const d of roots) rmSync(d, { recursive: true, force: true })
})

describe.each(['buildx', 'docker'])('secret hygiene of a main + post run, engine %s', engine => {
  it('never shows the password or base64(user:password) in argv, children, output, files or logs', async () => {
    const root = tempRoot()
    const home = path.join(root, 'home')
    mkdirSync(home)
    const repo = uniqueRepo(`hygiene-${engine}`)
    const { runnerTemp, workspace } = jobDirs(root, 'job', `FROM ${env.baseImage}\nRUN echo ${repo} > /id\n`)
    const needles = needlesOf(hygiene)
    const logsFrom = { registry: sizeOf(env.registry.log), dockerd: sizeOf(env.dockerdLog) }
    const marker = randomUUID()

    const [r, report] = await sampled({ markers: [`${MARKER}=${marker}`], watchDirs: [home, runnerTemp, workspace] }, () =>
      runAction({
        home,
        runnerTemp,
        workspace,
        payload: pushPayload({ ref: 'refs/tags/v1.0.0' }),
        env: { [MARKER]: marker },
        // Not given as a job secret: the masking seen here is the action's own ::add-mask::.
        inputs: { registry: host, image: repo, engine, username: hygiene.user, password: hygiene.password, latest: 'semver' }
      })
    )
    expect(r.main.exitCode).toBe(0)
    expect(r.post?.conclusion).toBe('success')
    expect(r.outputs.pushed).toBe('true')
    expect(await registry.tags(repo)).toContain('1.0.0')

    // ::add-mask::<password> is the first line of the step (stdout and stderr interleaved);
    // only other add-mask commands may come before it.
    const first = r.main.commands.find(c => c.command === 'add-mask' && c.message === hygiene.password)
    expect(first).toBeDefined()
    const before = r.main.commands.filter(c => c.index < first!.index)
    expect(before.every(c => c.command === 'add-mask')).toBe(true)
    expect(before).toHaveLength(first!.index)
    // the stored form gets its own mask, before any docker command ran
    const authMask = r.main.commands.find(c => c.command === 'add-mask' && c.message === b64(`${hygiene.user}:${hygiene.password}`))
    expect(authMask).toBeDefined()
    const firstCommandLine = r.main.stdout.split('\n').findIndex(l => l.startsWith('[command]'))
    const authMaskLine = r.main.stdout.split('\n').findIndex(l => l.startsWith(`::add-mask::${authMask!.message}`))
    expect(authMaskLine).toBeGreaterThanOrEqual(0)
    expect(authMaskLine).toBeLessThan(firstCommandLine)

    // output, file commands, logs of the engine and registry during the run
    const found = runTexts(r).flatMap(([where, text]) => findNeedles(where, text, needles))
    found.push(...findNeedles('dockerd log (this run)', logSince(env.dockerdLog, logsFrom.dockerd), needles))
    found.push(...findNeedles('registry log (this run)', logSince(env.registry.log, logsFrom.registry), needles))

    // every file left behind; the run folder itself is gone
    const runDir = JSON.parse(r.state.post).root as string
    expect(runDir.startsWith(runnerTemp)).toBe(true)
    expect(existsSync(runDir)).toBe(false)
    expect(readdirSync(runnerTemp).filter(f => f.startsWith('docker-ship-'))).toEqual([])
    const tree = scanTree([runnerTemp, home, workspace], needles)
    found.push(...tree.found)

    // processes: no argv anywhere; no environment of a child of the action
    found.push(...processLeaks(report, 0, needles))
    expect(found).toEqual([])

    // ... and the sampler really saw what it had to see (so the above is not vacuous)
    expect(report.errors).toEqual([])
    const procs = jobProcesses(report, 0)
    const rootsSeen = procs.filter(p => p.root)
    expect(distinctProcesses(rootsSeen)).toBe(2) // main and post
    for (const p of rootsSeen) {
      // the runner gives the password to node as INPUT_PASSWORD, and in nothing else
      const holding = p.environs.flat().filter(e => e.includes(hygiene.password))
      expect(holding).toEqual([`INPUT_PASSWORD=${hygiene.password}`])
    }
    const children = procs.filter(p => !p.root)
    for (const p of children) expect(p.environs.flat().filter(e => e.startsWith('INPUT_'))).toEqual([])
    const docker = children.filter(isDocker)
    expect(docker.some(p => argvHas(p, 'login', '--password-stdin'))).toBe(true)
    expect(docker.some(p => argvHas(p, 'build'))).toBe(true)
    expect(docker.some(p => argvHas(p, 'logout'))).toBe(true)
    expect(children.some(p => argvHas(p, 'git', 'tag'))).toBe(true)
    for (const p of docker) expect(envValue(p, 'DOCKER_CONFIG')).toBe(path.join(runDir, 'config'))
    // the docker config did hold base64(user:password) during main (the scan above had a target)
    const configs = report.files.filter(f => f.path === path.join(runDir, 'config', 'config.json'))
    expect(configs.some(f => f.content.includes(b64(`${hygiene.user}:${hygiene.password}`)))).toBe(true)

    console.log(
      `[hygiene ${engine}] ${report.samples} samples in ${report.stoppedAt - report.startedAt} ms ` +
        `(gap mean ${report.meanGapMs.toFixed(1)} ms, max ${report.maxGapMs} ms); ${report.distinctProcesses} processes on the machine, ` +
        `${distinctProcesses(children.filter(p => !p.preExec))} children of the action: ` +
        [...new Set(children.map(p => p.argv.slice(0, 3).join(' ')))].join(' | ') +
        `; ${children.filter(p => p.preExec).length} pre-exec forks; ${report.files.length} config.json versions; ` +
        `${tree.files} files scanned; leaks: ${found.length}`
    )
  })
})

/** Registry log lines (logrus format) of one repository: time, user (when logged), method, uri, status. */
interface RegistryLine {
  time: number
  user?: string
  method: string
  uri: string
  status?: number
  msg: string
}
function registryLines(log: string, repo: string): RegistryLine[] {
  // repository names of uniqueRepo are [a-z0-9/-] only
  const name = new RegExp(`vars\\.name="?${repo}"?( |$)`)
  return log
    .split('\n')
    .filter(l => l.startsWith('time=') && name.test(l))
    .map(l => {
      const t = /^time="([^"]+)"/.exec(l)![1]!
      const ms = Date.parse(t.replace(/(\.\d{3})\d*Z$/, '$1Z'))
      return {
        time: ms,
        user: /auth\.user\.name="?([^" ]+)"?/.exec(l)?.[1],
        method: /http\.request\.method=(\S+)/.exec(l)?.[1] ?? '',
        uri: /http\.request\.uri="?([^" ]+)"?/.exec(l)?.[1] ?? '',
        status: Number(/http\.response\.status=(\d+)/.exec(l)?.[1] ?? NaN) || undefined,
        msg: /msg="((?:[^"\\]|\\.)*)"/.exec(l)?.[1] ?? ''
      }
    })
}

describe.each(['buildx', 'docker'])('two jobs at once on one machine, engine %s', engine => {
  it('push as two users of one registry, each with its own credentials, and survive the other post step', async () => {
    const root = tempRoot()
    // One HOME for both, as two runners of one self-hosted machine share it, with buildx state in it.
    const home = path.join(root, 'home')
    mkdirSync(path.join(home, '.docker', 'buildx'), { recursive: true })
    const repoA = uniqueRepo(`fast-${engine}`)
    const repoB = uniqueRepo(`slow-${engine}`)
    const a = jobDirs(root, 'runner-a', `FROM ${env.baseImage}\nRUN echo ${repoA} > /id\n`)
    // B is slow: its push comes after A's post step logged A out and removed A's run folder.
    const b = jobDirs(root, 'runner-b', `FROM ${env.baseImage}\nRUN echo ${repoB} > /id && sleep 4\n`)
    const markers = [`${MARKER}=${randomUUID()}`, `${MARKER}=${randomUUID()}`]
    const logFrom = sizeOf(env.registry.log)

    const done: number[] = []
    const job = (i: 0 | 1, dirs: { runnerTemp: string; workspace: string }, repo: string, c: typeof hygiene): Promise<RunResult> =>
      runAction({
        home,
        ...dirs,
        payload: pushPayload({ ref: 'refs/heads/main' }),
        env: { [MARKER]: markers[i]!.split('=')[1]! },
        secrets: [c.password],
        inputs: { registry: host, image: repo, engine, username: c.user, password: c.password }
      }).then(r => {
        done[i] = Date.now()
        return r
      })
    const [[ra, rb], report] = await sampled({ markers, watchDirs: [home, a.runnerTemp, b.runnerTemp] }, () =>
      Promise.all([job(0, a, repoA, hygiene), job(1, b, repoB, peer)])
    )
    const aDone = done[0]!
    for (const r of [ra, rb]) {
      expect(r.main.exitCode).toBe(0)
      expect(r.post?.conclusion).toBe('success')
      expect(r.post?.log).toContain(`Logged out of ${host}`)
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

    // B pushed its manifest after A's whole job (post included) had finished.
    const putsB = linesB.filter(l => l.method === 'PUT' && l.uri.includes('/manifests/') && l.status === 201)
    expect(putsB.length).toBeGreaterThan(0)
    const firstPutB = Math.min(...putsB.map(l => l.time))
    expect(firstPutB).toBeGreaterThan(aDone)

    // Neither job's processes ever held the other's secret, and each docker ran on its own config.
    const found = [...processLeaks(report, 0, needlesOf(peer)), ...processLeaks(report, 1, needlesOf(hygiene))]
    const procsA = jobProcesses(report, 0).filter(p => !p.root)
    const procsB = jobProcesses(report, 1).filter(p => !p.root)
    const runDirA = JSON.parse(ra.state.post).root as string
    const runDirB = JSON.parse(rb.state.post).root as string
    for (const p of procsA.filter(isDocker)) expect(envValue(p, 'DOCKER_CONFIG')).toBe(path.join(runDirA, 'config'))
    for (const p of procsB.filter(isDocker)) expect(envValue(p, 'DOCKER_CONFIG')).toBe(path.join(runDirB, 'config'))
    const logoutA = procsA.filter(p => isDocker(p) && argvHas(p, 'logout'))
    expect(logoutA.length).toBeGreaterThan(0)
    expect(Math.max(...logoutA.map(p => p.lastSeen))).toBeLessThan(firstPutB)
    expect(procsB.some(p => isDocker(p) && argvHas(p, 'login'))).toBe(true)

    // The docker configs: A's only ever held A, B's only B, HOME's none; B's still held B after A's post.
    const authA = b64(`${hygiene.user}:${hygiene.password}`)
    const authB = b64(`${peer.user}:${peer.password}`)
    const filesA = report.files.filter(f => f.path.startsWith(a.runnerTemp))
    const filesB = report.files.filter(f => f.path.startsWith(b.runnerTemp))
    const filesHome = report.files.filter(f => f.path.startsWith(home))
    expect(filesA.some(f => f.content.includes(authA))).toBe(true)
    expect(filesB.some(f => f.content.includes(authB))).toBe(true)
    for (const f of filesA) found.push(...findNeedles(`config ${f.path}`, f.content, needlesOf(peer)))
    for (const f of filesB) found.push(...findNeedles(`config ${f.path}`, f.content, needlesOf(hygiene)))
    for (const f of filesHome) found.push(...findNeedles(`config ${f.path}`, f.content, { ...needlesOf(hygiene), ...needlesOf(peer) }))
    expect(filesHome.filter(f => f.content.includes('"auth'))).toEqual([])
    const bStillIn = filesB.filter(f => f.content.includes(authB)).map(f => f.lastSeen)
    expect(Math.max(...bStillIn)).toBeGreaterThan(aDone)

    // After both: no run folder, no secret left anywhere; the shared buildx state is still there.
    for (const [r, dir] of [
      [ra, runDirA],
      [rb, runDirB]
    ] as const) {
      expect(existsSync(dir)).toBe(false)
      for (const [where, text] of runTexts(r)) found.push(...findNeedles(where, text, { ...needlesOf(hygiene), ...needlesOf(peer) }))
    }
    const tree = scanTree([home, a.runnerTemp, b.runnerTemp, a.workspace, b.workspace], { ...needlesOf(hygiene), ...needlesOf(peer) })
    found.push(...tree.found)
    expect(existsSync(path.join(home, '.docker', 'buildx'))).toBe(true)
    expect(found).toEqual([])
    expect(report.errors).toEqual([])

    console.log(
      `[two jobs ${engine}] ${report.samples} samples (gap mean ${report.meanGapMs.toFixed(1)} ms, max ${report.maxGapMs} ms); ` +
        `children A ${distinctProcesses(procsA.filter(p => !p.preExec))}, B ${distinctProcesses(procsB.filter(p => !p.preExec))}; ` +
        `registry lines naming a user: ${repoA} ${linesA.filter(l => l.user).length} (${usersA}), ${repoB} ${linesB.filter(l => l.user).length} (${usersB}); ` +
        `A done ${new Date(aDone).toISOString()}, A logout seen last ${new Date(Math.max(...logoutA.map(p => p.lastSeen))).toISOString()}, ` +
        `B first manifest PUT ${new Date(firstPutB).toISOString()}, B config with B's auth seen until ${new Date(Math.max(...bStillIn)).toISOString()}; ` +
        `${tree.files} files scanned; leaks: ${found.length}`
    )
  })
})

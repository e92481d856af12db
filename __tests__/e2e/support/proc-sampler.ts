// Watches the processes of this machine while an action runs, for secret-hygiene tests.
//
// A separate node process (so the polling goes on while the test awaits the action) reads, every
// few milliseconds:
//   - /proc/<pid>/cmdline of EVERY process (argv must never hold a secret, whoever runs it);
//   - /proc/<pid>/environ of the action's processes: the "roots" (a process whose argv names the
//     action's script and whose environment holds one of the given marker entries, e.g. the
//     main and post `node dist/index.js`) and every descendant of a root (found by walking the
//     ppid of /proc/<pid>/stat), plus any process whose environment holds a marker (an escaped
//     grandchild). A process once in a root's tree stays in it (reparenting after exit);
//   - the content of every file named config.json under the watched folders (docker configs),
//     symlinks not followed.
// Everything distinct is recorded (argv per pid and exec, environ blocks, config contents with
// first/last time seen); the test searches the report. Nothing secret is given to the sampler.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'

export interface SamplerOptions {
  /** `NAME=value` entries, one per job: a process whose environ holds one is an action process. */
  markers: string[]
  /** A root's argv must contain this (default 'dist/index.js'). */
  rootArgvIncludes?: string
  /** Delay between two polls (default 2 ms; a poll itself takes about 1 ms). */
  intervalMs?: number
  /** Folders whose config.json files (up to 6 levels deep) are read on every poll. */
  watchDirs?: string[]
}

export interface ProcessRecord {
  pid: number
  /** Start time in clock ticks since boot (with pid: the process identity). */
  start: number
  ppid: number
  argv: string[]
  /** Target of /proc/<pid>/exe ('' when unreadable, e.g. kernel threads). */
  exe: string
  /** Index into markers of the job this process belongs to, or -1 (not an action process). */
  job: number
  root: boolean
  /** A fork of its parent that has not exec'd yet (same exe and argv as the parent). */
  preExec: boolean
  /** Distinct environment blocks read (action processes only), each as NAME=value entries. */
  environs: string[][]
  firstSeen: number
  lastSeen: number
}

export interface WatchedFile {
  path: string
  content: string
  firstSeen: number
  lastSeen: number
}

export interface SamplerReport {
  samples: number
  startedAt: number
  stoppedAt: number
  /** Mean and longest time between the starts of two polls, in ms. */
  meanGapMs: number
  maxGapMs: number
  /** One record per distinct (pid, start, argv). */
  processes: ProcessRecord[]
  /** Distinct processes (pid + start time) seen on the whole machine. */
  distinctProcesses: number
  /** Every distinct argv seen on the machine (joined by spaces), for all processes. */
  allArgv: string[]
  files: WatchedFile[]
  errors: string[]
}

export interface ProcSampler {
  readonly pid: number
  /** Stops polling (after one last poll) and returns what was seen. */
  stop(): Promise<SamplerReport>
}

// The sampler process: plain JavaScript (it runs with `node -e`), config on stdin's first line,
// "stop" on stdin ends it, the report is printed as JSON on stdout.
const SAMPLER_SOURCE = String.raw`
'use strict'
const fs = require('fs')
const path = require('path')
let config = null
let stopping = false
let input = ''
const processes = new Map() // key pid:start:argv -> record
const known = new Map() // pid:start -> { job, root }
const allArgv = new Set()
const files = new Map()
const errors = []
let samples = 0, startedAt = 0, lastTick = 0, gapSum = 0, maxGap = 0

function read(file) { try { return fs.readFileSync(file) } catch { return null } }
function stat(pid) {
  const b = read('/proc/' + pid + '/stat')
  if (!b) return null
  const s = b.toString('latin1')
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
  return { ppid: Number(f[1]), start: Number(f[19]) }
}
function split0(b) { const s = b.toString('utf8'); return (s.endsWith('\0') ? s.slice(0, -1) : s).split('\0').filter((x, i, a) => a.length > 1 || x !== '') }

function tick() {
  const now = Date.now()
  if (samples > 0) { const gap = now - lastTick; gapSum += gap; if (gap > maxGap) maxGap = gap }
  lastTick = now
  samples++
  const seen = new Map()
  let names
  try { names = fs.readdirSync('/proc') } catch (e) { errors.push(String(e)); names = [] }
  for (const name of names) {
    if (!/^[0-9]+$/.test(name)) continue
    const pid = Number(name)
    const st = stat(pid)
    if (!st) continue
    const cmd = read('/proc/' + pid + '/cmdline')
    if (!cmd) continue
    const argv = split0(cmd)
    seen.set(pid, { pid, ppid: st.ppid, start: st.start, argv, raw: cmd })
  }
  // jobs: roots first, then descendants by ppid, then processes holding a marker
  const jobOf = new Map()
  const envCache = new Map()
  const environ = p => {
    if (!envCache.has(p.pid)) { const b = read('/proc/' + p.pid + '/environ'); envCache.set(p.pid, b ? split0(b) : null) }
    return envCache.get(p.pid)
  }
  const markerJob = p => {
    const env = environ(p)
    if (!env) return -1
    for (let i = 0; i < config.markers.length; i++) if (env.includes(config.markers[i])) return i
    return -1
  }
  for (const p of seen.values()) {
    const id = p.pid + ':' + p.start
    const k = known.get(id)
    if (k && k.root) { jobOf.set(p.pid, { job: k.job, root: true }); continue }
    if (p.argv.some(a => a.includes(config.rootArgvIncludes))) {
      const j = markerJob(p)
      if (j >= 0) { jobOf.set(p.pid, { job: j, root: true }); known.set(id, { job: j, root: true }) }
    }
  }
  for (const p of seen.values()) {
    if (jobOf.has(p.pid)) continue
    const id = p.pid + ':' + p.start
    let job = known.has(id) ? known.get(id).job : -1
    if (job < 0) {
      const chain = new Set()
      for (let q = seen.get(p.ppid); q && !chain.has(q.pid); q = seen.get(q.ppid)) {
        chain.add(q.pid)
        const r = jobOf.get(q.pid)
        if (r && r.root) { job = r.job; break }
      }
    }
    if (job < 0 && !known.has(id)) {
      // a process never seen before: does its environment hold a marker (escaped the tree)?
      job = markerJob(p)
    }
    if (job >= 0 || !known.has(id)) known.set(id, { job, root: false })
    if (job >= 0) jobOf.set(p.pid, { job, root: false })
  }
  for (const p of seen.values()) {
    const argvText = p.argv.join(' ')
    allArgv.add(argvText)
    const key = p.pid + ':' + p.start + ':' + p.raw.toString('base64')
    let rec = processes.get(key)
    const j = jobOf.get(p.pid)
    if (!rec) {
      if (!j) { // record non-action processes only once per argv (all of them are in allArgv)
        continue
      }
      let exe = ''
      try { exe = fs.readlinkSync('/proc/' + p.pid + '/exe') } catch {}
      const parent = seen.get(p.ppid)
      let parentExe = ''
      if (parent) try { parentExe = fs.readlinkSync('/proc/' + parent.pid + '/exe') } catch {}
      const preExec = !j.root && !!parent && exe !== '' && exe === parentExe && parent.raw.equals(p.raw)
      rec = { pid: p.pid, start: p.start, ppid: p.ppid, argv: p.argv, exe, job: j.job, root: j.root, preExec, environs: [], envKeys: new Set(), firstSeen: now, lastSeen: now }
      processes.set(key, rec)
    }
    rec.lastSeen = now
    const env = environ(p)
    if (env) {
      const ek = env.join('\0')
      if (!rec.envKeys.has(ek)) { rec.envKeys.add(ek); rec.environs.push(env) }
    }
  }
  for (const dir of config.watchDirs) watch(dir, 0, now)
}

function watch(dir, depth, now) {
  let entries
  try { entries = fs.readdirSync(dir, { withFileTypes: true }) } catch { return }
  for (const e of entries) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) { if (depth < 6) watch(p, depth + 1, now) }
    else if (e.isFile() && e.name === 'config.json') {
      const b = read(p)
      if (!b) continue
      const content = b.toString('utf8')
      const key = p + '\0' + content
      const f = files.get(key)
      if (f) f.lastSeen = now
      else files.set(key, { path: p, content, firstSeen: now, lastSeen: now })
    }
  }
}

function loop() {
  try { tick() } catch (e) { errors.push(String(e && e.stack || e)) }
  if (stopping) return finish()
  setTimeout(loop, config.intervalMs)
}

function finish() {
  const report = {
    samples, startedAt, stoppedAt: Date.now(),
    meanGapMs: samples > 1 ? gapSum / (samples - 1) : 0, maxGapMs: maxGap,
    processes: [...processes.values()].map(({ envKeys, ...r }) => r),
    distinctProcesses: known.size,
    allArgv: [...allArgv], files: [...files.values()], errors
  }
  process.stdout.write(JSON.stringify(report) + '\n', () => process.exit(0))
}

process.stdin.setEncoding('utf8')
process.stdin.on('data', d => {
  input += d
  if (!config && input.includes('\n')) {
    config = JSON.parse(input.slice(0, input.indexOf('\n')))
    input = input.slice(input.indexOf('\n') + 1)
    startedAt = Date.now()
    tick()
    process.stdout.write('ready\n')
    setTimeout(loop, config.intervalMs)
  }
  if (input.includes('stop')) stopping = true
})
process.stdin.on('end', () => { stopping = true })
`

/** Starts the sampler; resolves once it has taken its first sample. */
export async function startProcSampler(opts: SamplerOptions): Promise<ProcSampler> {
  const config = {
    markers: opts.markers,
    rootArgvIncludes: opts.rootArgvIncludes ?? 'dist/index.js',
    intervalMs: opts.intervalMs ?? 2,
    watchDirs: opts.watchDirs ?? []
  }
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['-e', SAMPLER_SOURCE], {
    stdio: ['pipe', 'pipe', 'pipe'],
    // only what node needs: the sampler must not carry anything of the test's environment
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8')
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (d: string) => (stderr += d))
  const exited = new Promise<number | null>(resolve => child.on('close', code => resolve(code)))
  await new Promise<void>((resolve, reject) => {
    const onData = (d: string): void => {
      stdout += d
      if (stdout.startsWith('ready\n')) {
        stdout = stdout.slice('ready\n'.length)
        child.stdout.off('data', onData)
        child.stdout.on('data', (more: string) => (stdout += more))
        resolve()
      }
    }
    child.stdout.on('data', onData)
    void exited.then(code => reject(new Error(`proc sampler exited (code ${code}) before its first sample: ${stderr}`)))
    child.stdin.write(`${JSON.stringify(config)}\n`)
  })
  return {
    pid: child.pid!,
    async stop(): Promise<SamplerReport> {
      child.stdin.end('stop\n')
      const code = await exited
      if (code !== 0) throw new Error(`proc sampler exited with code ${code}: ${stderr}`)
      return JSON.parse(stdout) as SamplerReport
    }
  }
}

/** Action processes of one job (index into markers) that really ran a program of their own:
 *  roots and exec'd descendants, not forks that have yet to exec. */
export function jobProcesses(report: SamplerReport, job: number): ProcessRecord[] {
  return report.processes.filter(p => p.job === job && !p.preExec)
}

/** Distinct processes (pid + start time) among records. */
export function distinctProcesses(records: ProcessRecord[]): number {
  return new Set(records.map(p => `${p.pid}:${p.start}`)).size
}

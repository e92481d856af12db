// Watches the processes of this machine while an action runs, for secret-hygiene tests.
//
// A separate node process (so the polling goes on while the test awaits the action; niced to -15
// when run as root, so it keeps its pace on a loaded machine) reads, every few milliseconds:
//   - /proc/<pid>/cmdline of EVERY process (argv must never hold a secret, whoever runs it);
//   - /proc/<pid>/environ of the action's processes: the "roots" (a process whose argv names the
//     action's script and whose environment holds one of the given marker entries, e.g. the
//     main and post `node dist/index.js`; a fork of a root is not one) and every descendant of a
//     root (found by walking the ppid of /proc/<pid>/stat), plus any process whose environment
//     holds a marker (an escaped grandchild). Membership sticks (an orphan is reparented);
//   - the content of every file named config.json under the watched folders (docker configs),
//     symlinks not followed.
// Everything distinct is recorded (argv per pid and exec, environ blocks, config contents with
// first/last time seen); the test searches the report. Nothing secret is given to the sampler.
//
// Polling alone can miss a child that lives a few ms (docker logout, git tag). writeDwellShims
// makes such children wait until they are recorded: see there.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { accessSync, constants, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'

export interface SamplerOptions {
  /** `NAME=value` entries, one per job: a process whose environ holds one is an action process. */
  markers: string[]
  /** A root's argv must contain this (default 'dist/index.js'). */
  rootArgvIncludes?: string
  /** Delay between two polls (default 2 ms; a poll itself takes 2-3 ms with ~180 processes). */
  intervalMs?: number
  /** Folders whose config.json files (up to 6 levels deep) are read on every poll. */
  watchDirs?: string[]
  /** Dwell shims (see writeDwellShims): the folder they wait on, and the shim folder (an action
   *  process with an argv entry starting with it is acknowledged once recorded). */
  dwell?: { ackDir: string; shimDir: string }
}

export interface ProcessRecord {
  pid: number
  /** Start time in clock ticks since boot (with pid: the process identity). */
  start: number
  ppid: number
  argv: string[]
  /** Target of /proc/<pid>/exe ('' when unreadable, e.g. kernel threads). */
  exe: string
  /** Index into markers of the job (action) this process belongs to. */
  job: number
  root: boolean
  /** A fork of its parent that has not exec'd yet (same argv as the parent): it still shows the
   *  parent's environment, and is left out of jobProcesses. */
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
  /** Mean and longest time between the starts of two polls, and mean time of one poll, in ms. */
  meanGapMs: number
  maxGapMs: number
  meanPollMs: number
  /** Action processes only: one record per distinct (pid, start, argv). */
  processes: ProcessRecord[]
  /** Dwell shims let go after being recorded. */
  acks: number
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
const os = require('os')
const path = require('path')
// Under load the polls must keep their pace: run ahead of the build (needs root; best effort).
try { os.setPriority(0, -15) } catch {}
let config = null
let stopping = false
let input = ''
const buf = Buffer.allocUnsafe(1 << 16)
const procs = new Map() // pid -> { pid, start, ppid, raw, argv, tick }, live processes
const member = new Map() // pid:start -> { job, root }
const checked = new Set() // pid:start:argv whose environ was looked at for a marker
const records = new Map() // pid:start:argv -> report record
const allArgv = new Set()
const identities = new Set()
const files = new Map()
const errors = []
let acks = 0
let samples = 0, startedAt = 0, lastTick = 0, gapSum = 0, maxGap = 0, tickSum = 0, tickNo = 0

// Reads a /proc file into buf; returns its length, -1 when unreadable, -2 when bigger than buf.
function readInto(file) {
  let fd
  try { fd = fs.openSync(file, 'r') } catch { return -1 }
  try {
    let n = 0
    for (;;) {
      const r = fs.readSync(fd, buf, n, buf.length - n, null)
      if (r === 0) return n
      n += r
      if (n === buf.length) return -2
    }
  } catch { return -1 } finally { fs.closeSync(fd) }
}
function read(file) {
  const n = readInto(file)
  if (n === -2) { try { return fs.readFileSync(file) } catch { return null } }
  return n < 0 ? null : Buffer.from(buf.subarray(0, n))
}
function split0(b) {
  if (b.length === 0) return []
  const s = b.toString('utf8')
  return (s.endsWith('\0') ? s.slice(0, -1) : s).split('\0')
}
function stat(pid) {
  const b = read('/proc/' + pid + '/stat')
  if (!b) return null
  const s = b.toString('latin1')
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
  return { ppid: Number(f[1]), start: Number(f[19]) }
}
function exeOf(pid) { try { return fs.readlinkSync('/proc/' + pid + '/exe') } catch { return '' } }

function tick() {
  const t0 = performance.now()
  const now = Date.now()
  if (samples > 0) { const gap = t0 - lastTick; gapSum += gap; if (gap > maxGap) maxGap = gap }
  lastTick = t0
  samples++
  tickNo++
  let names
  try { names = fs.readdirSync('/proc') } catch (e) { errors.push(String(e)); names = [] }
  const changed = []
  for (const name of names) {
    const c0 = name.charCodeAt(0)
    if (c0 < 48 || c0 > 57) continue
    const pid = Number(name)
    let n = readInto('/proc/' + name + '/cmdline')
    if (n === -1) continue
    const cur = procs.get(pid)
    if (n >= 0 && cur && n === cur.raw.length && buf.compare(cur.raw, 0, n, 0, n) === 0) { cur.tick = tickNo; continue }
    const raw = n === -2 ? read('/proc/' + name + '/cmdline') : Buffer.from(buf.subarray(0, n))
    if (!raw) continue
    const st = stat(pid)
    if (!st) continue
    const p = { pid, start: st.start, ppid: st.ppid, raw, argv: split0(raw), exe: '', tick: tickNo }
    procs.set(pid, p)
    identities.add(pid + ':' + st.start)
    allArgv.add(p.argv.join(' '))
    changed.push(p)
  }
  for (const [pid, p] of procs) if (p.tick !== tickNo) procs.delete(pid)

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
  const isRootArgv = p => p.argv.some(a => a.includes(config.rootArgvIncludes))
  // new or exec'd processes: a root (its parent is not one: a fork of a root is not), or one that
  // carries a marker in its environment
  for (const p of changed) {
    const id = p.pid + ':' + p.start
    if (member.has(id) && member.get(id).root) continue
    const key = id + ':' + p.raw.toString('base64')
    if (checked.has(key)) continue
    checked.add(key)
    const parent = procs.get(p.ppid)
    if (isRootArgv(p) && !(parent && isRootArgv(parent))) {
      const j = markerJob(p)
      if (j >= 0) { member.set(id, { job: j, root: true }); continue }
    }
    if (!member.has(id)) {
      const j = markerJob(p)
      if (j >= 0) member.set(id, { job: j, root: false })
    }
  }
  // descendants of members, by ppid (membership sticks: an orphan is reparented)
  for (const p of procs.values()) {
    const id = p.pid + ':' + p.start
    if (member.has(id)) continue
    const chain = new Set()
    for (let q = procs.get(p.ppid); q && !chain.has(q.pid); q = procs.get(q.ppid)) {
      chain.add(q.pid)
      const m = member.get(q.pid + ':' + q.start)
      if (m) { member.set(id, { job: m.job, root: false }); break }
    }
  }
  // records of the action processes, with every distinct environment they showed
  for (const p of procs.values()) {
    const m = member.get(p.pid + ':' + p.start)
    if (!m || p.argv.length === 0) continue // an empty argv: exiting
    const key = p.pid + ':' + p.start + ':' + p.raw.toString('base64')
    let rec = records.get(key)
    if (!rec) {
      const parent = procs.get(p.ppid)
      const exe = exeOf(p.pid)
      // judged on argv alone: exe and environ are read after argv and may already be the exec'd ones
      const preExec = !m.root && !!parent && parent.raw.equals(p.raw)
      rec = { pid: p.pid, start: p.start, ppid: p.ppid, argv: p.argv, exe, job: m.job, root: m.root, preExec, environs: [], envKeys: new Set(), firstSeen: now, lastSeen: now }
      records.set(key, rec)
    }
    rec.lastSeen = now
    const env = environ(p)
    if (env) {
      const ek = env.join('\0')
      if (!rec.envKeys.has(ek)) { rec.envKeys.add(ek); rec.environs.push(env) }
      // a dwell shim waits for this file: argv and environment are recorded, it may exec
      if (config.ackDir && !rec.acked && !rec.preExec && p.argv.some(a => a.startsWith(config.ackArgvPrefix))) {
        try { fs.writeFileSync(path.join(config.ackDir, String(p.pid)), '') } catch (e) { errors.push(String(e)) }
        rec.acked = true
        acks++
      }
    }
  }
  for (const dir of config.watchDirs) watch(dir, 0, now)
  tickSum += performance.now() - t0
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
    meanGapMs: samples > 1 ? gapSum / (samples - 1) : 0, maxGapMs: maxGap, meanPollMs: samples ? tickSum / samples : 0,
    processes: [...records.values()].map(({ envKeys, acked, ...r }) => r),
    acks,
    distinctProcesses: identities.size,
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
    watchDirs: opts.watchDirs ?? [],
    ackDir: opts.dwell?.ackDir ?? '',
    ackArgvPrefix: opts.dwell ? `${opts.dwell.shimDir}/` : ''
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

/**
 * Dwell shims: for each program (docker, git), an executable `<shimDir>/<program>` that waits
 * until the sampler has recorded it (it polls for `<ackDir>/<its pid>`, at most 5 s, else leaves
 * `<ackDir>/timeout-<pid>`), then execs the real program with the same argv, stdin and
 * environment. Put shimDir first on the step's PATH: every child the action starts is then seen
 * with the argv and environment the action gave it, however short it lives and however loaded
 * the machine is. The shim never reads stdin (docker login --password-stdin gets it whole).
 */
export function writeDwellShims(shimDir: string, ackDir: string, programs: string[]): void {
  mkdirSync(shimDir, { recursive: true })
  mkdirSync(ackDir, { recursive: true })
  for (const program of programs) {
    const real = findOnPath(program, shimDir)
    const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`
    const script = [
      '#!/bin/sh',
      `# dwell shim of ${program} (proc-sampler.ts): wait until recorded, then exec the real one`,
      'n=0',
      `while [ ! -e ${q(ackDir)}/"$$" ]; do`,
      '  n=$((n + 1))',
      `  if [ "$n" -gt 1000 ]; then : >${q(ackDir)}/timeout-"$$"; break; fi`,
      '  sleep 0.005',
      'done',
      `exec ${q(real)} "$@"`,
      ''
    ].join('\n')
    writeFileSync(path.join(shimDir, program), script, { mode: 0o755 })
  }
}

/** Shims that waited in vain (the sampler never recorded them). */
export function dwellTimeouts(ackDir: string): string[] {
  return readdirSync(ackDir).filter(f => f.startsWith('timeout-'))
}

function findOnPath(program: string, except: string): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '' || path.resolve(dir) === path.resolve(except)) continue
    const file = path.join(dir, program)
    try {
      accessSync(file, constants.X_OK)
      return file
    } catch {
      /* next */
    }
  }
  throw new Error(`${program} is not on PATH`)
}

/** The program a record runs and its arguments: a dwell shim counts as the program it wraps. */
export function programOf(p: ProcessRecord, shimDir?: string): { program: string; args: string[]; shim: boolean } {
  if (shimDir && p.argv[1]?.startsWith(`${shimDir}/`)) return { program: path.basename(p.argv[1]), args: p.argv.slice(2), shim: true }
  return { program: path.basename(p.argv[0] ?? ''), args: p.argv.slice(1), shim: false }
}

// The sampler process of proc-sampler.ts: plain JavaScript (it runs with `node -e`), config on
// stdin's first line, "stop" on stdin ends it, the report (report.ts) is printed as JSON on stdout.
// What it reads on every poll is said at the top of proc-sampler.ts.

export const SAMPLER_SOURCE = String.raw`
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

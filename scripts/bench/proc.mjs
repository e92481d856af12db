// Running programs: every child in its own process group with a timeout (the group is killed on
// expiry, on a signal and past the run's deadline), the run's temp folders, and the base
// environment of the children.
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { clearTimeout, setTimeout } from 'node:timers'
import { progress } from './common.mjs'

const CHILDREN = new Set()
let TMP_ROOT

/**
 * Runs a program without a shell, every one with a timeout (its whole process group is killed on
 * expiry). Returns exit code, output, wall time in ms, and the wall clock (ns) just before spawn.
 */
export function run(cmd, args, { env, cwd, input, timeoutMs = 120_000 } = {}) {
  return new Promise(resolve => {
    let stdout = ''
    let stderr = ''
    let timedOut = false
    const wallStartNs = wallNs()
    const t0 = performance.now()
    const child = spawn(cmd, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true })
    CHILDREN.add(child)
    const timer = setTimeout(() => {
      timedOut = true
      killGroup(child)
    }, timeoutMs)
    child.stdout.setEncoding('utf8').on('data', d => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', d => (stderr += d))
    child.stdin.on('error', () => {})
    child.on('error', e => {
      stderr += `\nspawn ${cmd}: ${e.message}`
    })
    child.on('close', (code, signal) => {
      const elapsed = performance.now() - t0
      clearTimeout(timer)
      CHILDREN.delete(child)
      resolve({
        code: code ?? -1,
        signal,
        stdout,
        stderr,
        ms: elapsed,
        wallStartNs,
        timedOut,
        cmd: `${path.basename(cmd)} ${args.join(' ')}`
      })
    })
    child.stdin.end(input ?? '')
  })
}

function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    try {
      child.kill('SIGKILL')
    } catch {
      /* gone */
    }
  }
}

/** Wall clock in ns (same clock as `date +%s%N`), to microsecond precision. */
export function wallNs() {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n
}

export function must(r, what) {
  if (r.code === 0 && !r.timedOut) return r
  const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-25).join('\n')
  throw new Error(`${what} failed (${r.timedOut ? 'timed out' : `exit ${r.code}`}): ${r.cmd.slice(0, 300)}\n${tail}`)
}

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(TMP_ROOT, `${prefix}-`))
}

export function rmrf(p) {
  try {
    fs.rmSync(p, { recursive: true, force: true })
  } catch {
    /* best effort */
  }
}

/** Makes the run's temp root, under which tempDir() makes every folder (removeTmpRoot() removes it). */
export function makeTmpRoot() {
  TMP_ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'docker-ship-bench-'))
  return TMP_ROOT
}

/** The run's temp root (undefined before makeTmpRoot()). */
export const tmpRoot = () => TMP_ROOT

export function removeTmpRoot() {
  if (TMP_ROOT) rmrf(TMP_ROOT)
}

/** Kills the process group of every child still running. */
export function killChildren() {
  for (const c of CHILDREN) killGroup(c)
}

/** The whole run is killed past this, whatever is running. */
const DEADLINE_MS = 20 * 60_000

/**
 * On SIGINT or SIGTERM (exit 130), or past DEADLINE_MS (exit 2): `cleanup()`, then exit.
 * Returns the deadline's timer, for clearTimeout once the run is over.
 */
export function stopOnSignalOrDeadline(cleanup) {
  let interrupted = false
  const onSignal = sig => {
    if (interrupted) return
    interrupted = true
    progress(`${sig}: stopping, cleaning up`)
    cleanup().finally(() => process.exit(130))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const deadline = setTimeout(() => {
    progress(`deadline of ${DEADLINE_MS / 60_000} min passed: stopping`)
    cleanup().finally(() => process.exit(2))
  }, DEADLINE_MS)
  deadline.unref()
  return deadline
}

// ------------------------------------------------------------------------------------------ environment of the children

export const BASE_ENV = () => {
  const env = { PATH: process.env.PATH }
  for (const k of ['LANG', 'LC_ALL', 'TZ', 'USER', 'LOGNAME']) if (process.env[k]) env[k] = process.env[k]
  return env
}

/** DOCKER_HOST of the engine a section runs on (ctx.dockerHost), none for the default engine. */
export const engineEnv = ctx => (ctx.dockerHost ? { DOCKER_HOST: ctx.dockerHost } : {})

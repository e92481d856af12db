// What the sampler saw (its report), and the readers tests apply to it: the processes of one job,
// how many distinct ones, the program a record runs (a dwell shim counts as what it wraps).
import * as path from 'node:path'

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

/** Action processes of one job (index into markers) that really ran a program of their own:
 *  roots and exec'd descendants, not forks that have yet to exec. */
export function jobProcesses(report: SamplerReport, job: number): ProcessRecord[] {
  return report.processes.filter(p => p.job === job && !p.preExec)
}

/** Distinct processes (pid + start time) among records. */
export function distinctProcesses(records: ProcessRecord[]): number {
  return new Set(records.map(p => `${p.pid}:${p.start}`)).size
}

/** The program a record runs and its arguments: a dwell shim counts as the program it wraps. */
export function programOf(p: ProcessRecord, shimDir?: string): { program: string; args: string[]; shim: boolean } {
  if (shimDir && p.argv[1]?.startsWith(`${shimDir}/`)) return { program: path.basename(p.argv[1]), args: p.argv.slice(2), shim: true }
  return { program: path.basename(p.argv[0] ?? ''), args: p.argv.slice(1), shim: false }
}

// Watches the processes of this machine while an action runs, for secret-hygiene tests.
//
// A separate node process (so the polling goes on while the test awaits the action; niced to -15
// when run as root, so it keeps its pace on a loaded machine) reads, every few milliseconds:
//   - /proc/<pid>/cmdline of EVERY process (argv must never hold a secret, whoever runs it);
//   - /proc/<pid>/environ of the action's processes: the "roots" (a process whose argv names the
//     action's script and whose environment holds one of the given marker entries, e.g. the
//     main `node dist/index.js` and post `node dist/post/index.js`; a fork of a root is not one) and every descendant of a
//     root (found by walking the ppid of /proc/<pid>/stat), plus any process whose environment
//     holds a marker (an escaped grandchild). Membership sticks (an orphan is reparented);
//   - the content of every file named config.json under the watched folders (docker configs),
//     symlinks not followed.
// Everything distinct is recorded (argv per pid and exec, environ blocks, config contents with
// first/last time seen); the test searches the report. Nothing secret is given to the sampler.
//
// Polling alone can miss a child that lives a few ms (docker logout, git tag). writeDwellShims
// makes such children wait until they are recorded: see proc-sampler/dwell-shims.ts.
//
// What the tests import. The parts are in proc-sampler/: source.ts (the sampler process itself),
// report.ts (what it reports, and readers of the report) and dwell-shims.ts.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import type { SamplerReport } from './proc-sampler/report.js'
import { SAMPLER_SOURCE } from './proc-sampler/source.js'

export { dwellTimeouts, writeDwellShims } from './proc-sampler/dwell-shims.js'
export {
  distinctProcesses,
  jobProcesses,
  programOf,
  type ProcessRecord,
  type SamplerReport,
  type WatchedFile
} from './proc-sampler/report.js'

export interface SamplerOptions {
  /** `NAME=value` entries, one per job: a process whose environ holds one is an action process. */
  markers: string[]
  /** A root's argv must contain this (default '/dist/': main's dist/index.js and post's dist/post/index.js). */
  rootArgvIncludes?: string
  /** Delay between two polls (default 2 ms; a poll itself takes 2-3 ms with ~180 processes). */
  intervalMs?: number
  /** Folders whose config.json files (up to 6 levels deep) are read on every poll. */
  watchDirs?: string[]
  /** Dwell shims (see writeDwellShims): the folder they wait on, and the shim folder (an action
   *  process with an argv entry starting with it is acknowledged once recorded). */
  dwell?: { ackDir: string; shimDir: string }
}

export interface ProcSampler {
  readonly pid: number
  /** Stops polling (after one last poll) and returns what was seen. */
  stop(): Promise<SamplerReport>
}

/** Starts the sampler; resolves once it has taken its first sample. */
export async function startProcSampler(opts: SamplerOptions): Promise<ProcSampler> {
  const config = {
    markers: opts.markers,
    rootArgvIncludes: opts.rootArgvIncludes ?? '/dist/',
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

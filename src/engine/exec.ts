/**
 * The one wrapper every command of the action's bundle goes through: argv without a shell, logged,
 * output kept whole for errors, no INPUT_* in the child's environment, stdin closed (a child never
 * waits for the runner's stdin), and a bound on every command but the build.
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import * as core from '@actions/core'
import { childEnv } from '../shared/runner-env.js'
import { CommandTimeout, engineAddress } from '../shared/timeouts.js'

export interface RunOptions {
  cwd?: string
  /** Added to (and overriding) the action's own environment. */
  env?: Record<string, string>
  /** Variables of the action's environment the command does not get. */
  unset?: string[]
  /** Written to the command's stdin (passwords go here, never in argv). */
  input?: string
  /** Keep the command's output out of the log (it is still returned). */
  silent?: boolean
  /** Return a non-zero exit instead of throwing. */
  allowFailure?: boolean
  /** Stop the command and throw CommandTimeout after this long; none: no bound (the build). */
  timeoutMs?: number
}

export interface RunResult {
  exitCode: number
  stdout: string
  stderr: string
  /** stdout and stderr as they came, interleaved. */
  output?: string
}

/** A command that failed: carries its whole output, not only the last line. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number,
    readonly stdout: string,
    readonly stderr: string
  ) {
    super(`${command} failed with exit code ${exitCode}`)
    this.name = 'CommandError'
  }
}

let streaming = 0
let resume = ''
/** Whether the streamed output ended its last line: the resume token must start a line. */
let atLineStart = true

/**
 * Stops (on=true) or resumes the runner's workflow commands around streamed output: a RUN step
 * printing `::add-mask::x`, or an argument with a newline in the `[command]` line, stays text.
 * Counted, so overlapping commands resume once, at the end of the last; the token is unguessable.
 */
function commandsStopped(on: boolean): void {
  if (on ? streaming++ > 0 : --streaming > 0) return
  if (on) resume = randomUUID()
  process.stdout.write(on ? `::stop-commands::${resume}\n` : `${atLineStart ? '' : '\n'}::${resume}::\n`)
  atLineStart = true
}

/** Streams a child's output into the step's log, remembering whether it ended a line. */
function stream(d: Buffer): void {
  if (d.length > 0) atLineStart = d[d.length - 1] === 10
  process.stdout.write(d)
}

/**
 * The one way this action runs a program: argv without a shell (a hostile branch name is just a
 * string), the command line logged (argv never holds a secret), output streamed live unless
 * silent, and kept whole for errors.
 */
export async function run(command: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  // The runner gives the inputs (the password among them) as INPUT_* variables: no child needs
  // them, so no child gets them.
  const env = childEnv(process.env, opts.env)
  for (const name of opts.unset ?? []) delete env[name]
  if (opts.silent) core.debug(`run: ${command} ${args.join(' ')}`)
  else {
    commandsStopped(true)
    process.stdout.write(`[command]${command} ${args.join(' ')}\n`)
  }
  let result: RunResult | 'timeout'
  try {
    result = await spawnKept(command, args, env, opts)
  } catch (e) {
    // The program could not be started at all (not installed, not on PATH).
    throw new CommandError(command, 127, '', (e as Error).message)
  } finally {
    if (!opts.silent) commandsStopped(false)
  }
  if (result === 'timeout') throw new CommandTimeout(`${command} ${args[0] ?? ''}`.trim(), opts.timeoutMs ?? 0, engineAddress(command, env))
  if (result.exitCode !== 0 && !opts.allowFailure) {
    throw new CommandError(`${command} ${args[0] ?? ''}`.trim(), result.exitCode, result.stdout, result.stderr)
  }
  return result
}

/** Runs the child, its output streamed unless silent and kept; 'timeout' when it was stopped at the bound. */
function spawnKept(command: string, args: string[], env: Record<string, string>, opts: RunOptions): Promise<RunResult | 'timeout'> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] })
    // Kept as bytes and decoded once: a chunk may end inside a UTF-8 character.
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    const both: Buffer[] = []
    child.stdout.on('data', (d: Buffer) => {
      stdout.push(d)
      both.push(d)
      if (!opts.silent) stream(d)
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr.push(d)
      both.push(d)
      // Into the step's stdout, as @actions/exec does: one stream, in the order it came.
      if (!opts.silent) stream(d)
    })
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            // Stopped and let go: a plugin it started may still hold the pipes, so do not wait for them.
            child.kill('SIGTERM')
            child.stdout.destroy()
            child.stderr.destroy()
            child.unref()
            resolve('timeout')
          }, opts.timeoutMs)
    child.on('error', e => {
      clearTimeout(timer)
      reject(e)
    })
    child.on('close', code => {
      clearTimeout(timer)
      const text = (b: Buffer[]) => Buffer.concat(b).toString('utf8')
      resolve({ exitCode: code ?? 1, stdout: text(stdout), stderr: text(stderr), output: text(both) })
    })
    // The password when there is one, then end of input: nothing waits on the runner's stdin.
    child.stdin.on('error', () => undefined)
    child.stdin.end(opts.input ?? '')
  })
}

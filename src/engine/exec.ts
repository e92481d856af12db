/**
 * The one wrapper every command of the action's bundle goes through (@actions/exec): argv without a
 * shell, logged, output kept whole for errors, no INPUT_* in the child's environment.
 */
import { randomUUID } from 'node:crypto'
import * as core from '@actions/core'
import { getExecOutput } from '@actions/exec'
import { childEnv } from '../shared/runner-env.js'

export interface RunOptions {
  cwd?: string
  /** Added to (and overriding) the action's own environment. */
  env?: Record<string, string>
  /** Written to the command's stdin (passwords go here, never in argv). */
  input?: string
  /** Keep the command's output out of the log (it is still returned). */
  silent?: boolean
  /** Return a non-zero exit instead of throwing. */
  allowFailure?: boolean
}

export interface RunResult {
  exitCode: number
  stdout: string
  stderr: string
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
/** Whether the streamed stdout ended its last line: the resume token must start a line. */
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

/**
 * The one way this action runs a program: argv without a shell (a hostile branch name is just a
 * string), the command line logged (argv never holds a secret), output streamed live unless
 * silent, and kept whole for errors.
 */
export async function run(command: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  // The runner gives the inputs (the password among them) as INPUT_* variables: no child needs
  // them, so no child gets them.
  const env = childEnv(process.env, opts.env)
  if (opts.silent) core.debug(`run: ${command} ${args.join(' ')}`)
  let result: RunResult
  if (!opts.silent) commandsStopped(true)
  try {
    result = await getExecOutput(command, args, {
      cwd: opts.cwd,
      env,
      input: opts.input === undefined ? undefined : Buffer.from(opts.input),
      silent: opts.silent ?? false,
      ignoreReturnCode: true,
      listeners: { stdout: (b: Buffer) => void (atLineStart = b.length > 0 ? b[b.length - 1] === 10 : atLineStart) }
    })
  } catch (e) {
    // The program could not be started at all (not installed, not on PATH).
    throw new CommandError(command, 127, '', (e as Error).message)
  } finally {
    if (!opts.silent) commandsStopped(false)
  }
  if (result.exitCode !== 0 && !opts.allowFailure) {
    throw new CommandError(`${command} ${args[0] ?? ''}`.trim(), result.exitCode, result.stdout, result.stderr)
  }
  return result
}

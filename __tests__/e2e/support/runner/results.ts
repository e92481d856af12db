// What a run of the harness gives back: the result of each step (main, post), the commands and
// annotations seen in its output, its file-command files, and the whole job's result.

export interface WorkflowCommand {
  /** Lower-case command name: error, warning, notice, debug, add-mask, group, endgroup, … */
  command: string
  properties: Record<string, string>
  /** Unescaped data (%25 %0D %0A), NOT masked. */
  message: string
  stream: 'stdout' | 'stderr'
  /** Position among all lines of the step (stdout and stderr interleaved by arrival). */
  index: number
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice'
  /** Masked, as shown by GitHub. */
  message: string
  properties: Record<string, string>
  /** 'action': printed by the action; 'runner': emitted by the runner (file commands, inputs). */
  source: 'action' | 'runner'
}

export interface StepFiles {
  output: string
  state: string
  env: string
  path: string
  summary: string
}

export interface StepResult {
  stage: 'main' | 'post'
  /** Process exit code; -1 when killed by a signal. */
  exitCode: number
  signal: NodeJS.Signals | null
  timedOut: boolean
  /** 'failure' for a non-zero exit, a bad file command or a failed command (set-env, …). */
  conclusion: 'success' | 'failure'
  durationMs: number
  /** Raw, unmasked. */
  stdout: string
  stderr: string
  /** What the runner shows: stdout+stderr lines in arrival order, masked; commands rendered
   *  (`##[error]msg`, `##[group]x`, …), add-mask never shown, debug only with `debug`. */
  log: string
  commands: WorkflowCommand[]
  annotations: Annotation[]
  /** Parsed file commands of this step (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV, GITHUB_PATH). */
  outputs: Record<string, string>
  state: Record<string, string>
  envFile: Record<string, string>
  pathFile: string[]
  /** Raw GITHUB_STEP_SUMMARY content. */
  summary: string
  fileCommandErrors: string[]
  files: StepFiles
  /** The exact environment given to the process. */
  env: Record<string, string>
}

export interface RunResult {
  main: StepResult
  post?: StepResult
  /** Outputs of the main step (stdout set-output commands included). */
  outputs: Record<string, string>
  /** State saved by main (what post gets as STATE_*). */
  state: Record<string, string>
  /** GITHUB_ENV written by main. */
  envFile: Record<string, string>
  /** Main step summary (raw). */
  summary: string
  /** Every value registered with the masker during the job, in order (secrets, token, add-mask). */
  masks: string[]
  /** The fake (or given) GITHUB_TOKEN. */
  token: string
  dirs: {
    /** Temp root created for this run (removed by cleanup()), or null when all dirs were given. */
    root: string | null
    home: string
    runnerTemp: string
    toolCache: string
    workspace: string
    /** Main step's file-command files plus the event file. */
    files: StepFiles & { eventPath: string | null }
  }
  /** Remove the temp dirs this run created (given dirs are left alone). */
  cleanup(): Promise<void>
}

/** Annotations of a step (or of main+post) at one level, e.g. errorsOf(r.main). */
export function annotationsOf(step: StepResult | RunResult, level: Annotation['level']): Annotation[] {
  const steps = 'main' in step ? [step.main, ...(step.post ? [step.post] : [])] : [step]
  return steps.flatMap(s => s.annotations.filter(a => a.level === level))
}

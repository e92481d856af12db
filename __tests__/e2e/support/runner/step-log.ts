// What the runner makes of each line a step prints (actions/runner sources, ActionCommandManager
// and its command extensions): the log it shows (masked, commands rendered as `##[error]msg`,
// add-mask never echoed (OmitEcho), debug only with step debug), the annotations, the outputs
// and state of the old stdout commands, stop-commands/resume, echo on/off, and the disabled
// set-env/add-path that fail the step.
import type { Masker } from './masking.js'
import type { Annotation, WorkflowCommand } from './results.js'
import { parseWorkflowCommand } from './workflow-commands.js'

export class StepLog {
  /** The log lines as the runner shows them. */
  readonly lines: string[]
  readonly annotations: Annotation[]
  readonly commands: WorkflowCommand[] = []
  /** set-output / save-state commands of the output (the files are read later). */
  readonly outputs: Record<string, string> = {}
  readonly state: Record<string, string> = {}
  /** A command failed the step (set-env, add-path). */
  failedByCommand = false
  // EchoOnActionCommand is on when step debug is on
  private echo: boolean
  private stopToken: string | null = null
  private lineIndex = 0

  constructor(
    private readonly masker: Masker,
    private readonly debug: boolean,
    /** What the runner logged before the process started (input warnings). */
    preLog: string[],
    preAnnotations: Annotation[]
  ) {
    this.lines = [...preLog]
    this.annotations = [...preAnnotations]
    this.echo = debug
  }

  /** One line of stdout or stderr, in arrival order. */
  line(line: string, stream: 'stdout' | 'stderr'): void {
    const { masker, lines: logLines, annotations } = this
    const index = this.lineIndex++
    const parsed = parseWorkflowCommand(line, this.stopToken ? [this.stopToken] : [])
    if (!parsed) {
      logLines.push(masker.mask(line))
      return
    }
    if (this.stopToken !== null) {
      if (parsed.command === this.stopToken.toLowerCase()) {
        logLines.push(masker.mask(line))
        this.stopToken = null
      } else {
        logLines.push(masker.mask(line))
      }
      return
    }
    this.commands.push({ ...parsed, stream, index })
    const { command, properties, message } = parsed
    const annotate = (level: Annotation['level']): void => {
      const m = masker.mask(message)
      annotations.push({ level, message: m, properties, source: 'action' })
      logLines.push(`##[${level}]${m}`)
    }
    if (this.echo && command !== 'add-mask' && command !== 'stop-commands') logLines.push(masker.mask(line))
    switch (command) {
      case 'stop-commands':
        logLines.push(masker.mask(line))
        this.stopToken = message
        break
      case 'add-mask':
        if (message.trim() === '') {
          annotations.push({
            level: 'warning',
            message: "Can't add secret mask for empty string in ##[add-mask] command.",
            properties: {},
            source: 'runner'
          })
          logLines.push("##[warning]Can't add secret mask for empty string in ##[add-mask] command.")
        } else {
          if (this.echo) logLines.push('::add-mask::***')
          masker.add(message)
        }
        break
      case 'error':
      case 'warning':
      case 'notice':
        annotate(command)
        break
      case 'debug':
        if (this.debug) logLines.push(`##[debug]${masker.mask(message)}`)
        break
      case 'group':
        logLines.push(`##[group]${masker.mask(message)}`)
        break
      case 'endgroup':
        logLines.push('##[endgroup]')
        break
      case 'echo':
        if (message.toLowerCase() === 'on') this.echo = true
        else if (message.toLowerCase() === 'off') this.echo = false
        break
      case 'set-output':
        if (properties.name) this.outputs[properties.name] = message
        break
      case 'save-state':
        if (properties.name) this.state[properties.name] = message
        break
      case 'set-env':
      case 'add-path': {
        const m = `Unable to process command '${masker.mask(line)}' successfully.`
        annotations.push({ level: 'error', message: m, properties: {}, source: 'runner' })
        annotations.push({ level: 'error', message: `The \`${command}\` command is disabled.`, properties: {}, source: 'runner' })
        logLines.push(`##[error]${m}`, `##[error]The \`${command}\` command is disabled.`)
        this.failedByCommand = true
        break
      }
      default:
        break // add-matcher / remove-matcher: no visible effect here
    }
  }

  /** An error of the runner's own (a bad file command): masked, annotated and logged. */
  runnerError(message: string): void {
    const m = this.masker.mask(message)
    this.annotations.push({ level: 'error', message: m, properties: {}, source: 'runner' })
    this.lines.push(`##[error]${m}`)
  }
}

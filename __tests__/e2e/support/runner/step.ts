// One step (main or post) as a process: `node <script>` in its own process group with the given
// environment, its stdout AND stderr both fed line by line to the command parser (the runner has
// two OutputManagers), lines split like .NET ReadLine (\n, \r\n, \r); a timeout ends the whole
// process tree; then the file commands are read (actions/runner sources).
import { spawn } from 'node:child_process'
import { StringDecoder } from 'node:string_decoder'
import { readFileCommands } from './file-commands.js'
import type { Masker } from './masking.js'
import type { Annotation, StepFiles, StepResult } from './results.js'
import { StepLog } from './step-log.js'

export interface StepSpec {
  stage: 'main' | 'post'
  node: string
  script: string
  cwd: string
  env: Record<string, string>
  files: StepFiles
  timeoutMs: number
  debug: boolean
  masker: Masker
  preLog: string[]
  preAnnotations: Annotation[]
}

export async function runStep(spec: StepSpec): Promise<StepResult> {
  const started = Date.now()
  const log = new StepLog(spec.masker, spec.debug, spec.preLog, spec.preAnnotations)

  const child = spawn(spec.node, [spec.script], {
    cwd: spec.cwd,
    env: spec.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    shell: false,
    detached: true // own process group, so a timeout can end the whole tree
  })

  const raw = { stdout: [] as Buffer[], stderr: [] as Buffer[] }
  const pending = { stdout: '', stderr: '' }
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') }
  const feed = (stream: 'stdout' | 'stderr', text: string, final: boolean): void => {
    let buf = pending[stream] + text
    let start = 0
    for (let i = 0; i < buf.length; i++) {
      const c = buf[i]
      if (c === '\n' || c === '\r') {
        if (c === '\r' && i === buf.length - 1 && !final) break // may be half of \r\n
        log.line(buf.slice(start, i), stream)
        if (c === '\r' && buf[i + 1] === '\n') i++
        start = i + 1
      }
    }
    buf = buf.slice(start)
    if (final && buf !== '') {
      log.line(buf, stream)
      buf = ''
    }
    pending[stream] = buf
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].on('data', (chunk: Buffer) => {
      raw[stream].push(chunk)
      feed(stream, decoders[stream].write(chunk), false)
    })
  }

  let timedOut = false
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal)
    } catch {
      /* already gone */
    }
  }
  let killTimer: NodeJS.Timeout | undefined
  const timer = setTimeout(() => {
    timedOut = true
    killGroup('SIGTERM')
    killTimer = setTimeout(() => killGroup('SIGKILL'), 5000)
  }, spec.timeoutMs)

  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null
    let graceTimer: NodeJS.Timeout | undefined
    child.on('error', reject)
    child.on('exit', (c, s) => {
      exited = { code: c, signal: s }
      // A background grandchild may keep the pipes open: do not wait for it forever.
      graceTimer = setTimeout(() => {
        child.stdout.destroy()
        child.stderr.destroy()
        resolve(exited!)
      }, 5000)
    })
    child.on('close', (c, s) => {
      if (graceTimer) clearTimeout(graceTimer)
      resolve(exited ?? { code: c, signal: s })
    })
  })
  clearTimeout(timer)
  if (killTimer) clearTimeout(killTimer)
  for (const stream of ['stdout', 'stderr'] as const) feed(stream, decoders[stream].end(), true)

  // File commands, processed after the process like FileCommandManager.ProcessFiles.
  const files = readFileCommands(spec.files)
  const fileCommandErrors: string[] = []
  for (const { contextName, message } of files.failures) {
    fileCommandErrors.push(`${contextName}: ${message}`)
    for (const m of [`Unable to process file command '${contextName}' successfully.`, message]) log.runnerError(m)
  }
  const state = Object.assign(log.state, files.state)
  const outputs = Object.assign(log.outputs, files.output)

  const exitCode = code ?? -1
  return {
    stage: spec.stage,
    exitCode,
    signal,
    timedOut,
    conclusion: exitCode === 0 && !timedOut && !log.failedByCommand && fileCommandErrors.length === 0 ? 'success' : 'failure',
    durationMs: Date.now() - started,
    stdout: Buffer.concat(raw.stdout).toString('utf8'),
    stderr: Buffer.concat(raw.stderr).toString('utf8'),
    log: log.lines.join('\n'),
    commands: log.commands,
    annotations: log.annotations,
    outputs,
    state,
    envFile: files.env,
    pathFile: files.path,
    summary: files.summary,
    fileCommandErrors,
    files: spec.files,
    env: spec.env
  }
}

// Runs a JavaScript action bundle the way the GitHub Actions runner (actions/runner) runs a
// `using: node*` action: same environment, same file commands, same stdout command processing
// and secret masking, and a post step fed with the saved state.
//
// Where each behaviour comes from (actions/runner sources):
//   - INPUT_<NAME>: Handler.AddInputsToEnvironment: `INPUT_` + name.Replace(' ', '_').ToUpperInvariant()
//     (hyphens kept). Every input of action.yml gets a variable: the workflow's value, else its
//     evaluated `default`, else '' (ActionRunner.RunAsync + ActionManifestManager.ConvertInputs).
//   - Environment order (ActionRunner + NodeScriptActionHandler): env context (GITHUB_ENV of
//     earlier steps, then workflow env) < STATE_* < INPUT_* < github/runner context variables.
//   - File commands (FileCommandManager.InitializeFiles): a NEW set of empty files for every step,
//     main and post alike, under $RUNNER_TEMP/_runner_file_commands; parsed after the process ends
//     (EnvFileKeyValuePairs): `NAME=value` or `NAME<<DELIM` ... `DELIM`; a malformed file fails the
//     step ("Unable to process file command 'output' successfully.").
//   - Post: registered when main starts; runs with condition `post-if`, default `always()`
//     (ActionManifestManager.ConvertRuns), so also after a failed main; it gets STATE_<name> for
//     every state saved by main (ActionRunner: "Apply action's intra-action state at last").
//   - Output: stdout AND stderr both go through the command parser (two OutputManagers);
//     lines split like .NET ReadLine (\n, \r\n, \r). `::cmd k=v,k2=v2::data` after TrimStart
//     (ActionCommand.TryParseV2), also the old `##[cmd k=v;k2=v2]data` anywhere in a line;
//     command names are case-insensitive; unknown names are plain output. add-mask is never
//     echoed (OmitEcho). Masks are job-wide (HostContext.SecretMasker): registered values and
//     their encodings (base64 + shifted, JSON, URI, XML, expression escape, quote-trimmed) are
//     replaced by *** in every line logged after the registration, in main and in post.
import { spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { StringDecoder } from 'node:string_decoder'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { DEFAULT_ACTOR, DEFAULT_MERGE_SHA, DEFAULT_REPOSITORY, DEFAULT_SHA, defaultPayload, fakeId } from './payloads.js'

export {
  pushPayload,
  pullRequestPayload,
  releasePayload,
  schedulePayload,
  workflowDispatchPayload,
  repositoryObject,
  DEFAULT_REPOSITORY,
  DEFAULT_SHA,
  DEFAULT_MERGE_SHA,
  DEFAULT_PR_HEAD_SHA
} from './payloads.js'
export type {
  RepositoryOptions,
  PushOptions,
  PullRequestOptions,
  ReleaseOptions,
  ScheduleOptions,
  WorkflowDispatchOptions
} from './payloads.js'

/** Root of this repository (…/__tests__/e2e/support/../../..). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

/** Environment variables of the test process that the step inherits (all others are dropped);
 *  DOCKER_HOST as a job's `env:` would give it (support/engine-host.ts). */
export const INHERITED_ENV = ['PATH', 'LANG', 'LANGUAGE', 'LC_ALL', 'LC_CTYPE', 'TZ', 'USER', 'LOGNAME', 'SHELL', 'TMPDIR', 'DOCKER_HOST']

export interface RunOptions {
  /** Action inputs as written under `with:` (name -> value; booleans/numbers become strings). */
  inputs?: Record<string, string | number | boolean>
  /** Default 'push'. */
  eventName?: string
  /** Written to the GITHUB_EVENT_PATH file; default: a realistic payload for `eventName`. */
  payload?: object
  /** A path used as is for GITHUB_EVENT_PATH (the payload is written there only if `payload`
   *  is given too), or null to leave GITHUB_EVENT_PATH unset. */
  eventPath?: string | null
  /** Default: from the payload (push: payload.ref; pull_request: refs/pull/N/merge;
   *  pull_request_target: base branch; release: refs/tags/<tag>; others: default branch). */
  ref?: string
  /** Default: push: payload.after; pull_request: DEFAULT_MERGE_SHA; else DEFAULT_SHA. */
  sha?: string
  /** Default payload.repository.full_name, else 'octo-org/Hello-App'. */
  repository?: string
  /** Default payload.sender.login, else 'octocat'. */
  actor?: string
  /** GITHUB_WORKSPACE and cwd; default a fresh <tmp>/work/<name>/<name> (like the runner). */
  workspace?: string
  /** Workflow/job/step `env:` (e.g. DOCKER_HOST). Cannot override GITHUB_x, RUNNER_x, INPUT_x or STATE_x variables. */
  env?: Record<string, string>
  /** Extra names of the test process's environment to pass through (see INHERITED_ENV). */
  inheritEnv?: string[]
  /** Values handled like `${{ secrets.X }}`: masked from the start of the job. */
  secrets?: string[]
  /** HOME of the steps; default a fresh temp dir per run, whose .docker/cli-plugins is this
   *  machine's user plugin folder (see shareRunnerPlugins). */
  home?: string
  /** false: the fresh HOME gets no .docker/cli-plugins (layout tests place plugins themselves). */
  runnerPlugins?: boolean
  /** RUNNER_TEMP; default a fresh temp dir. */
  runnerTemp?: string
  /** Script of the main step; default <action dir>/<runs.main> of `actionYml`. */
  entry?: string
  /** Script of the post step; default `entry` when runs.post == runs.main, else <dir>/<runs.post>. */
  postEntry?: string
  /** Run the post step (when action.yml has `runs.post` or `postEntry` is given). Default true. */
  post?: boolean
  /** The post step's condition instead of action.yml's `runs.post-if` (e.g. a fake entry's). */
  postIf?: string
  /** Default <repo>/action.yml. */
  actionYml?: string
  /** Per step, default 240 000 ms. On expiry the process group gets SIGTERM, then SIGKILL. */
  timeoutMs?: number
  /** ACTIONS_STEP_DEBUG: RUNNER_DEBUG=1 and ::debug:: lines shown in the log. */
  debug?: boolean
  /** Node binary, default the one running the tests. */
  node?: string
  /** Override/add github context values, keyed without prefix, e.g. { server_url: '...' }. */
  github?: Record<string, string>
  /** GITHUB_TOKEN value for `${{ github.token }}`; default a fake 'ghs_…' (masked). */
  token?: string
}

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

// ------------------------------------------------------------------------------------------
// Pure helpers (exported for the harness self-test)

/** `INPUT_` name the runner uses: spaces -> '_', upper-case, everything else (hyphens) kept. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/**
 * Parse a GITHUB_OUTPUT / GITHUB_STATE / GITHUB_ENV file like the runner (EnvFileKeyValuePairs):
 * `NAME=value` lines and `NAME<<DELIM` heredocs; empty lines skipped; throws on a malformed file.
 * Later entries win.
 */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  let index = 0
  const readLine = (): { line: string; newline: string | null } | null => {
    if (index >= text.length) return null
    const lf = text.indexOf('\n', index)
    if (lf < 0) {
      const line = text.slice(index)
      index = text.length
      return { line, newline: null }
    }
    const line = text.slice(index, lf)
    index = lf + 1
    return { line, newline: '\n' }
  }
  for (let r = readLine(); r !== null; r = readLine()) {
    const line = r.line
    if (line === '') continue
    const eq = line.indexOf('=')
    const hd = line.indexOf('<<')
    if (eq >= 0 && (hd < 0 || eq < hd)) {
      // The runner does not reject an empty name here (its check tests the whole line).
      out[line.slice(0, eq)] = line.slice(eq + 1)
    } else if (hd >= 0 && (eq < 0 || hd < eq)) {
      const name = line.slice(0, hd)
      const delimiter = line.slice(hd + 2)
      if (name === '' || delimiter === '') {
        throw new Error(`Invalid format '${line}'. Name must not be empty and delimiter must not be empty`)
      }
      const start = index
      let end = index
      let t = readLine()
      while (t === null || t.line !== delimiter) {
        if (t === null) throw new Error(`Invalid value. Matching delimiter not found '${delimiter}'`)
        if (t.newline === null) throw new Error('Invalid value. EOF marker missing new line.')
        end = index - t.newline.length
        t = readLine()
      }
      out[name] = end > start ? text.slice(start, end) : ''
    } else {
      throw new Error(`Invalid format '${line}'`)
    }
  }
  return out
}

/** Names the runner registers as commands (ActionCommandManager + its extensions). */
const REGISTERED_COMMANDS = new Set([
  'stop-commands',
  'set-env',
  'set-output',
  'save-state',
  'add-mask',
  'add-path',
  'add-matcher',
  'remove-matcher',
  'warning',
  'error',
  'notice',
  'debug',
  'group',
  'endgroup',
  'echo'
])

function unescapeData(s: string): string {
  return s.replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%25', '%')
}
function unescapeProperty(s: string): string {
  return s.replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%3A', ':').replaceAll('%2C', ',').replaceAll('%25', '%')
}
function unescapeV1(s: string): string {
  return s.replaceAll('%3B', ';').replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%5D', ']').replaceAll('%25', '%')
}

/**
 * Parse one output line as a workflow command, as ActionCommand.TryParseV2 then TryParse do.
 * `extraCommands`: further names that count as commands (the stop-commands resume token).
 * Returns null for a plain line.
 */
export function parseWorkflowCommand(
  line: string,
  extraCommands: Iterable<string> = []
): { command: string; properties: Record<string, string>; message: string } | null {
  const known = (name: string): boolean => {
    const n = name.toLowerCase()
    if (REGISTERED_COMMANDS.has(n)) return true
    for (const e of extraCommands) if (e.toLowerCase() === n) return true
    return false
  }
  // v2: ::name k=v,k=v::data
  const msg = line.trimStart()
  if (msg.startsWith('::')) {
    const end = msg.indexOf('::', 2)
    if (end >= 0) {
      const info = msg.slice(2, end)
      const sp = info.indexOf(' ')
      const name = sp < 0 ? info : info.slice(0, sp)
      if (name !== '' && known(name)) {
        const properties: Record<string, string> = {}
        if (sp > 0) {
          for (const p of info
            .slice(sp + 1)
            .trim()
            .split(',')) {
            if (p === '') continue
            const eq = p.indexOf('=')
            // .NET Split('=', 2, RemoveEmptyEntries): 'k=' and '=v' give one part -> ignored
            if (eq > 0 && eq < p.length - 1) properties[p.slice(0, eq).toLowerCase()] = unescapeProperty(p.slice(eq + 1))
          }
        }
        return { command: name.toLowerCase(), properties, message: unescapeData(msg.slice(end + 2)) }
      }
    }
  }
  // v1: ##[name k=v;k=v]data, anywhere in the line
  const p = line.indexOf('##[')
  if (p >= 0) {
    const rb = line.indexOf(']', p)
    if (rb >= 0) {
      const info = line.slice(p + 3, rb)
      const sp = info.indexOf(' ')
      const name = sp < 0 ? info : info.slice(0, sp)
      if (name !== '' && known(name)) {
        const properties: Record<string, string> = {}
        if (sp > 0) {
          for (const q of info.slice(sp + 1).split(';')) {
            if (q === '') continue
            const eq = q.indexOf('=')
            if (eq > 0 && eq < q.length - 1) properties[q.slice(0, eq).toLowerCase()] = unescapeV1(q.slice(eq + 1))
          }
        }
        return { command: name.toLowerCase(), properties, message: unescapeV1(line.slice(rb + 1)) }
      }
    }
  }
  return null
}

/** System.Uri.EscapeDataString: only RFC 3986 unreserved characters are kept. */
function uriDataEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** The strings the runner's SecretMasker hides for one registered value (value + encodings). */
export function maskVariants(value: string): string[] {
  const b64 = (buf: Buffer): string => buf.toString('base64')
  const bytes = Buffer.from(value, 'utf8')
  const shift = (n: number): string => b64(bytes.length > n ? bytes.subarray(n) : bytes)
  const json = JSON.stringify(value).slice(1, -1)
  const xml = value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;')
  const trimmedQuotes = value.length > 8 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : ''
  const all = [value, b64(bytes), shift(1), shift(2), value.replaceAll("'", "''"), json, uriDataEscape(value), xml, trimmedQuotes]
  return [...new Set(all.filter(v => v !== ''))]
}

/** SecretMasker.MaskSecrets: every occurrence of every variant; overlapping or touching ranges
 *  merge into one `***`. */
export function maskSecrets(line: string, variants: Iterable<string>): string {
  const ranges: Array<[number, number]> = []
  for (const v of variants) {
    if (v === '') continue
    for (let i = line.indexOf(v); i >= 0; i = line.indexOf(v, i + 1)) ranges.push([i, i + v.length])
  }
  if (ranges.length === 0) return line
  ranges.sort((a, b) => a[0] - b[0])
  let out = ''
  let pos = 0
  let cur: [number, number] | null = null
  for (const r of ranges) {
    if (cur && r[0] <= cur[1]) {
      cur[1] = Math.max(cur[1], r[1])
      continue
    }
    if (cur) {
      out += line.slice(pos, cur[0]) + '***'
      pos = cur[1]
    }
    cur = [r[0], r[1]]
  }
  if (cur) out += line.slice(pos, cur[0]) + '***' + line.slice(cur[1])
  return out
}

// ------------------------------------------------------------------------------------------
// action.yml

interface ActionManifest {
  inputs: Array<{ name: string; default: string }>
  main?: string
  post?: string
  postIf?: string
  dir: string
}

export function readActionManifest(file: string): ActionManifest {
  const doc = parseYaml(fs.readFileSync(file, 'utf8')) as Record<string, unknown> | null
  if (!doc || typeof doc !== 'object') throw new Error(`${file}: not a YAML mapping`)
  const inputs: ActionManifest['inputs'] = []
  const rawInputs = (doc.inputs ?? {}) as Record<string, Record<string, unknown> | null>
  for (const [name, meta] of Object.entries(rawInputs)) {
    const d = meta && 'default' in meta ? meta.default : ''
    inputs.push({ name, default: d === null || d === undefined ? '' : String(d) })
  }
  const runs = (doc.runs ?? {}) as Record<string, unknown>
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
  return { inputs, main: str(runs.main), post: str(runs.post), postIf: str(runs['post-if']), dir: path.dirname(file) }
}

/** Evaluate `${{ … }}` in an input default: github.* / runner.* names we know, else ''. */
export function evaluateDefault(template: string, contexts: Record<string, string>): string {
  return template.replace(/\$\{\{\s*([\s\S]*?)\s*\}\}/g, (_m, expr: string) => {
    const key = expr.trim().toLowerCase()
    return contexts[key] ?? ''
  })
}

// ------------------------------------------------------------------------------------------
// Running

const createdRoots = new Set<string>()

/** Remove every temp dir created by runAction in this process (for afterAll). */
export async function cleanupRuns(): Promise<void> {
  const roots = [...createdRoots]
  createdRoots.clear()
  await Promise.all(roots.map(r => fs.promises.rm(r, { recursive: true, force: true })))
}

function refName(ref: string): string {
  const m = /^refs\/(?:heads|tags)\/(.+)$/.exec(ref) ?? /^refs\/pull\/(.+)$/.exec(ref)
  return m?.[1] ?? ref
}

function fakeToken(): string {
  return `ghs_${randomBytes(27).toString('base64url').slice(0, 36)}`
}

class Masker {
  readonly values: string[] = []
  private variants = new Set<string>()
  add(value: string): void {
    if (value === '') return
    this.values.push(value)
    for (const v of maskVariants(value)) this.variants.add(v)
  }
  /** Job secrets (Worker.InitializeSecretMasker): trimmed value plus each trimmed line. */
  addSecret(value: string): void {
    const v = value.trim()
    this.add(v)
    for (const line of v.split(/[\r\n]+/)) if (line.trim() !== '') this.add(line.trim())
  }
  mask(s: string): string {
    return maskSecrets(s, this.variants)
  }
}

interface StepSpec {
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

function createFileCommandFiles(runnerTemp: string): StepFiles {
  const dir = path.join(runnerTemp, '_runner_file_commands')
  fs.mkdirSync(dir, { recursive: true })
  const suffix = randomUUID()
  const files: StepFiles = {
    path: path.join(dir, `add_path_${suffix}`),
    env: path.join(dir, `set_env_${suffix}`),
    summary: path.join(dir, `step_summary_${suffix}`),
    state: path.join(dir, `save_state_${suffix}`),
    output: path.join(dir, `set_output_${suffix}`)
  }
  for (const f of Object.values(files)) fs.writeFileSync(f, '')
  return files
}

async function runStep(spec: StepSpec): Promise<StepResult> {
  const started = Date.now()
  const { masker } = spec
  const logLines: string[] = [...spec.preLog]
  const annotations: Annotation[] = [...spec.preAnnotations]
  const commands: WorkflowCommand[] = []
  const outputs: Record<string, string> = {}
  const state: Record<string, string> = {}
  let failedByCommand = false
  // EchoOnActionCommand is on when step debug is on
  let echo = spec.debug
  let stopToken: string | null = null
  let lineIndex = 0

  const handleLine = (line: string, stream: 'stdout' | 'stderr'): void => {
    const index = lineIndex++
    const parsed = parseWorkflowCommand(line, stopToken ? [stopToken] : [])
    if (!parsed) {
      logLines.push(masker.mask(line))
      return
    }
    if (stopToken !== null) {
      if (parsed.command === stopToken.toLowerCase()) {
        logLines.push(masker.mask(line))
        stopToken = null
      } else {
        logLines.push(masker.mask(line))
      }
      return
    }
    commands.push({ ...parsed, stream, index })
    const { command, properties, message } = parsed
    const annotate = (level: Annotation['level']): void => {
      const m = masker.mask(message)
      annotations.push({ level, message: m, properties, source: 'action' })
      logLines.push(`##[${level}]${m}`)
    }
    if (echo && command !== 'add-mask' && command !== 'stop-commands') logLines.push(masker.mask(line))
    switch (command) {
      case 'stop-commands':
        logLines.push(masker.mask(line))
        stopToken = message
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
          if (echo) logLines.push('::add-mask::***')
          masker.add(message)
        }
        break
      case 'error':
      case 'warning':
      case 'notice':
        annotate(command)
        break
      case 'debug':
        if (spec.debug) logLines.push(`##[debug]${masker.mask(message)}`)
        break
      case 'group':
        logLines.push(`##[group]${masker.mask(message)}`)
        break
      case 'endgroup':
        logLines.push('##[endgroup]')
        break
      case 'echo':
        if (message.toLowerCase() === 'on') echo = true
        else if (message.toLowerCase() === 'off') echo = false
        break
      case 'set-output':
        if (properties.name) outputs[properties.name] = message
        break
      case 'save-state':
        if (properties.name) state[properties.name] = message
        break
      case 'set-env':
      case 'add-path': {
        const m = `Unable to process command '${masker.mask(line)}' successfully.`
        annotations.push({ level: 'error', message: m, properties: {}, source: 'runner' })
        annotations.push({ level: 'error', message: `The \`${command}\` command is disabled.`, properties: {}, source: 'runner' })
        logLines.push(`##[error]${m}`, `##[error]The \`${command}\` command is disabled.`)
        failedByCommand = true
        break
      }
      default:
        break // add-matcher / remove-matcher: no visible effect here
    }
  }

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
        handleLine(buf.slice(start, i), stream)
        if (c === '\r' && buf[i + 1] === '\n') i++
        start = i + 1
      }
    }
    buf = buf.slice(start)
    if (final && buf !== '') {
      handleLine(buf, stream)
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
  const fileCommandErrors: string[] = []
  const readFile = (f: string): string => {
    try {
      return fs.readFileSync(f, 'utf8')
    } catch {
      return ''
    }
  }
  const process_ = (contextName: string, file: string, apply: (v: Record<string, string>) => void): void => {
    try {
      apply(parseFileCommands(readFile(file)))
    } catch (e) {
      const msg = (e as Error).message
      fileCommandErrors.push(`${contextName}: ${msg}`)
      for (const m of [`Unable to process file command '${contextName}' successfully.`, msg]) {
        annotations.push({ level: 'error', message: masker.mask(m), properties: {}, source: 'runner' })
        logLines.push(`##[error]${masker.mask(m)}`)
      }
    }
  }
  const pathFile = readFile(spec.files.path)
    .split('\n')
    .map(l => l.replace(/\r$/, ''))
    .filter(l => l !== '')
  const envFile: Record<string, string> = {}
  process_('env', spec.files.env, v => Object.assign(envFile, v))
  process_('state', spec.files.state, v => Object.assign(state, v))
  process_('output', spec.files.output, v => Object.assign(outputs, v))
  const summary = readFile(spec.files.summary)

  const exitCode = code ?? -1
  return {
    stage: spec.stage,
    exitCode,
    signal,
    timedOut,
    conclusion: exitCode === 0 && !timedOut && !failedByCommand && fileCommandErrors.length === 0 ? 'success' : 'failure',
    durationMs: Date.now() - started,
    stdout: Buffer.concat(raw.stdout).toString('utf8'),
    stderr: Buffer.concat(raw.stderr).toString('utf8'),
    log: logLines.join('\n'),
    commands,
    annotations,
    outputs,
    state,
    envFile,
    pathFile,
    summary,
    fileCommandErrors,
    files: spec.files,
    env: spec.env
  }
}

function payloadField(payload: unknown, ...keys: string[]): unknown {
  let cur: unknown = payload
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string, unknown>)[k]
  }
  return cur
}

/**
 * The runner's answer to a `post-if` made of status functions joined by `||` (what actions use),
 * after a main that ended with `conclusion`; this harness never cancels a job. Anything else is
 * an error, not a guess.
 */
export function postCondition(postIf: string, conclusion: string): boolean {
  const status: Record<string, boolean> = {
    'always()': true,
    'success()': conclusion === 'success',
    'failure()': conclusion === 'failure',
    'cancelled()': false
  }
  const terms = postIf.trim() === '' ? ['always()'] : postIf.split('||').map(t => t.replace(/\s+/g, ''))
  return terms.some(t => {
    const v = status[t]
    if (v === undefined) throw new Error(`post-if "${postIf}": this harness knows only ${Object.keys(status).join(', ')} joined by ||`)
    return v
  })
}

/** Run main (and post) of an action like the GitHub Actions runner. See RunOptions. */
export async function runAction(opts: RunOptions = {}): Promise<RunResult> {
  const actionYml = opts.actionYml ?? path.join(REPO_ROOT, 'action.yml')
  const manifest = readActionManifest(actionYml)
  const eventName = opts.eventName ?? 'push'

  const root = opts.home && opts.runnerTemp && opts.workspace ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'docker-ship-e2e-run-'))
  if (root) createdRoots.add(root)

  const repository = opts.repository ?? (payloadField(opts.payload, 'repository', 'full_name') as string | undefined) ?? DEFAULT_REPOSITORY
  const [owner, repoName] = repository.split('/') as [string, string]
  const payload: object = opts.payload ?? defaultPayload(eventName, { repository, ref: opts.ref, sha: opts.sha, actor: opts.actor })

  // ref / sha as GitHub derives them from the event
  const prNumber = payloadField(payload, 'number') ?? payloadField(payload, 'pull_request', 'number')
  const defaultBranch = (payloadField(payload, 'repository', 'default_branch') as string | undefined) ?? 'main'
  const isPr = eventName === 'pull_request' || eventName === 'pull_request_target'
  let ref = opts.ref
  if (ref === undefined) {
    if (eventName === 'push') ref = (payloadField(payload, 'ref') as string | undefined) ?? `refs/heads/${defaultBranch}`
    else if (eventName === 'pull_request') ref = `refs/pull/${String(prNumber ?? 1)}/merge`
    else if (eventName === 'pull_request_target')
      ref = `refs/heads/${(payloadField(payload, 'pull_request', 'base', 'ref') as string | undefined) ?? defaultBranch}`
    else if (eventName === 'release') ref = `refs/tags/${(payloadField(payload, 'release', 'tag_name') as string | undefined) ?? 'v0.0.0'}`
    else if (eventName === 'workflow_dispatch') ref = (payloadField(payload, 'ref') as string | undefined) ?? `refs/heads/${defaultBranch}`
    else ref = `refs/heads/${defaultBranch}`
  }
  let sha = opts.sha
  if (sha === undefined) {
    const after = payloadField(payload, 'after')
    if (eventName === 'push' && typeof after === 'string' && !/^0+$/.test(after)) sha = after
    else if (eventName === 'pull_request') sha = DEFAULT_MERGE_SHA
    else if (eventName === 'pull_request_target')
      sha = (payloadField(payload, 'pull_request', 'base', 'sha') as string | undefined) ?? DEFAULT_SHA
    else sha = DEFAULT_SHA
  }
  const actor = opts.actor ?? (payloadField(payload, 'sender', 'login') as string | undefined) ?? DEFAULT_ACTOR

  // directories (laid out like a hosted runner's: <root>/work/<repo>/<repo>, <root>/work/_temp)
  const home = opts.home ?? path.join(root!, 'home')
  const workspace = opts.workspace ?? path.join(root!, 'work', repoName, repoName)
  const runnerTemp = opts.runnerTemp ?? path.join(root!, 'work', '_temp')
  const toolCache = root ? path.join(root, 'work', '_tool') : path.join(runnerTemp, '_tool')
  for (const d of [home, workspace, runnerTemp, toolCache]) fs.mkdirSync(d, { recursive: true })
  if (opts.home === undefined && opts.runnerPlugins !== false) shareRunnerPlugins(home)

  let eventPath: string | null
  if (opts.eventPath === null) eventPath = null
  else if (opts.eventPath !== undefined) {
    eventPath = opts.eventPath
    if (opts.payload !== undefined) fs.writeFileSync(eventPath, JSON.stringify(payload, null, 2))
  } else {
    eventPath = path.join(runnerTemp, '_github_workflow', 'event.json')
    fs.mkdirSync(path.dirname(eventPath), { recursive: true })
    fs.writeFileSync(eventPath, JSON.stringify(payload, null, 2))
  }

  const token = opts.token ?? fakeToken()
  const runtimeToken = `fake-actions-runtime-${randomBytes(12).toString('hex')}`
  const masker = new Masker()
  masker.addSecret(token)
  masker.addSecret(runtimeToken)
  for (const s of opts.secrets ?? []) masker.addSecret(s)

  const runId = String(fakeId(`${repository}:${sha}:${Date.now()}`) * 10 + 1)
  const github: Record<string, string> = {
    action: '__self',
    actor,
    actor_id: String(fakeId(actor)),
    // The GitHub API is never reached from here: a port on this machine that refuses, like ACTIONS_RUNTIME_URL.
    api_url: 'http://127.0.0.1:9/fake-github-api',
    base_ref: isPr ? String(payloadField(payload, 'pull_request', 'base', 'ref') ?? '') : '',
    event_name: eventName,
    graphql_url: 'https://api.github.com/graphql',
    head_ref: isPr ? String(payloadField(payload, 'pull_request', 'head', 'ref') ?? '') : '',
    job: 'build',
    ref,
    ref_name: refName(ref),
    ref_protected: 'false',
    ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    repository,
    repository_id: String(fakeId(repository)),
    repository_owner: owner,
    repository_owner_id: String(fakeId(owner)),
    retention_days: '90',
    run_attempt: '1',
    run_id: runId,
    run_number: '42',
    server_url: 'https://github.com',
    sha,
    triggering_actor: actor,
    workflow: 'CI',
    workflow_ref: `${repository}/.github/workflows/ci.yml@${ref}`,
    workflow_sha: sha,
    workspace,
    ...(eventPath !== null ? { event_path: eventPath } : {}),
    ...(opts.github ?? {})
  }
  const runner: Record<string, string> = {
    arch: 'X64',
    environment: 'github-hosted',
    name: 'GitHub Actions 2',
    os: 'Linux',
    temp: runnerTemp,
    tool_cache: toolCache,
    workspace: path.dirname(workspace),
    ...(opts.debug ? { debug: '1' } : {})
  }

  // inputs: the workflow's values, then every action.yml input not given, with its default
  const contexts: Record<string, string> = { 'github.token': token, 'secrets.github_token': token }
  for (const [k, v] of Object.entries(github)) contexts[`github.${k}`] = v
  for (const [k, v] of Object.entries(runner)) contexts[`runner.${k}`] = v
  const inputs: Record<string, string> = {}
  const given = new Set<string>()
  for (const [k, v] of Object.entries(opts.inputs ?? {})) {
    inputs[k] = String(v)
    given.add(k.toLowerCase())
  }
  for (const inp of manifest.inputs) {
    if (!given.has(inp.name.toLowerCase())) inputs[inp.name] = evaluateDefault(inp.default, contexts)
  }
  const valid = new Set(manifest.inputs.map(i => i.name.toLowerCase()))
  const unexpected = Object.keys(opts.inputs ?? {}).filter(k => !valid.has(k.toLowerCase()))
  const preAnnotations: Annotation[] = []
  const preLog: string[] = []
  if (unexpected.length > 0) {
    const m = `Unexpected input(s) '${unexpected.join("', '")}', valid inputs are ['${manifest.inputs.map(i => i.name).join("', '")}']`
    preAnnotations.push({ level: 'warning', message: m, properties: {}, source: 'runner' })
    preLog.push(`##[warning]${m}`)
  }

  const inherited: Record<string, string> = {}
  for (const name of [...INHERITED_ENV, ...(opts.inheritEnv ?? [])]) {
    const v = process.env[name]
    if (v !== undefined) inherited[name] = v
  }

  const buildEnv = (
    files: StepFiles,
    state: Record<string, string>,
    jobEnv: Record<string, string>,
    prependPath: string[]
  ): Record<string, string> => {
    const env: Record<string, string> = { ...inherited, HOME: home, CI: 'true', GITHUB_ACTIONS: 'true', ...jobEnv, ...(opts.env ?? {}) }
    for (const [k, v] of Object.entries(state)) env[`STATE_${k}`] = v
    for (const [k, v] of Object.entries(inputs)) env[inputEnvName(k)] = v
    if (prependPath.length > 0) env.PATH = [...[...prependPath].reverse(), env.PATH ?? ''].filter(p => p !== '').join(path.delimiter)
    const ctx: Record<string, string> = {
      ...github,
      output: files.output,
      state: files.state,
      env: files.env,
      path: files.path,
      step_summary: files.summary
    }
    for (const [k, v] of Object.entries(ctx)) env[`GITHUB_${k.toUpperCase()}`] = v
    for (const [k, v] of Object.entries(runner)) env[`RUNNER_${k.toUpperCase()}`] = v
    env.ACTIONS_RUNTIME_URL = 'http://127.0.0.1:9/fake-actions-runtime/'
    env.ACTIONS_RUNTIME_TOKEN = runtimeToken
    delete env.NODE_ICU_DATA
    if (eventPath === null) delete env.GITHUB_EVENT_PATH
    return env
  }

  const node = opts.node ?? process.execPath
  const timeoutMs = opts.timeoutMs ?? 240_000
  const entry = opts.entry ?? (manifest.main ? path.resolve(manifest.dir, manifest.main) : undefined)
  if (!entry) throw new Error(`${actionYml}: no runs.main and no entry given`)
  if (!fs.existsSync(entry)) throw new Error(`action entry ${entry} does not exist (build dist/ first: npm run build)`)

  const mainFiles = createFileCommandFiles(runnerTemp)
  const main = await runStep({
    stage: 'main',
    node,
    script: entry,
    cwd: workspace,
    env: buildEnv(mainFiles, {}, {}, []),
    files: mainFiles,
    timeoutMs,
    debug: opts.debug ?? false,
    masker,
    preLog,
    preAnnotations
  })

  let postScript = opts.postEntry
  if (postScript === undefined && manifest.post !== undefined) {
    postScript = manifest.post === manifest.main ? entry : path.resolve(manifest.dir, manifest.post)
  }
  let post: StepResult | undefined
  const postWanted = postCondition(opts.postIf ?? manifest.postIf ?? 'always()', main.conclusion)
  if ((opts.post ?? true) && postScript !== undefined && postWanted) {
    const postFiles = createFileCommandFiles(runnerTemp)
    post = await runStep({
      stage: 'post',
      node,
      script: postScript,
      cwd: workspace,
      env: buildEnv(postFiles, main.state, main.envFile, main.pathFile),
      files: postFiles,
      timeoutMs,
      debug: opts.debug ?? false,
      masker,
      preLog: [],
      preAnnotations: []
    })
  }

  return {
    main,
    post,
    outputs: main.outputs,
    state: main.state,
    envFile: main.envFile,
    summary: main.summary,
    masks: [...masker.values],
    token,
    dirs: { root, home, runnerTemp, toolCache, workspace, files: { ...mainFiles, eventPath } },
    cleanup: async () => {
      if (root) {
        createdRoots.delete(root)
        await fs.promises.rm(root, { recursive: true, force: true })
      }
    }
  }
}

/**
 * The runner's HOME is the machine's own: a buildx installed per user (Docker Desktop,
 * docker/setup-buildx-action: ~/.docker/cli-plugins, or $DOCKER_CONFIG/cli-plugins) is there for
 * every step. A fresh HOME per run would hide it, so its .docker/cli-plugins links to the plugin
 * folder of the user running the tests, when that exists.
 */
export function shareRunnerPlugins(home: string): void {
  shareUserPlugins(path.join(home, '.docker'))
}

/** The same for a docker config folder of a test's own (DOCKER_CONFIG): its cli-plugins is the user's. */
export function shareUserPlugins(configDir: string): void {
  const own = path.join(process.env.DOCKER_CONFIG || path.join(os.homedir(), '.docker'), 'cli-plugins')
  const link = path.join(configDir, 'cli-plugins')
  if (!fs.existsSync(own) || fs.existsSync(link)) return
  fs.mkdirSync(configDir, { recursive: true })
  fs.symlinkSync(own, link)
}

/** Annotations of a step (or of main+post) at one level, e.g. errorsOf(r.main). */
export function annotationsOf(step: StepResult | RunResult, level: Annotation['level']): Annotation[] {
  const steps = 'main' in step ? [step.main, ...(step.post ? [step.post] : [])] : [step]
  return steps.flatMap(s => s.annotations.filter(a => a.level === level))
}

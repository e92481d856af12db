// Runs a JavaScript action bundle the way the GitHub Actions runner (actions/runner) runs a
// `using: node*` action: same environment, same file commands, same stdout command processing
// and secret masking, and a post step fed with the saved state.
//
// This file is what the tests import. The job is run here; the parts it uses live in runner/,
// each saying at its top which actions/runner sources it follows:
//   manifest.ts           action.yml: inputs and their defaults (`${{ }}`), runs.main/post/post-if
//   step.ts               the step process: spawn, line splitting of stdout/stderr, timeout
//   step-log.ts           what the runner does with each line: commands, annotations, the log
//   workflow-commands.ts  parsing `::cmd::` / `##[cmd]` lines
//   masking.ts            the job-wide secret masker and the encodings it hides
//   file-commands.ts      GITHUB_OUTPUT/STATE/ENV/PATH/STEP_SUMMARY files: creation and parsing
//   post-if.ts            the post step's condition
//   plugins.ts            the user's docker CLI plugins in a fresh HOME / DOCKER_CONFIG
//   cleanup.ts            the temp dirs of the runs
//   options.ts, results.ts  RunOptions; StepResult, RunResult and the other result types
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { DEFAULT_ACTOR, DEFAULT_MERGE_SHA, DEFAULT_REPOSITORY, DEFAULT_SHA, fakeId } from './payloads/common.js'
import { defaultPayload } from './payloads/events.js'
import { removeRoot, trackRoot } from './runner/cleanup.js'
import { createFileCommandFiles } from './runner/file-commands.js'
import { REPO_ROOT, inputEnvName, readActionManifest, resolveInputs } from './runner/manifest.js'
import { Masker } from './runner/masking.js'
import type { RunOptions } from './runner/options.js'
import { shareRunnerPlugins } from './runner/plugins.js'
import { postCondition } from './runner/post-if.js'
import type { RunResult, StepFiles, StepResult } from './runner/results.js'
import { runStep } from './runner/step.js'

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

export { cleanupRuns } from './runner/cleanup.js'
export { parseFileCommands } from './runner/file-commands.js'
export { REPO_ROOT, evaluateDefault, inputEnvName, readActionManifest } from './runner/manifest.js'
export { maskSecrets, maskVariants } from './runner/masking.js'
export type { RunOptions } from './runner/options.js'
export { shareRunnerPlugins, shareUserPlugins } from './runner/plugins.js'
export { postCondition } from './runner/post-if.js'
export { annotationsOf, type Annotation, type RunResult, type StepFiles, type StepResult, type WorkflowCommand } from './runner/results.js'
export { parseWorkflowCommand } from './runner/workflow-commands.js'

// ------------------------------------------------------------------------------------------
// The `github` and `runner` contexts of a job as GitHub derives them from the triggering event
// (ref, sha, actor, repository of the payload) and the runner machine (its temp and tool dirs),
// with fake but stable ids, and the names `${{ }}` in an input default can use.

/** The event of a job and what GitHub derives from it. */
interface JobEvent {
  eventName: string
  /** What GITHUB_EVENT_PATH holds. */
  payload: object
  /** owner/name, with its two parts. */
  repository: string
  owner: string
  repoName: string
  ref: string
  sha: string
  actor: string
  isPr: boolean
}

function payloadField(payload: unknown, ...keys: string[]): unknown {
  let cur: unknown = payload
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string, unknown>)[k]
  }
  return cur
}

function refName(ref: string): string {
  const m = /^refs\/(?:heads|tags)\/(.+)$/.exec(ref) ?? /^refs\/pull\/(.+)$/.exec(ref)
  return m?.[1] ?? ref
}

/** A GITHUB_TOKEN of the installation-token shape. */
function fakeToken(): string {
  return `ghs_${randomBytes(27).toString('base64url').slice(0, 36)}`
}

/** The event of the run (given, or the default payload of `eventName`) and its ref, sha, actor. */
function jobEvent(opts: RunOptions): JobEvent {
  const eventName = opts.eventName ?? 'push'
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
  return { eventName, payload, repository, owner, repoName, ref, sha, actor, isPr }
}

/** The github context (GITHUB_* of the step, without the file-command files); `overrides` last. */
function githubContext(
  ev: JobEvent,
  where: { workspace: string; eventPath: string | null },
  overrides: Record<string, string> = {}
): Record<string, string> {
  const { eventName, payload, repository, owner, ref, sha, actor, isPr } = ev
  const runId = String(fakeId(`${repository}:${sha}:${Date.now()}`) * 10 + 1)
  return {
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
    workspace: where.workspace,
    ...(where.eventPath !== null ? { event_path: where.eventPath } : {}),
    ...overrides
  }
}

/** The runner context (RUNNER_* of the step) of a Linux x64 hosted runner. */
function runnerContext(dirs: { runnerTemp: string; toolCache: string; workspace: string }, debug: boolean): Record<string, string> {
  return {
    arch: 'X64',
    environment: 'github-hosted',
    name: 'GitHub Actions 2',
    os: 'Linux',
    temp: dirs.runnerTemp,
    tool_cache: dirs.toolCache,
    workspace: path.dirname(dirs.workspace),
    ...(debug ? { debug: '1' } : {})
  }
}

/** What `${{ name }}` in an input default can name: github.*, runner.*, the token. */
function expressionContexts(github: Record<string, string>, runner: Record<string, string>, token: string): Record<string, string> {
  const contexts: Record<string, string> = { 'github.token': token, 'secrets.github_token': token }
  for (const [k, v] of Object.entries(github)) contexts[`github.${k}`] = v
  for (const [k, v] of Object.entries(runner)) contexts[`runner.${k}`] = v
  return contexts
}

// ------------------------------------------------------------------------------------------
// The environment of a step process (actions/runner sources, ActionRunner +
// NodeScriptActionHandler), in this order, later ones winning: env context (GITHUB_ENV of earlier
// steps, then workflow env) < STATE_* < INPUT_* < github/runner context variables.

/** Environment variables of the test process that the step inherits (all others are dropped);
 *  DOCKER_HOST as a job's `env:` would give it (support/engine-host.ts). */
export const INHERITED_ENV = ['PATH', 'LANG', 'LANGUAGE', 'LC_ALL', 'LC_CTYPE', 'TZ', 'USER', 'LOGNAME', 'SHELL', 'TMPDIR', 'DOCKER_HOST']

/** The INHERITED_ENV variables (and `extra` names) of the test process that are set. */
function inheritedEnv(extra: string[] = []): Record<string, string> {
  const inherited: Record<string, string> = {}
  for (const name of [...INHERITED_ENV, ...extra]) {
    const v = process.env[name]
    if (v !== undefined) inherited[name] = v
  }
  return inherited
}

/** What every step of the job shares. */
interface JobEnv {
  inherited: Record<string, string>
  home: string
  /** Workflow/job/step `env:`. */
  workflowEnv: Record<string, string>
  inputs: Record<string, string>
  github: Record<string, string>
  runner: Record<string, string>
  runtimeToken: string
  /** null: GITHUB_EVENT_PATH unset. */
  eventPath: string | null
}

/** The environment of one step: its own file-command files, the state saved by main (post only),
 *  GITHUB_ENV and GITHUB_PATH written by earlier steps. */
function stepEnv(
  job: JobEnv,
  files: StepFiles,
  state: Record<string, string>,
  envFromSteps: Record<string, string>,
  prependPath: string[]
): Record<string, string> {
  const env: Record<string, string> = {
    ...job.inherited,
    HOME: job.home,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    ...envFromSteps,
    ...job.workflowEnv
  }
  for (const [k, v] of Object.entries(state)) env[`STATE_${k}`] = v
  for (const [k, v] of Object.entries(job.inputs)) env[inputEnvName(k)] = v
  if (prependPath.length > 0) env.PATH = [...[...prependPath].reverse(), env.PATH ?? ''].filter(p => p !== '').join(path.delimiter)
  const ctx: Record<string, string> = {
    ...job.github,
    output: files.output,
    state: files.state,
    env: files.env,
    path: files.path,
    step_summary: files.summary
  }
  for (const [k, v] of Object.entries(ctx)) env[`GITHUB_${k.toUpperCase()}`] = v
  for (const [k, v] of Object.entries(job.runner)) env[`RUNNER_${k.toUpperCase()}`] = v
  env.ACTIONS_RUNTIME_URL = 'http://127.0.0.1:9/fake-actions-runtime/'
  env.ACTIONS_RUNTIME_TOKEN = job.runtimeToken
  delete env.NODE_ICU_DATA
  if (job.eventPath === null) delete env.GITHUB_EVENT_PATH
  return env
}

// ------------------------------------------------------------------------------------------
// runAction: a whole job of one action, main then post, as the runner runs a `using: node*`
// action (actions/runner sources):
//   - the dirs of a hosted runner (<root>/work/<repo>/<repo>, <root>/work/_temp, a fresh HOME);
//   - the event file, the job's masker (token, runtime token, secrets), the contexts and inputs;
//   - Post: registered when main starts, run if its post-if holds (post-if.ts); it gets
//     STATE_<name> for every state saved by main (ActionRunner: "Apply action's intra-action
//     state at last"), and the GITHUB_ENV / GITHUB_PATH main wrote.

/** Run main (and post) of an action like the GitHub Actions runner. See RunOptions. */
export async function runAction(opts: RunOptions = {}): Promise<RunResult> {
  const actionYml = opts.actionYml ?? path.join(REPO_ROOT, 'action.yml')
  const manifest = readActionManifest(actionYml)

  const root = opts.home && opts.runnerTemp && opts.workspace ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'docker-ship-e2e-run-'))
  if (root) trackRoot(root)

  const ev = jobEvent(opts)

  // directories (laid out like a hosted runner's: <root>/work/<repo>/<repo>, <root>/work/_temp)
  const home = opts.home ?? path.join(root!, 'home')
  const workspace = opts.workspace ?? path.join(root!, 'work', ev.repoName, ev.repoName)
  const runnerTemp = opts.runnerTemp ?? path.join(root!, 'work', '_temp')
  const toolCache = root ? path.join(root, 'work', '_tool') : path.join(runnerTemp, '_tool')
  for (const d of [home, workspace, runnerTemp, toolCache]) fs.mkdirSync(d, { recursive: true })
  if (opts.home === undefined && opts.runnerPlugins !== false) shareRunnerPlugins(home)

  let eventPath: string | null
  if (opts.eventPath === null) eventPath = null
  else if (opts.eventPath !== undefined) {
    eventPath = opts.eventPath
    if (opts.payload !== undefined) fs.writeFileSync(eventPath, JSON.stringify(ev.payload, null, 2))
  } else {
    eventPath = path.join(runnerTemp, '_github_workflow', 'event.json')
    fs.mkdirSync(path.dirname(eventPath), { recursive: true })
    fs.writeFileSync(eventPath, JSON.stringify(ev.payload, null, 2))
  }

  const token = opts.token ?? fakeToken()
  const runtimeToken = `fake-actions-runtime-${randomBytes(12).toString('hex')}`
  const masker = new Masker()
  masker.addSecret(token)
  masker.addSecret(runtimeToken)
  for (const s of opts.secrets ?? []) masker.addSecret(s)

  const github = githubContext(ev, { workspace, eventPath }, opts.github)
  const runner = runnerContext({ runnerTemp, toolCache, workspace }, opts.debug ?? false)
  const given = resolveInputs(manifest, opts.inputs, expressionContexts(github, runner, token))
  const job: JobEnv = {
    inherited: inheritedEnv(opts.inheritEnv),
    home,
    workflowEnv: opts.env ?? {},
    inputs: given.inputs,
    github,
    runner,
    runtimeToken,
    eventPath
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
    env: stepEnv(job, mainFiles, {}, {}, []),
    files: mainFiles,
    timeoutMs,
    debug: opts.debug ?? false,
    masker,
    preLog: given.log,
    preAnnotations: given.annotations
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
      env: stepEnv(job, postFiles, main.state, main.envFile, main.pathFile),
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
      if (root) await removeRoot(root)
    }
  }
}

// The environment of a step process (actions/runner sources, ActionRunner +
// NodeScriptActionHandler), in this order, later ones winning: env context (GITHUB_ENV of earlier
// steps, then workflow env) < STATE_* < INPUT_* < github/runner context variables.
import * as path from 'node:path'
import { inputEnvName } from './manifest.js'
import type { StepFiles } from './results.js'

/** Environment variables of the test process that the step inherits (all others are dropped);
 *  DOCKER_HOST as a job's `env:` would give it (support/engine-host.ts). */
export const INHERITED_ENV = ['PATH', 'LANG', 'LANGUAGE', 'LC_ALL', 'LC_CTYPE', 'TZ', 'USER', 'LOGNAME', 'SHELL', 'TMPDIR', 'DOCKER_HOST']

/** The INHERITED_ENV variables (and `extra` names) of the test process that are set. */
export function inheritedEnv(extra: string[] = []): Record<string, string> {
  const inherited: Record<string, string> = {}
  for (const name of [...INHERITED_ENV, ...extra]) {
    const v = process.env[name]
    if (v !== undefined) inherited[name] = v
  }
  return inherited
}

/** What every step of the job shares. */
export interface JobEnv {
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
export function stepEnv(
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

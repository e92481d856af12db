/**
 * What every engine does for the action (the Engine interface), what a build returns, and the
 * errors a build, login or push ends in, with their messages for the user.
 */
import { readFileSync } from 'node:fs'
import * as core from '@actions/core'
import type { CachePlan } from '../plan/cache.js'
import type { parseBuildFailure, StepCounts } from './build-log.js'
import { CommandError } from './exec.js'
import type { Plan } from '../plan/plan.js'
import { RetriesExhausted, type RetryHooks } from './retry.js'
import type { BuildFiles } from './argv.js'

export type EngineName = 'buildx' | 'docker' | 'podman'

export interface BuildOutcome {
  engine: EngineName
  /** Digest of the pushed manifest or index; '' when nothing was pushed. */
  digest: string
  imageId: string
  /** buildx metadata file JSON; '' for the classic engine. */
  metadata: string
  pushed: string[]
  steps: StepCounts
  /** Engine runs of the build (more than 1 when a push was retried with buildx). */
  attempts: number
  /** The `sha-<7>` image(s) a release was promoted from, when it was not built. */
  promotedFrom?: string
}

/** A build that failed: the headline, the useful lines, and where in the Dockerfile. */
export class BuildError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number
  ) {
    super(message)
    this.name = 'BuildError'
  }
}

/** A registry that refused the login, or could not be reached. */
export class LoginError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'LoginError'
  }
}

/** Some references could not be pushed: the tag set is all-or-nothing, so the step fails. */
export class PushError extends Error {
  constructor(
    message: string,
    readonly pushed: string[],
    readonly notPushed: string[]
  ) {
    super(message)
    this.name = 'PushError'
  }
}

/** The engine's last error line: what a retry decision and a one-line message are based on. */
export function lastErrorLine(output: string): string {
  const lines = output
    .split('\n')
    .map(l => l.trim())
    .filter(Boolean)
  return [...lines].reverse().find(l => /^(ERROR|error)\b|Error response from daemon/.test(l)) ?? lines[lines.length - 1] ?? ''
}

export function errorText(e: unknown): string {
  if (e instanceof CommandError) return lastErrorLine(`${e.stdout}\n${e.stderr}`)
  return ''
}

export function causeOf(e: unknown): string {
  const last = e instanceof RetriesExhausted ? e.lastError : e
  return errorText(last).replace(/^(ERROR:\s*|Error response from daemon:\s*)/, '') || (last instanceof Error ? last.message : String(last))
}

/** What every engine does for the action: log in, build (and push) one plan. Logout: post.ts. */
export interface Engine {
  readonly name: EngineName
  login(registry: string, username: string, password: string): Promise<number>
  build(plan: Plan, files: BuildFiles, cache: CachePlan): Promise<BuildOutcome>
}

export const defaultHooks: RetryHooks = {
  textOf: errorText,
  sleep: ms => new Promise(resolve => setTimeout(resolve, ms)),
  random: Math.random,
  log: message => core.info(message)
}

export function buildError(failure: ReturnType<typeof parseBuildFailure>, plan: Plan): BuildError {
  return new BuildError([failure.summary, ...failure.details.map(d => `  ${d}`)].join('\n'), plan.build.file, failure.line)
}

export function pushError(plan: Plan, pushed: string[], e: unknown): PushError {
  const notPushed = plan.references.filter(r => !pushed.includes(r))
  const tries = e instanceof RetriesExhausted ? ` after ${e.attempts} attempts` : ''
  return new PushError(
    notPushed.length === 0
      ? `Push failed${tries} after every tag was pushed: ${causeOf(e)}. Pushed: ${pushed.join(', ')}.`
      : `Push failed${tries}: ${causeOf(e)}. Not pushed: ${notPushed.join(', ')}${pushed.length > 0 ? `; pushed before the failure: ${pushed.join(', ')}` : ''}.`,
    pushed,
    notPushed
  )
}

export function readOptional(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

/**
 * What every engine does for the action (the Engine interface), what a build returns, and the
 * errors a build, login or push ends in, with their messages for the user.
 */
import { registryHost } from '../plan/inputs/reference.js'
import { readFileSync } from 'node:fs'
import * as core from '@actions/core'
import type { CachePlan } from '../plan/cache.js'
import type { parseBuildFailure, StepCounts } from './build-log.js'
import { CommandError } from './exec.js'
import type { Plan } from '../plan/plan.js'
import { RetriesExhausted, type RetryHooks } from './retry.js'
import type { BuildFiles } from './argv.js'
import type { MovedTag } from './tag-check.js'
import { diagnose } from './registry-errors.js'
import { CommandTimeout } from '../shared/timeouts.js'

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
  /** The `test` input passed on this image (undefined: no test). */
  tested?: boolean
  /** Pushed tags that another push has since moved to another digest (step/moved-tags.ts). */
  moved?: MovedTag[]
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

/**
 * The engine's last error line: what a retry decision and a one-line message are based on. podman
 * lists the registry's own errors under an `errors:` line, then what its retry got (`unauthorized:
 * authentication required`, `error parsing HTTP 401 response body`): the registry's first line wins.
 */
export function lastErrorLine(output: string): string {
  const lines = output
    .split('\n')
    .map(l => l.trim())
    .filter(Boolean)
  let listed = -1
  lines.forEach((l, i) => {
    if (/\berrors:$/.test(l)) listed = i
  })
  const registryLine = listed >= 0 ? lines[listed + 1] : undefined
  if (registryLine && /^[a-z_]+: /i.test(registryLine)) return registryLine
  return [...lines].reverse().find(l => /^(ERROR|error)\b|Error response from daemon/.test(l)) ?? lines[lines.length - 1] ?? ''
}

export function errorText(e: unknown): string {
  if (e instanceof CommandError) return lastErrorLine(`${e.stdout}\n${e.stderr}`)
  return ''
}

/** The whole output of the command behind `e` (a diagnosis reads all of it), else its message. */
export function outputOf(e: unknown): string {
  const last = e instanceof RetriesExhausted ? e.lastError : e
  if (last instanceof CommandError) return `${last.stdout}\n${last.stderr}`
  return last instanceof Error ? last.message : String(last)
}

export function causeOf(e: unknown): string {
  const last = e instanceof RetriesExhausted ? e.lastError : e
  return errorText(last).replace(/^(ERROR:\s*|Error response from daemon:\s*)/, '') || (last instanceof Error ? last.message : String(last))
}

/** What every engine does for the action: log in, build (and push) one plan. Logout: post.ts. */
export interface Engine {
  readonly name: EngineName
  login(registry: string, username: string, password: string): Promise<number>
  /** `onPushed`: told each reference once it is in the registry (main records them for post). */
  build(plan: Plan, files: BuildFiles, cache: CachePlan, onPushed?: (references: string[]) => void): Promise<BuildOutcome>
  /** Pushes the references of an image `build` left in the engine (a tested build), without building again. */
  pushLoaded(plan: Plan, files: BuildFiles, built: BuildOutcome, onPushed?: (references: string[]) => void): Promise<BuildOutcome>
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

/** A failed login with its cause, and the fix for it (registry-errors.ts). */
export function loginError(registry: string, username: string, e: unknown, engine: 'docker' | 'podman'): LoginError {
  if (e instanceof CommandTimeout) return new LoginError(`Login to ${registry} as ${username} failed: ${e.message}`)
  const tries = e instanceof RetriesExhausted && e.attempts > 1 ? ` after ${e.attempts} attempts` : ''
  const cause = causeOf(e).replace(/^Error:\s*/, '')
  const { fix } = diagnose(outputOf(e), { engine, phase: 'login', registry })
  return new LoginError(`Login to ${registry} as ${username} failed${tries}: ${cause}. ${fix}`)
}

/** Which engine family failed a push, and the registries this run logged in to. */
export interface PushContext {
  engine: 'docker' | 'podman'
  loggedIn: ReadonlySet<string>
}

/** The cause's fix for a failed push of `ref` (registry-errors.ts), or ''. */
function pushFix(plan: Plan, ref: string | undefined, e: unknown, about?: PushContext): string {
  if (!about || ref === undefined) return ''
  const registry = registryHost(ref)
  const ofMain = ref.startsWith(`${plan.image}:`) || ref.startsWith(`${plan.image}@`)
  const reason = ofMain ? plan.imageReason : 'named by the "tags" or "registries" input'
  const name = ref.replace(/[:@][^/:@]*$/, '')
  const { fix } = diagnose(outputOf(e), {
    engine: about.engine,
    phase: 'push',
    registry,
    loggedIn: about.loggedIn.has(registry),
    image: { name, reason }
  })
  return fix ? ` ${fix}` : ''
}

export function pushError(plan: Plan, pushed: string[], e: unknown, about?: PushContext, failedRef?: string): PushError {
  const notPushed = plan.references.filter(r => !pushed.includes(r))
  const tries = e instanceof RetriesExhausted && e.attempts > 1 ? ` after ${e.attempts} attempts` : ''
  const fix = pushFix(plan, failedRef ?? notPushed[0], e, about)
  return new PushError(
    notPushed.length === 0
      ? `Push failed${tries} after every tag was pushed: ${causeOf(e)}.${fix} Pushed: ${pushed.join(', ')}.`
      : `Push failed${tries}: ${causeOf(e)}.${fix} Not pushed: ${notPushed.join(', ')}${pushed.length > 0 ? `; pushed before the failure: ${pushed.join(', ')}` : ''}.`,
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

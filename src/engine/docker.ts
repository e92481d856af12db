import { readFileSync } from 'node:fs'
import * as core from '@actions/core'
import { type Builder, type CachePlan, parseBuilder } from '../cache.js'
import { countSteps, parseBuildFailure, pushedReferences, type StepCounts } from '../build-log.js'
import { CommandError, run, type RunResult } from '../exec.js'
import { InputError } from '../errors.js'
import type { Plan } from '../plan.js'
import { RetriesExhausted, type RetryHooks, type RetryPolicy, withRetries } from '../retry.js'
import type { EngineChoice } from '../settings.js'
import { type BuildFiles, buildxBuildArgs, dockerBuildArgs, dockerPushArgs, loginArgs, logoutArgs } from './argv.js'

export type EngineName = 'buildx' | 'docker'

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

function errorText(e: unknown): string {
  if (e instanceof CommandError) return lastErrorLine(`${e.stdout}\n${e.stderr}`)
  return ''
}

function causeOf(e: unknown): string {
  const last = e instanceof RetriesExhausted ? e.lastError : e
  return errorText(last).replace(/^(ERROR:\s*|Error response from daemon:\s*)/, '') || (last instanceof Error ? last.message : String(last))
}

/** The docker CLI bound to this run's config folder: every call goes through `run`. */
export class DockerCli {
  constructor(
    private readonly env: Record<string, string>,
    private readonly policy: RetryPolicy = { retries: 0, delayMs: 0 },
    private readonly hooks: RetryHooks = defaultHooks
  ) {}

  exec(args: string[], opts: { silent?: boolean; allowFailure?: boolean; input?: string } = {}): Promise<RunResult> {
    return run('docker', args, { ...opts, env: this.env })
  }

  private retry<T>(what: string, fn: (attempt: number) => Promise<T>) {
    return withRetries(what, this.policy, this.hooks, fn)
  }

  /**
   * The one engine probe: `docker buildx inspect` says both whether buildx answers and what its
   * builder can do (driver, cache export). None for `engine: docker`.
   */
  async probe(choice: EngineChoice): Promise<Builder> {
    if (choice === 'docker') return { engine: 'docker', cacheExport: false }
    const probe = await this.exec(['buildx', 'inspect'], { silent: true, allowFailure: true })
    if (probe.exitCode === 0) return parseBuilder(probe.stdout)
    if (choice === 'buildx') {
      throw new InputError(
        `Input "engine" is "buildx" but "docker buildx inspect" fails (${lastErrorLine(probe.stderr) || `exit code ${probe.exitCode}`}): add docker/setup-buildx-action before this step, or use engine: docker.`
      )
    }
    return { engine: 'docker', cacheExport: false }
  }

  async login(registry: string, username: string, password: string): Promise<number> {
    try {
      const { attempts } = await this.retry(`Login to ${registry}`, () => this.exec(loginArgs(registry, username), { input: password }))
      return attempts
    } catch (e) {
      const tries = e instanceof RetriesExhausted ? ` after ${e.attempts} attempts` : ''
      throw new LoginError(
        `Login to ${registry} as ${username} failed${tries}: ${causeOf(e)}. Check the "username" and "password" inputs (a token needs read & write rights).`
      )
    }
  }

  async logout(registry: string): Promise<void> {
    await this.exec(logoutArgs(registry), { silent: true })
  }

  async build(builder: Builder, plan: Plan, files: BuildFiles, cache: CachePlan): Promise<BuildOutcome> {
    core.info(cache.note)
    return builder.engine === 'buildx' ? this.buildx(plan, files, cache) : this.classic(plan, files, cache)
  }

  /** One `buildx build --push`; a registry fault re-runs it, and BuildKit's cache makes that a push. */
  private async buildx(plan: Plan, files: BuildFiles, cache: CachePlan): Promise<BuildOutcome> {
    const argv = buildxBuildArgs(plan, files, cache)
    let log = ''
    let result: { value: RunResult; attempts: number }
    try {
      result = await core.group('Build', () =>
        this.retry('Build and push', async () => {
          const r = await this.exec(argv, { allowFailure: true })
          log += `${r.stdout}\n${r.stderr}\n`
          if (r.exitCode === 0) return r
          const failure = parseBuildFailure(`${r.stdout}\n${r.stderr}`)
          if (failure.step !== undefined || !plan.push) throw buildError(failure, plan)
          throw new CommandError('docker buildx build', r.exitCode, r.stdout, r.stderr)
        })
      )
    } catch (e) {
      if (e instanceof BuildError) throw e
      const pushed = pushedReferences(log)
      throw pushError(plan, pushed, e)
    }
    const output = `${result.value.stdout}\n${result.value.stderr}`
    const metadata = readOptional(files.metadataFile)
    return {
      engine: 'buildx',
      digest: plan.push ? metadataDigest(metadata) : '',
      imageId: readOptional(files.iidFile).trim(),
      metadata,
      pushed: plan.push ? plan.references : [],
      steps: countSteps(output),
      attempts: result.attempts
    }
  }

  /** `docker build` with every tag, then `docker push` of each, each push retried on its own. */
  private async classic(plan: Plan, files: BuildFiles, cache: CachePlan): Promise<BuildOutcome> {
    let result: RunResult
    try {
      result = await core.group('Build', () => this.exec(dockerBuildArgs(plan, files, cache)))
    } catch (e) {
      if (!(e instanceof CommandError)) throw e
      throw buildError(parseBuildFailure(`${e.stdout}\n${e.stderr}`), plan)
    }
    const pushed: string[] = []
    let digest = ''
    if (plan.push) {
      await core.group('Push', async () => {
        for (const ref of plan.references) {
          try {
            const { value } = await this.retry(`Push of ${ref}`, () => this.exec(dockerPushArgs(ref)))
            digest ||= /digest: (sha256:[0-9a-f]{64})/.exec(value.stdout)?.[1] ?? ''
            pushed.push(ref)
          } catch (e) {
            throw pushError(plan, pushed, e)
          }
        }
      })
    }
    return {
      engine: 'docker',
      digest,
      imageId: readOptional(files.iidFile).trim(),
      metadata: '',
      pushed,
      steps: countSteps(`${result.stdout}\n${result.stderr}`),
      attempts: 1
    }
  }
}

const defaultHooks: RetryHooks = {
  textOf: errorText,
  sleep: ms => new Promise(resolve => setTimeout(resolve, ms)),
  random: Math.random,
  log: message => core.info(message)
}

function buildError(failure: ReturnType<typeof parseBuildFailure>, plan: Plan): BuildError {
  return new BuildError([failure.summary, ...failure.details.map(d => `  ${d}`)].join('\n'), plan.build.file, failure.line)
}

function pushError(plan: Plan, pushed: string[], e: unknown): PushError {
  const notPushed = plan.references.filter(r => !pushed.includes(r))
  const tries = e instanceof RetriesExhausted ? ` after ${e.attempts} attempts` : ''
  return new PushError(
    `Push failed${tries}: ${causeOf(e)}. Not pushed: ${notPushed.join(', ')}${pushed.length > 0 ? `; pushed before the failure: ${pushed.join(', ')}` : ''}.`,
    pushed,
    notPushed
  )
}

function readOptional(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

function metadataDigest(metadata: string): string {
  try {
    const value = (JSON.parse(metadata) as Record<string, unknown>)['containerimage.digest']
    return typeof value === 'string' ? value : ''
  } catch {
    return ''
  }
}

/**
 * The docker CLI as an Engine: login, then one `buildx build --push` (retried as a whole), or the
 * classic `docker build` and a `docker push` of each reference.
 */
import { registryHost } from '../plan/inputs/reference.js'
import * as core from '@actions/core'
import type { CachePlan } from '../plan/cache.js'
import type { Builder } from '../shared/builder.js'
import { countSteps, isPushFailure, parseBuildFailure, pushedReferences } from './build-log.js'
import { CommandError, run, type RunResult } from './exec.js'
import {
  type BuildOutcome,
  buildError,
  defaultHooks,
  type Engine,
  loginError,
  outputOf,
  PushError,
  pushError,
  type PushContext,
  readOptional,
  type EngineName
} from './engine.js'
import type { Plan } from '../plan/plan.js'
import { type RetryHooks, type RetryPolicy, withRetries } from './retry.js'
import { type BuildFiles, buildxBuildArgs, dockerBuildArgs, dockerPushArgs, loginArgs } from './argv.js'
import { timeoutMs } from '../shared/timeouts.js'

/** The docker CLI bound to this run's config folder: every call goes through `run`. */
export class DockerCli implements Engine {
  constructor(
    private readonly env: Record<string, string>,
    /** What the probe found; the classic engine when buildx does not answer. */
    readonly builder: Builder = { engine: 'docker', cacheExport: false },
    private readonly policy: RetryPolicy = { retries: 0, delayMs: 0 },
    private readonly hooks: RetryHooks = defaultHooks
  ) {}

  /** Registries this run logged in to: a push there that ends in `unauthorized` is tried once more. */
  private readonly loggedIn = new Set<string>()

  get name(): EngineName {
    return this.builder.engine === 'buildx' ? 'buildx' : 'docker'
  }

  exec(args: string[], opts: { silent?: boolean; allowFailure?: boolean; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    return run('docker', args, { ...opts, env: this.env })
  }

  private retry<T>(what: string, fn: (attempt: number) => Promise<T>, registries: string[] = []) {
    return withRetries(what, this.policy, this.hooks, fn, { afterLogin: registries.some(r => this.loggedIn.has(r)) })
  }

  private get pushContext(): PushContext {
    return { engine: 'docker', loggedIn: this.loggedIn }
  }

  async login(registry: string, username: string, password: string): Promise<number> {
    try {
      const { attempts } = await this.retry(`Login to ${registry}`, () =>
        this.exec(loginArgs(registry, username), { input: password, timeoutMs: timeoutMs('login', process.env) })
      )
      this.loggedIn.add(registry)
      return attempts
    } catch (e) {
      throw loginError(registry, username, e, 'docker')
    }
  }

  async build(plan: Plan, files: BuildFiles, cache: CachePlan, onPushed: (references: string[]) => void = () => {}): Promise<BuildOutcome> {
    core.info(cache.note)
    return this.name === 'buildx' ? this.buildx(plan, files, cache, onPushed) : this.classic(plan, files, cache, onPushed)
  }

  /** One `buildx build --push`; a registry fault re-runs it, and BuildKit's cache makes that a push. */
  private async buildx(plan: Plan, files: BuildFiles, cache: CachePlan, onPushed: (references: string[]) => void): Promise<BuildOutcome> {
    const argv = buildxBuildArgs(plan, files, cache, this.builder)
    // What earlier attempts pushed stays pushed: a re-run only adds to it.
    const pushed = new Set<string>()
    let result: { value: RunResult; attempts: number }
    // A build failure leaves the retries at once: its text ("connection refused" from a base
    // image's registry) must not read as a transient push fault to the retry policy.
    let failedBuild: Error | undefined
    try {
      result = await core.group('Build', () =>
        this.retry(
          'Build and push',
          async () => {
            const r = await this.exec(argv, { allowFailure: true })
            if (r.exitCode === 0) return r
            const output = `${r.stdout}\n${r.stderr}`
            for (const ref of pushedReferences(output)) pushed.add(ref)
            const failure = parseBuildFailure(output, readOptional(plan.build.file))
            if (!plan.push || !isPushFailure(failure)) {
              failedBuild = buildError(failure, plan)
              return r
            }
            throw new CommandError('docker buildx build', r.exitCode, r.stdout, r.stderr)
          },
          plan.references.map(registryHost)
        )
      )
    } catch (e) {
      if (e instanceof Error && e.name === 'BuildError') throw e
      throw pushError(plan, [...pushed], e, this.pushContext, failedPush(e))
    }
    if (failedBuild) throw failedBuild
    const output = `${result.value.stdout}\n${result.value.stderr}`
    const metadata = readOptional(files.metadataFile)
    // Pushed is what buildx reports (the pushed digest in its metadata file), never what was asked.
    const digest = plan.push ? metadataDigest(metadata) : ''
    if (plan.push && !digest && (plan.build.inputs.call === '' || plan.build.inputs.call === 'build')) {
      throw new PushError(
        `docker buildx build ended without error but reported no pushed image (no containerimage.digest in ${files.metadataFile}). Not pushed: ${plan.references.join(', ')}.`,
        [],
        plan.references
      )
    }
    if (digest) onPushed(plan.references)
    return {
      engine: 'buildx',
      digest,
      imageId: readOptional(files.iidFile).trim(),
      metadata,
      pushed: digest ? plan.references : [],
      steps: countSteps(output),
      attempts: result.attempts
    }
  }

  /** `docker build` with every tag, then `docker push` of each, each push retried on its own. */
  private async classic(plan: Plan, files: BuildFiles, cache: CachePlan, onPushed: (references: string[]) => void): Promise<BuildOutcome> {
    let result: RunResult
    try {
      result = await core.group('Build', () => this.exec(dockerBuildArgs(plan, files, cache)))
    } catch (e) {
      if (!(e instanceof CommandError)) throw e
      throw buildError(parseBuildFailure(`${e.stdout}\n${e.stderr}`, readOptional(plan.build.file)), plan)
    }
    const { pushed, digest } = plan.push ? await this.pushEach(plan, onPushed) : { pushed: [], digest: '' }
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
  /** The image a tested build loaded (every reference tagged), pushed without building again. */
  async pushLoaded(
    plan: Plan,
    _files: BuildFiles,
    built: BuildOutcome,
    onPushed: (references: string[]) => void = () => {}
  ): Promise<BuildOutcome> {
    const { pushed, digest } = await this.pushEach(plan, onPushed)
    return { ...built, digest, pushed }
  }

  /** `docker push` of each reference, each retried on its own; the digest the first push names. */
  private async pushEach(plan: Plan, onPushed: (references: string[]) => void): Promise<{ pushed: string[]; digest: string }> {
    const pushed: string[] = []
    let digest = ''
    await core.group('Push', async () => {
      for (const ref of plan.references) {
        try {
          const { value } = await this.retry(
            `Push of ${ref}`,
            () => this.exec(dockerPushArgs(ref), { timeoutMs: timeoutMs('push', process.env) }),
            [registryHost(ref)]
          )
          digest ||= /digest: (sha256:[0-9a-f]{64})/.exec(value.stdout)?.[1] ?? ''
          pushed.push(ref)
        } catch (e) {
          throw pushError(plan, pushed, e, this.pushContext, ref)
        }
        onPushed([ref])
      }
    })
    return { pushed, digest }
  }
}

/** The reference buildx names in `failed to push REF: ...`, if any. */
function failedPush(e: unknown): string | undefined {
  return /failed to push (\S+?):? /.exec(outputOf(e))?.[1]
}

function metadataDigest(metadata: string): string {
  try {
    const value = (JSON.parse(metadata) as Record<string, unknown>)['containerimage.digest']
    return typeof value === 'string' ? value : ''
  } catch {
    return ''
  }
}

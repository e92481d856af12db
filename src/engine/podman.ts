/**
 * podman as an Engine: login, build (a manifest list for several platforms), push each reference;
 * and reading podman's build log (steps, cache hits, the failing step).
 */
import { registryHost } from '../plan/inputs/reference.js'
import { mkdirSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import * as core from '@actions/core'
import type { BuildFailure, StepCounts } from './build-log.js'
import { CommandError, run, type RunResult } from './exec.js'
import type { Plan } from '../plan/plan.js'
import { type RetryHooks, type RetryPolicy, withRetries } from './retry.js'
import { type BuildFiles, podmanBuildArgs, podmanLabelArgs, podmanPushArgs } from './argv.js'
import { type BuildOutcome, buildError, defaultHooks, type Engine, loginError, pushError, readOptional } from './engine.js'
import { timeoutMs } from '../shared/timeouts.js'

/** `[linux/arm64] [2/3] STEP 4/6: RUN ...`: platform (several platforms), stage (several stages), step. */
const STEP = /^(?:\[([a-z0-9]+\/[^\]]+)\] )?(?:\[(\d+)\/(\d+)\] )?STEP (\d+)\/(\d+): (.*)$/

/**
 * The Dockerfile steps podman ran (`STEP 2/3: RUN ...`) and those it took from cache.
 * `labelSteps`: how many `--label` flags podman turned into LABEL steps at the end of the last
 * stage (see parsePodmanFailure); they are not the Dockerfile's steps and are left out of both.
 */
export function countPodmanSteps(log: string, labelSteps = 0): StepCounts {
  let steps = 0
  let cached = 0
  let current = false
  for (const line of log.split('\n')) {
    const step = STEP.exec(line)
    if (step) {
      const [, , stage, stages, n, total, instruction] = step
      const added = (stage === undefined || stage === stages) && Number(n) > Number(total) - labelSteps && /^LABEL /.test(instruction ?? '')
      if (!added) steps++
      current = !added
    } else if (current && line.startsWith('--> Using cache ')) {
      cached++
      current = false
    }
  }
  return { steps, cached }
}

/**
 * Finds the failing step, its output and podman's error (`Error: building at STEP "...": ...`);
 * the Dockerfile line when the step's text is on exactly one line of `dockerfile`.
 * `labelSteps`: how many `--label` flags podman turned into LABEL steps at the end of the last
 * stage (it does so when no target is given); they are left out of the step total, which then
 * counts the Dockerfile's own steps as BuildKit's `[3/4]` does.
 */
export function parsePodmanFailure(log: string, dockerfile = '', labelSteps = 0): BuildFailure {
  const lines = log.split('\n').map(l => l.replace(/\r$/, ''))
  const errorAt = lines.map(l => l.startsWith('Error: ')).lastIndexOf(true)
  let error = errorAt >= 0 ? (lines[errorAt] as string) : undefined
  // `Error: 2 errors occurred:` (one per platform) is followed by `\t* <error>` lines: take the first.
  if (error && /^Error: \d+ errors occurred:/.test(error)) {
    const first = lines.slice(errorAt + 1).find(l => /^\s*\* /.test(l))
    if (first) error = first.replace(/^\s*\* /, '')
  }
  const reason = (error ?? lines.filter(l => l.trim()).pop() ?? 'the build failed')
    .replace(/^Error:\s*/, '')
    .replace(/^building at STEP ".*?": /, '')
  const start = lines.map(l => STEP.test(l)).lastIndexOf(true)
  if (start < 0) return { summary: `Build failed: ${reason}`, reason, details: [] }
  const [, platform, stage, stages, n, total, instruction] = STEP.exec(lines[start] as string) as RegExpExecArray
  const lastStage = stage === undefined || stage === stages
  const own = Number(total) - labelSteps
  const steps = lastStage && labelSteps > 0 && own >= Number(n) ? String(own) : total
  // BuildKit names an unnamed stage by its index from 0: `[linux/arm64 stage-1 2/3]`.
  const position = [platform, stage !== undefined ? `stage-${Number(stage) - 1}` : undefined, `${n}/${steps}`].filter(Boolean).join(' ')
  const step = `[${position}] ${instruction}`
  const noise = /^(-->|Error: |subprocess exited with status|STEP |COMMIT|\[Warning\]|time=|\s*\* building at STEP)/
  const details = lines.slice(start + 1).filter(l => l.trim() !== '' && !noise.test(l))
  const matches = dockerfile.split('\n').flatMap((l, i) => (l.trim() === instruction?.trim() ? [i + 1] : []))
  const line = matches.length === 1 ? matches[0] : undefined
  const where = [step, line !== undefined ? `Dockerfile line ${line}` : undefined].filter(Boolean).join(', ')
  return { summary: `Build failed at ${where}: ${reason}`, reason, step, details, line }
}

/**
 * podman turns `--label`s into LABEL steps at the end of the Dockerfile's last stage, which it
 * builds when no target, or that stage's name, is given; else it sets them outside the steps.
 */
export function targetsLastStage(target: string, dockerfile: string): boolean {
  if (!target) return true
  const froms = [...dockerfile.matchAll(/^\s*FROM\s+(?:--\S+\s+)*\S+(?:\s+AS\s+(\S+))?\s*$/gim)]
  const last = froms[froms.length - 1]?.[1]
  return last !== undefined && last.toLowerCase() === target.toLowerCase()
}

/** podman with this run's own auth file (REGISTRY_AUTH_FILE): login, build, push each reference. */
export class PodmanCli implements Engine {
  readonly name = 'podman' as const
  /** Registries this run logged in to: a push there that ends in `unauthorized` is tried once more. */
  private readonly loggedIn = new Set<string>()

  constructor(
    private readonly env: Record<string, string>,
    private readonly policy: RetryPolicy = { retries: 0, delayMs: 0 },
    private readonly hooks: RetryHooks = defaultHooks
  ) {}

  exec(args: string[], opts: { silent?: boolean; allowFailure?: boolean; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    return run('podman', args, { ...opts, env: this.env })
  }

  async login(registry: string, username: string, password: string): Promise<number> {
    try {
      const { attempts } = await withRetries(`Login to ${registry}`, this.policy, this.hooks, () =>
        this.exec(['login', '--username', username, '--password-stdin', registry], {
          input: password,
          timeoutMs: timeoutMs('login', process.env)
        })
      )
      this.loggedIn.add(registry)
      return attempts
    } catch (e) {
      throw loginError(registry, username, e, 'podman')
    }
  }

  /** The cache plan is BuildKit's and not taken: main says once when cache was asked for. */
  async build(plan: Plan, files: BuildFiles, _cache?: unknown, onPushed: (references: string[]) => void = () => {}): Promise<BuildOutcome> {
    const multi = plan.build.platforms.length > 1
    // A manifest list needs a name of its own: the first reference is also a tag of it. An image or
    // list of that name from an earlier build would get this build's images added to it: untag it.
    const manifest = multi ? plan.references[0] : undefined
    if (manifest) await this.exec(['untag', manifest], { silent: true, allowFailure: true })
    const dockerfile = readOptional(plan.build.file)
    const labelsAreSteps = targetsLastStage(plan.build.target, dockerfile)
    // podman 4.3 commits the labels of a target that is not the last stage after its steps, out of
    // the cache key: a cached image would keep an earlier build's labels (revision, created). Such
    // a target is built unlabelled, then labelled by a build of its own (podmanLabelArgs).
    // (Several platforms build without cache anyway.)
    const labelAfter = !labelsAreSteps && !manifest
    const targetIid = `${files.iidFile}.target`
    const argv = podmanBuildArgs(plan, files, manifest, labelAfter ? { iidFile: targetIid } : undefined)
    let result: RunResult
    try {
      result = await core.group('Build', async () => {
        const built = await this.exec(argv)
        if (labelAfter) await this.label(plan, files, readOptional(targetIid).trim())
        return built
      })
    } catch (e) {
      if (!(e instanceof CommandError)) throw e
      const labelSteps = labelsAreSteps ? Object.keys(plan.labels).length : 0
      throw buildError(parsePodmanFailure(`${e.stdout}\n${e.stderr}`, dockerfile, labelSteps), plan)
    }
    const { pushed, digest } = plan.push ? await this.pushEach(plan, files, onPushed, manifest) : { pushed: [], digest: '' }
    return {
      engine: 'podman',
      digest,
      imageId: readOptional(files.iidFile).trim(),
      metadata: '',
      pushed,
      steps: countPodmanSteps(`${result.stdout}\n${result.stderr}`, labelsAreSteps ? Object.keys(plan.labels).length : 0),
      attempts: 1
    }
  }

  /** What a tested build made (the manifest list of several platforms), pushed without building again. */
  async pushLoaded(
    plan: Plan,
    files: BuildFiles,
    built: BuildOutcome,
    onPushed: (references: string[]) => void = () => {}
  ): Promise<BuildOutcome> {
    const { pushed, digest } = await this.pushEach(plan, files, onPushed, plan.build.platforms.length > 1 ? plan.references[0] : undefined)
    return { ...built, digest, pushed }
  }

  /** `podman push` of each reference (of the whole list to each), each retried on its own. */
  private async pushEach(
    plan: Plan,
    files: BuildFiles,
    onPushed: (references: string[]) => void,
    manifest?: string
  ): Promise<{ pushed: string[]; digest: string }> {
    const pushed: string[] = []
    let digest = ''
    await core.group('Push', async () => {
      for (const ref of plan.references) {
        const digestFile = `${files.iidFile}.digest`
        try {
          await withRetries(
            `Push of ${ref}`,
            this.policy,
            this.hooks,
            () => this.exec(podmanPushArgs(ref, digestFile, manifest), { timeoutMs: timeoutMs('push', process.env) }),
            { afterLogin: this.loggedIn.has(registryHost(ref)) }
          )
        } catch (e) {
          throw pushError(plan, pushed, e, { engine: 'podman', loggedIn: this.loggedIn }, ref)
        }
        digest ||= readOptional(digestFile).trim()
        pushed.push(ref)
        onPushed([ref])
      }
    })
    return { pushed, digest }
  }

  /** Labels and tags the image `id` (a target before the last stage) by a build `FROM id`. */
  private async label(plan: Plan, files: BuildFiles, id: string): Promise<void> {
    const dir = `${files.iidFile}.label`
    mkdirSync(path.join(dir, 'context'), { recursive: true, mode: 0o700 })
    const containerfile = path.join(dir, 'Containerfile')
    writeFileSync(containerfile, `FROM ${id}\n`)
    await this.exec(podmanLabelArgs(plan, files, containerfile, path.join(dir, 'context')))
  }
}

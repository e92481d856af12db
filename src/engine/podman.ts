import * as core from '@actions/core'
import type { BuildFailure, StepCounts } from '../build-log.js'
import type { CachePlan } from '../cache.js'
import { CommandError, run, type RunResult } from '../exec.js'
import type { Plan } from '../plan.js'
import { RetriesExhausted, type RetryHooks, type RetryPolicy, withRetries } from '../retry.js'
import type { BuildFiles } from './argv.js'
import { type BuildOutcome, buildError, causeOf, defaultHooks, type Engine, LoginError, pushError, readOptional } from './engine.js'

/** Flags podman build shares with docker build: file, tags, labels, args, target, secrets. */
export function podmanBuildArgs(plan: Plan, files: BuildFiles, manifest?: string): string[] {
  const b = plan.build
  const args = ['build', '--file', b.file]
  if (!manifest) for (const ref of plan.references) args.push('--tag', ref)
  for (const [k, v] of Object.entries(plan.labels)) args.push('--label', `${k}=${v}`)
  for (const { key, value } of b.buildArgs) args.push('--build-arg', `${key}=${value}`)
  if (b.target) args.push('--target', b.target)
  if (b.platforms.length > 0) args.push('--platform', b.platforms.join(','))
  // Several platforms build into a manifest list, pushed whole with `manifest push --all`. Without
  // --no-cache, podman 4.3 reuses the image built for one platform as the next one's cache when
  // their bases are the same (FROM scratch), and the list ends up holding a single image.
  if (manifest) args.push('--manifest', manifest, '--no-cache')
  for (const id of b.secretIds) args.push('--secret', `id=${id},src=${files.secretFiles[id]}`)
  args.push('--iidfile', files.iidFile, b.context)
  return args
}

/** `podman push` of one reference, or of the whole manifest list to it; the digest goes to a file. */
export function podmanPushArgs(ref: string, digestFile: string, manifest?: string): string[] {
  return manifest
    ? ['manifest', 'push', '--all', '--digestfile', digestFile, manifest, `docker://${ref}`]
    : ['push', '--digestfile', digestFile, ref]
}

const STEP = /^(?:\[([^\]]+)\] )?STEP (\d+\/\d+): (.*)$/

/** The Dockerfile steps podman ran (`STEP 2/3: RUN ...`) and those it took from cache. */
export function countPodmanSteps(log: string): StepCounts {
  let steps = 0
  let cached = 0
  let current = false
  for (const line of log.split('\n')) {
    if (STEP.test(line)) {
      steps++
      current = true
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
 */
export function parsePodmanFailure(log: string, dockerfile = ''): BuildFailure {
  const lines = log.split('\n').map(l => l.replace(/\r$/, ''))
  const error = [...lines].reverse().find(l => l.startsWith('Error: '))
  const reason = (error ?? lines.filter(l => l.trim()).pop() ?? 'the build failed')
    .replace(/^Error:\s*/, '')
    .replace(/^building at STEP ".*": /, '')
  const start = lines.map(l => STEP.test(l)).lastIndexOf(true)
  if (start < 0) return { summary: `Build failed: ${reason}`, reason, details: [] }
  const [, platform, n, instruction] = STEP.exec(lines[start] as string) as RegExpExecArray
  const step = `[${platform ? `${platform} ` : ''}${n}] ${instruction}`
  const noise = /^(-->|Error: |subprocess exited with status|STEP |COMMIT|\[Warning\]|time=)/
  const details = lines.slice(start + 1).filter(l => l.trim() !== '' && !noise.test(l))
  const matches = dockerfile.split('\n').flatMap((l, i) => (l.trim() === instruction?.trim() ? [i + 1] : []))
  const line = matches.length === 1 ? matches[0] : undefined
  const where = [step, line !== undefined ? `Dockerfile line ${line}` : undefined].filter(Boolean).join(', ')
  return { summary: `Build failed at ${where}: ${reason}`, reason, step, details, line }
}

/** podman with this run's own auth file (REGISTRY_AUTH_FILE): login, build, push each reference. */
export class PodmanCli implements Engine {
  readonly name = 'podman' as const

  constructor(
    private readonly env: Record<string, string>,
    private readonly policy: RetryPolicy = { retries: 0, delayMs: 0 },
    private readonly hooks: RetryHooks = defaultHooks
  ) {}

  exec(args: string[], opts: { silent?: boolean; allowFailure?: boolean; input?: string } = {}): Promise<RunResult> {
    return run('podman', args, { ...opts, env: this.env })
  }

  async login(registry: string, username: string, password: string): Promise<number> {
    try {
      const { attempts } = await withRetries(`Login to ${registry}`, this.policy, this.hooks, () =>
        this.exec(['login', '--username', username, '--password-stdin', registry], { input: password })
      )
      return attempts
    } catch (e) {
      const tries = e instanceof RetriesExhausted ? ` after ${e.attempts} attempts` : ''
      const cause = causeOf(e).replace(/^Error:\s*/, '')
      throw new LoginError(`Login to ${registry} as ${username} failed${tries}: ${cause}. Check the "username" and "password" inputs.`)
    }
  }

  async logout(registry: string): Promise<void> {
    await this.exec(['logout', registry], { silent: true })
  }

  async build(plan: Plan, files: BuildFiles, cache: CachePlan): Promise<BuildOutcome> {
    // An explicit `cache` is reported by main; cache-from / cache-to are BuildKit's too.
    if (cache.kind === 'custom') core.info('cache: cache-from / cache-to do not apply to podman; it uses its local layer cache.')
    const multi = plan.build.platforms.length > 1
    // A manifest list needs a name of its own: the first reference is also a tag of it. An image or
    // list of that name from an earlier build would get this build's images added to it: untag it.
    const manifest = multi ? plan.references[0] : undefined
    if (manifest) await this.exec(['untag', manifest], { silent: true, allowFailure: true })
    let result: RunResult
    try {
      result = await core.group('Build', () => this.exec(podmanBuildArgs(plan, files, manifest)))
    } catch (e) {
      if (!(e instanceof CommandError)) throw e
      throw buildError(parsePodmanFailure(`${e.stdout}\n${e.stderr}`, readOptional(plan.build.file)), plan)
    }
    const pushed: string[] = []
    let digest = ''
    if (plan.push) {
      await core.group('Push', async () => {
        for (const ref of plan.references) {
          const digestFile = `${files.iidFile}.digest`
          try {
            await withRetries(`Push of ${ref}`, this.policy, this.hooks, () => this.exec(podmanPushArgs(ref, digestFile, manifest)))
          } catch (e) {
            throw pushError(plan, pushed, e)
          }
          digest ||= readOptional(digestFile).trim()
          pushed.push(ref)
        }
      })
    }
    return {
      engine: 'podman',
      digest,
      imageId: readOptional(files.iidFile).trim(),
      metadata: '',
      pushed,
      steps: countPodmanSteps(`${result.stdout}\n${result.stderr}`),
      attempts: 1
    }
  }
}

import * as core from '@actions/core'
import { countSteps, parseBuildFailure } from '../build-log.js'
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
  // Several platforms build into a manifest list, pushed whole with `manifest push --all`.
  if (manifest) args.push('--manifest', manifest)
  for (const id of b.secretIds) args.push('--secret', `id=${id},src=${files.secretFiles[id]}`)
  args.push('--iidfile', files.iidFile, b.context)
  return args
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
      throw new LoginError(`Login to ${registry} as ${username} failed${tries}: ${causeOf(e)}. Check the "username" and "password" inputs.`)
    }
  }

  async logout(registry: string): Promise<void> {
    await this.exec(['logout', registry], { silent: true })
  }

  async build(plan: Plan, files: BuildFiles, cache: CachePlan): Promise<BuildOutcome> {
    if (cache.kind !== 'off' || cache.from.length > 0) core.info(cache.note)
    const multi = plan.build.platforms.length > 1
    // A manifest list needs a name of its own: the first reference is also a tag of it.
    const manifest = multi ? plan.references[0] : undefined
    let result: RunResult
    try {
      result = await core.group('Build', () => this.exec(podmanBuildArgs(plan, files, manifest)))
    } catch (e) {
      if (!(e instanceof CommandError)) throw e
      throw buildError(parseBuildFailure(`${e.stdout}\n${e.stderr}`), plan)
    }
    const pushed: string[] = []
    let digest = ''
    if (plan.push) {
      await core.group('Push', async () => {
        for (const ref of plan.references) {
          const digestFile = `${files.iidFile}.digest`
          const argv = multi
            ? ['manifest', 'push', '--all', '--digestfile', digestFile, manifest as string, `docker://${ref}`]
            : ['push', '--digestfile', digestFile, ref]
          try {
            await withRetries(`Push of ${ref}`, this.policy, this.hooks, () => this.exec(argv))
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
      steps: countSteps(`${result.stdout}\n${result.stderr}`),
      attempts: 1
    }
  }
}

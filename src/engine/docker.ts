import { readFileSync } from 'node:fs'
import * as core from '@actions/core'
import { countSteps, parseBuildFailure, type StepCounts } from '../build-log.js'
import { CommandError, run, type RunResult } from '../exec.js'
import { InputError } from '../errors.js'
import type { Plan } from '../plan.js'
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

/** The docker CLI bound to this run's config folder: every call goes through `run`. */
export class DockerCli {
  constructor(private readonly env: Record<string, string>) {}

  exec(args: string[], opts: { silent?: boolean; allowFailure?: boolean; input?: string } = {}): Promise<RunResult> {
    return run('docker', args, { ...opts, env: this.env })
  }

  /** One probe, and only under `auto`: `docker buildx version` answers without a daemon round trip. */
  async engine(choice: EngineChoice): Promise<EngineName> {
    if (choice === 'docker') return 'docker'
    const probe = await this.exec(['buildx', 'version'], { silent: true, allowFailure: true })
    if (probe.exitCode === 0) return 'buildx'
    if (choice === 'buildx') {
      throw new InputError(
        'Input "engine" is "buildx" but "docker buildx version" does not answer: add docker/setup-buildx-action before this step, or use engine: docker.'
      )
    }
    return 'docker'
  }

  async login(registry: string, username: string, password: string): Promise<void> {
    const r = await this.exec(loginArgs(registry, username), { input: password, allowFailure: true })
    if (r.exitCode !== 0) {
      const reason = (r.stderr.trim() || r.stdout.trim()).split('\n').filter(Boolean).slice(-1)[0] ?? `exit code ${r.exitCode}`
      throw new LoginError(
        `Login to ${registry} as ${username} failed: ${reason.replace(/^Error response from daemon: /, '')}. Check the "username" and "password" inputs (a token needs read & write rights).`
      )
    }
  }

  async logout(registry: string): Promise<void> {
    await this.exec(logoutArgs(registry), { silent: true })
  }

  async build(engine: EngineName, plan: Plan, files: BuildFiles): Promise<BuildOutcome> {
    const argv = engine === 'buildx' ? buildxBuildArgs(plan, files) : dockerBuildArgs(plan, files)
    let result: RunResult
    try {
      result = await core.group('Build', () => this.exec(argv))
    } catch (e) {
      if (!(e instanceof CommandError)) throw e
      const failure = parseBuildFailure(`${e.stdout}\n${e.stderr}`)
      throw new BuildError([failure.summary, ...failure.details.map(d => `  ${d}`)].join('\n'), plan.build.file, failure.line)
    }
    const steps = countSteps(`${result.stdout}\n${result.stderr}`)
    const imageId = readOptional(files.iidFile).trim()
    if (engine === 'buildx') {
      const metadata = readOptional(files.metadataFile)
      const digest = plan.push ? metadataDigest(metadata) : ''
      return { engine, digest, imageId, metadata, pushed: plan.push ? plan.references : [], steps }
    }
    const pushed: string[] = []
    let digest = ''
    if (plan.push) {
      await core.group('Push', async () => {
        for (const ref of plan.references) {
          const r = await this.exec(dockerPushArgs(ref))
          digest ||= /digest: (sha256:[0-9a-f]{64})/.exec(r.stdout)?.[1] ?? ''
          pushed.push(ref)
        }
      })
    }
    return { engine, digest, imageId, metadata: '', pushed, steps }
  }
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

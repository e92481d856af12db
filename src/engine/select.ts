import * as core from '@actions/core'
import { type Builder, parseBuilder } from '../cache.js'
import { CommandError, run, type RunResult } from '../exec.js'
import { InputError } from '../errors.js'
import type { EngineChoice } from '../settings.js'
import { lastErrorLine } from './engine.js'

export interface Probe {
  builder: Builder
}

/** A probe command's result; a program that is not installed answers like a failed one. */
async function probe(command: string, args: string[], env: Record<string, string>): Promise<RunResult> {
  try {
    return await run(command, args, { env, silent: true, allowFailure: true })
  } catch (e) {
    if (e instanceof CommandError) return { exitCode: e.exitCode, stdout: e.stdout, stderr: e.stderr }
    throw e
  }
}

/**
 * The one engine probe: `docker buildx inspect [builder]` says both whether buildx answers and
 * what its builder can do (driver, cache export). Only when it fails does `auto` ask whether a
 * docker daemon answers at all, and else whether podman is there.
 */
export async function probeEngine(
  choice: EngineChoice,
  env: Record<string, string>,
  builderName?: string,
  /** The same inspect, started when the process started (early-probe.ts), when its key matches. */
  early?: Promise<RunResult>
): Promise<Builder> {
  if (choice === 'docker') return { engine: 'docker', cacheExport: false }
  if (choice === 'podman') return { engine: 'podman', cacheExport: false }
  const args = ['buildx', 'inspect', ...(builderName ? [builderName] : [])]
  if (early) core.debug(`run: docker ${args.join(' ')} (started with the process)`)
  const inspect = early ? await early : await probe('docker', args, env)
  // buildx exits 0 for a builder whose engine does not answer, printing `Error: ...` instead of a driver.
  const broken = /^Error:\s*(.+)$/m.exec(inspect.stdout)?.[1]?.trim()
  if (inspect.exitCode === 0 && !broken) return { ...parseBuilder(inspect.stdout), name: builderName }
  const why = broken || lastErrorLine(inspect.stderr) || `exit code ${inspect.exitCode}`
  if (choice === 'buildx' || builderName) {
    throw new InputError(
      builderName
        ? `Input "builder" is "${builderName}" but "docker buildx inspect ${builderName}" fails (${why}): create the builder first (docker/setup-buildx-action or docker buildx create), or leave builder empty.`
        : `Input "engine" is "buildx" but "docker buildx inspect" fails (${why}): add docker/setup-buildx-action before this step, or use engine: docker.`
    )
  }
  const daemon = await probe('docker', ['version', '--format', '{{.Server.Version}}'], env)
  if (daemon.exitCode === 0) return { engine: 'docker', cacheExport: false }
  const podman = await probe('podman', ['--version'], env)
  if (podman.exitCode === 0) return { engine: 'podman', cacheExport: false }
  throw new InputError(
    `Input "engine" is "auto" but no engine answers: docker says "${lastErrorLine(daemon.stderr) || why}" and podman is not installed. Start Docker (or set docker-host), or install podman.`
  )
}

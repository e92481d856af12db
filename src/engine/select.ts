import { type Builder, parseBuilder } from '../cache.js'
import { run } from '../exec.js'
import { InputError } from '../errors.js'
import type { EngineChoice } from '../settings.js'
import { lastErrorLine } from './engine.js'

export interface Probe {
  builder: Builder
}

/**
 * The one engine probe: `docker buildx inspect [builder]` says both whether buildx answers and
 * what its builder can do (driver, cache export). Only when it fails does `auto` ask whether a
 * docker daemon answers at all, and else whether podman is there.
 */
export async function probeEngine(choice: EngineChoice, env: Record<string, string>, builderName?: string): Promise<Builder> {
  if (choice === 'docker') return { engine: 'docker', cacheExport: false }
  if (choice === 'podman') return { engine: 'podman', cacheExport: false }
  const inspect = await run('docker', ['buildx', 'inspect', ...(builderName ? [builderName] : [])], {
    env,
    silent: true,
    allowFailure: true
  })
  if (inspect.exitCode === 0) return { ...parseBuilder(inspect.stdout), name: builderName }
  const why = lastErrorLine(inspect.stderr) || `exit code ${inspect.exitCode}`
  if (choice === 'buildx' || builderName) {
    throw new InputError(
      builderName
        ? `Input "builder" is "${builderName}" but "docker buildx inspect ${builderName}" fails (${why}): create the builder first (docker/setup-buildx-action or docker buildx create), or leave builder empty.`
        : `Input "engine" is "buildx" but "docker buildx inspect" fails (${why}): add docker/setup-buildx-action before this step, or use engine: docker.`
    )
  }
  const daemon = await run('docker', ['version', '--format', '{{.Server.Version}}'], { env, silent: true, allowFailure: true })
  if (daemon.exitCode === 0) return { engine: 'docker', cacheExport: false }
  const podman = await run('podman', ['--version'], { env, silent: true, allowFailure: true })
  if (podman.exitCode === 0) return { engine: 'podman', cacheExport: false }
  throw new InputError(
    `Input "engine" is "auto" but no engine answers: docker says "${lastErrorLine(daemon.stderr) || why}" and podman is not installed. Start Docker (or set docker-host), or install podman.`
  )
}

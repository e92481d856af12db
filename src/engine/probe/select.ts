/**
 * Which engine this run builds with, per the `engine` input: buildx (the early or fast probe, else
 * `docker buildx inspect`), the classic docker build, or podman.
 */
import * as core from '@actions/core'
import { parseBuilder } from './buildx-inspect.js'
import { CommandError, run, type RunResult } from '../exec.js'
import { InputError } from '../../shared/errors.js'
import type { Builder } from '../../shared/builder.js'
import type { EngineChoice } from '../../shared/input-grammar.js'
import { lastErrorLine } from '../engine.js'
import { type ProbeAnswer, startBuildxProbe } from './early-probe.js'
import { childEnv } from '../../shared/runner-env.js'
import { findBuildxPlugin } from './fast-probe.js'
import { CommandTimeout, engineAddress, timeoutMs } from '../../shared/timeouts.js'

/** From this version on, the docker CLI hands `docker build` to buildx while BuildKit is on (the action always turns it on). */
const CLI_NEEDS_BUILDX = 23

/** The major version of a docker CLI version string ("28.2.2", "20.10.24+dfsg1"), or NaN. */
export function cliMajor(version: string): number {
  return Number(/^(\d+)\./.exec(version.trim())?.[1] ?? NaN)
}

/**
 * The one-line refusal for a docker CLI that needs buildx to build but has none: said before any
 * login, instead of the CLI's "BuildKit is enabled but the buildx component is missing or broken"
 * after it. The legacy builder (DOCKER_BUILDKIT=0) is not a fallback: it has no cache export,
 * build secrets, multi-platform or RUN --mount, which this action's defaults rely on.
 */
export function noBuildxError(choice: EngineChoice, client: string, why: string, plugin?: string): InputError {
  const what = plugin ? `has a buildx plugin, ${plugin}, that fails (${why})` : `has no buildx plugin (${why})`
  return new InputError(
    `Input "engine" is "${choice}" but the docker CLI ${client} ${what}, and since Docker 23 "docker build" needs it: add docker/setup-buildx-action before this step, or install the plugin (apt-get install docker-buildx, or docker-buildx-plugin from Docker's repository, or put docker-buildx in ~/.docker/cli-plugins), or use engine: podman.`
  )
}

/** The docker CLI's version when a daemon answers too; `server` is '' when none answers. */
async function dockerVersions(env: Record<string, string>): Promise<{ client: string; server: string; result: RunResult }> {
  const result = await probe('docker', ['version', '--format', '{{.Client.Version}}|{{.Server.Version}}'], env)
  const [client = '', server = ''] = result.stdout.trim().split('|')
  return { client, server: result.exitCode === 0 ? server : '', result }
}

/** No Docker engine answers at the address the user gave (docker-host or DOCKER_HOST). */
export function unreachableEngine(choice: EngineChoice, address: string, said: string): InputError {
  return new InputError(
    `Input "engine" is "${choice}" but no Docker engine answers at ${address} (docker-host or DOCKER_HOST; docker says "${said}"): start the engine there, or fix docker-host / DOCKER_HOST.${choice === 'auto' ? ' podman is not tried in its place, since an engine address was given.' : ''}`
  )
}

/**
 * engine: docker, classic `docker build`: refused before login when the CLI needs a buildx it does
 * not have, or when the engine address given does not answer (the docker CLI would log in on its
 * own then, and the build fail later).
 */
async function classicDocker(env: Record<string, string>): Promise<Builder> {
  const dockerConfig = env.DOCKER_CONFIG
  const address = env.DOCKER_HOST || process.env.DOCKER_HOST
  if (address || (dockerConfig && !findBuildxPlugin(dockerConfig))) {
    const { client, server, result } = await dockerVersions(env)
    if (address && !server) throw unreachableEngine('docker', address, lastErrorLine(result.stderr) || `exit code ${result.exitCode}`)
    if (dockerConfig && !findBuildxPlugin(dockerConfig) && cliMajor(client) >= CLI_NEEDS_BUILDX) {
      throw noBuildxError('docker', client, 'none in its plugin folders')
    }
  }
  return { engine: 'docker', cacheExport: false }
}

/** A probe command's result; a program that is not installed answers like a failed one. */
async function probe(command: string, args: string[], env: Record<string, string>): Promise<RunResult> {
  try {
    return await run(command, args, { env, silent: true, allowFailure: true, timeoutMs: timeoutMs('probe', process.env) })
  } catch (e) {
    if (e instanceof CommandError) return { exitCode: e.exitCode, stdout: e.stdout, stderr: e.stderr }
    throw e
  }
}

/**
 * The one engine probe: buildx's default builder read from the engine itself when buildx would
 * surely use it (fast-probe.ts), else `docker buildx inspect [builder]`, which says both whether
 * buildx answers and what its builder can do (driver, cache export). Only when that fails does
 * `auto` ask whether a docker daemon answers at all, and else whether podman is there.
 */
export async function probeEngine(
  choice: EngineChoice,
  env: Record<string, string>,
  builderName?: string,
  /** The same probe, started when the process started (early-probe.ts), when its key matches. */
  early?: Promise<ProbeAnswer>
): Promise<Builder> {
  if (choice === 'docker') return classicDocker(env)
  if (choice === 'podman') return { engine: 'podman', cacheExport: false }
  if (early) core.debug('probe: started with the process')
  const answer = await (early ?? startBuildxProbe(childEnv(process.env, env), builderName ?? '').result)
  if ('builder' in answer) {
    core.debug(`probe: buildx's default builder, from ${answer.via}`)
    return answer.builder
  }
  core.debug(`probe: docker buildx inspect${builderName ? ` ${builderName}` : ''} (${answer.fastMiss})`)
  const inspect = answer.inspect
  // An engine that accepts and never answers is not a missing one: no fallback to another engine.
  if (inspect.timedOut) {
    const probeEnv = childEnv(process.env, env)
    throw new CommandTimeout('docker buildx inspect', timeoutMs('probe', probeEnv), engineAddress('docker', probeEnv))
  }
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
  const { client, server, result: daemon } = await dockerVersions(env)
  if (server) {
    if (cliMajor(client) >= CLI_NEEDS_BUILDX) {
      const plugin = env.DOCKER_CONFIG ? findBuildxPlugin(env.DOCKER_CONFIG) : undefined
      throw noBuildxError('auto', client, `docker buildx inspect: ${why}`, plugin)
    }
    return { engine: 'docker', cacheExport: false }
  }
  // An engine address that was given and does not answer is the fault to report: falling to podman
  // would end in a registry error that hides it.
  const address = env.DOCKER_HOST || process.env.DOCKER_HOST
  if (address) throw unreachableEngine('auto', address, lastErrorLine(daemon.stderr) || why)
  const podman = await probe('podman', ['--version'], env)
  if (podman.exitCode === 0) return { engine: 'podman', cacheExport: false }
  throw new InputError(
    `Input "engine" is "auto" but no engine answers: docker says "${lastErrorLine(daemon.stderr) || why}" and podman is not installed. Start Docker (or set docker-host), or install podman.`
  )
}

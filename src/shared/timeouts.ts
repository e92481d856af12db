/**
 * How long an engine command other than the build may take, and the error when it takes longer: an
 * engine socket that accepts and never answers must fail the step, not hold it until the job's own
 * timeout. Node built-ins only (the entry's probe and the post step's logout use it too).
 */

/** The commands that get a bound, each with its own default. The build itself has none. */
export type BoundedCommand = 'probe' | 'login' | 'logout' | 'push' | 'setup'

const DEFAULT_SECONDS: Record<BoundedCommand, number> = {
  probe: 60, // docker buildx inspect, docker version
  login: 60,
  logout: 60,
  push: 30 * 60, // one tag (classic docker, podman): its layers may be large
  setup: 5 * 60 // the emulator installer's run, a docker-container builder's start: each pulls an image
}

/** The variable that replaces every default (seconds, for all the bounded commands at once). */
export const TIMEOUT_ENV = 'DOCKER_SHIP_TIMEOUT'

/** docker's address when DOCKER_HOST is not set. */
export const DEFAULT_ENGINE_ADDRESS = 'unix:///var/run/docker.sock'

/** The bound of `kind` in ms: DOCKER_SHIP_TIMEOUT (seconds, > 0) when set, else its default. */
export function timeoutMs(kind: BoundedCommand, env: Record<string, string | undefined>): number {
  const raw = (env[TIMEOUT_ENV] ?? '').trim()
  const seconds = Number(raw)
  if (raw !== '' && Number.isFinite(seconds) && seconds > 0) return Math.round(seconds * 1000)
  return DEFAULT_SECONDS[kind] * 1000
}

/** Where the command talks to its engine, as the user would set it. */
export function engineAddress(command: string, env: Record<string, string | undefined>): string {
  if (command === 'podman') return env.CONTAINER_HOST ? `${env.CONTAINER_HOST} (CONTAINER_HOST)` : "podman's local engine"
  return env.DOCKER_HOST
    ? `${env.DOCKER_HOST} (docker-host / DOCKER_HOST)`
    : `${DEFAULT_ENGINE_ADDRESS} (the default socket; docker-host or DOCKER_HOST was not set)`
}

/** A bounded command that did not finish in time: it was stopped. */
export class CommandTimeout extends Error {
  constructor(
    readonly command: string,
    readonly ms: number,
    readonly address: string
  ) {
    super(
      `${command} did not finish in ${ms / 1000} s and was stopped; engine: ${address}. Check that the engine at that address is running and answers (docker info, or podman info, with the same address), and that the registry is reachable from it; ${TIMEOUT_ENV} (seconds) sets a longer bound.`
    )
    this.name = 'CommandTimeout'
  }
}

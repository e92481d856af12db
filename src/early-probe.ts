/**
 * The engine probe (`docker buildx inspect`), started the moment the process starts, before the
 * rest of the bundle is even loaded: it takes ~300 ms (the buildx plugin starting), which then
 * overlaps loading the action, reading the inputs and the plan instead of following them.
 *
 * Only node built-ins here: this module is loaded first, alone. It reads the few raw inputs the
 * probe depends on; main uses the result only when the validated settings ask for exactly the
 * same probe (see `probeKey`), and runs its own otherwise. The probe is read-only and gets no
 * INPUT_* variable, like every child of the action.
 */
import { BUILDER_NAME, childEnv, type Collected, ENGINE_ADDRESS, isPostStep, runnerDockerConfig, spawnCollected } from './runner.js'

export type ProbeResult = Collected

export interface EarlyProbe {
  /** What was probed: compared with `probeKey` of the validated settings. */
  key: string
  result: Promise<ProbeResult>
  /** Stops the probe if it is still running (the run ended without needing it). */
  dispose(): void
}

/** Identifies a probe by what changes its answer: the builder asked for and the engine address. */
export function probeKey(builder: string, dockerHost: string): string {
  return JSON.stringify([builder, dockerHost])
}

/** Starts `docker buildx inspect [builder]` when this is a main step that will probe buildx. */
export function startEarlyProbe(env: NodeJS.ProcessEnv): EarlyProbe | undefined {
  const input = (name: string): string => (env[`INPUT_${name.toUpperCase()}`] ?? '').trim()
  if (isPostStep(env)) return undefined // the post step probes nothing
  if (input('dry-run').toLowerCase() === 'true') return undefined
  if (!['', 'auto', 'buildx'].includes(input('engine').toLowerCase())) return undefined
  const builder = input('builder')
  const dockerHost = input('docker-host')
  if ((builder !== '' && !BUILDER_NAME.test(builder)) || (dockerHost !== '' && !ENGINE_ADDRESS.test(dockerHost))) return undefined

  const probeEnv = childEnv(env, { DOCKER_CONFIG: runnerDockerConfig(env), ...(dockerHost ? { DOCKER_HOST: dockerHost } : {}) })
  // Not installed: answered like a failed probe (exit 127), as select.ts does.
  const { child, result } = spawnCollected('docker', ['buildx', 'inspect', ...(builder ? [builder] : [])], probeEnv)
  return {
    key: probeKey(builder, dockerHost),
    result,
    dispose: () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      // The run is over (an input error, a dry run decided later): do not wait for the probe.
      child.kill()
      child.stdout.destroy()
      child.stderr.destroy()
      child.unref()
    }
  }
}

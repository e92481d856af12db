/**
 * The buildx probe, started the moment the process starts, before the rest of the bundle is even
 * loaded: it then overlaps loading the action, reading the inputs and the plan instead of
 * following them. First the fast path (fast-probe.ts: one `GET /info` when buildx would use the
 * engine's own builder), else `docker buildx inspect [builder]` (~300 ms, the buildx plugin
 * starting).
 *
 * Only node built-ins here: this module is loaded first, alone. It reads the few raw inputs the
 * probe depends on; main uses the result only when the validated settings ask for exactly the
 * same probe (see `probeKey`), and runs its own otherwise. The probe is read-only and gets no
 * INPUT_* variable, like every child of the action.
 */
import { fastProbe } from './fast-probe.js'
import { childEnv, isPostStep, runnerDockerConfig } from '../../shared/runner-env.js'
import { type Collected, spawnCollected } from '../spawn.js'
import type { Builder } from '../../shared/builder.js'
import { BUILDER_NAME, ENGINE_ADDRESS } from '../../shared/input-grammar.js'
import { timeoutMs } from '../../shared/timeouts.js'

/** The fast path's builder, or what `docker buildx inspect` said and why the fast path did not answer. */
export type ProbeAnswer = { builder: Builder; via: string } | { inspect: Collected; fastMiss: string }

export interface RunningProbe {
  result: Promise<ProbeAnswer>
  /** Stops the probe if it is still running (the run ended without needing it). */
  dispose(): void
}

export interface EarlyProbe extends RunningProbe {
  /** What was probed: compared with `probeKey` of the validated settings. */
  key: string
}

/** Identifies a probe by what changes its answer: the builder asked for and the engine address. */
export function probeKey(builder: string, dockerHost: string): string {
  return JSON.stringify([builder, dockerHost])
}

/** The fast path, then `docker buildx inspect [builder]` in `env` (which carries DOCKER_CONFIG). */
export function startBuildxProbe(env: Record<string, string>, builder: string): RunningProbe {
  let disposed = false
  let stop = (): void => undefined
  const result = (async (): Promise<ProbeAnswer> => {
    const fast = await fastProbe(env, builder, runnerDockerConfig(env))
    if ('builder' in fast) return { builder: fast.builder, via: `GET /info on ${fast.address}` }
    if (disposed) return { inspect: { exitCode: 1, stdout: '', stderr: 'probe stopped' }, fastMiss: fast.reason }
    // Not installed: answered like a failed probe (exit 127), as select.ts does.
    const { child, result: inspect } = spawnCollected(
      'docker',
      ['buildx', 'inspect', ...(builder ? [builder] : [])],
      env,
      timeoutMs('probe', env)
    )
    stop = () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill()
      child.stdout.destroy()
      child.stderr.destroy()
      child.unref()
    }
    return { inspect: await inspect, fastMiss: fast.reason }
  })()
  return {
    result,
    dispose: () => {
      // The run is over (an input error, a dry run decided later): do not wait for the probe.
      disposed = true
      stop()
    }
  }
}

/** Starts the probe when this is a main step that will probe buildx. */
export function startEarlyProbe(env: NodeJS.ProcessEnv): EarlyProbe | undefined {
  const input = (name: string): string => (env[`INPUT_${name.toUpperCase()}`] ?? '').trim()
  if (isPostStep(env)) return undefined // the post step probes nothing
  if (input('dry-run').toLowerCase() === 'true') return undefined
  if (!['', 'auto', 'buildx'].includes(input('engine').toLowerCase())) return undefined
  const builder = input('builder')
  const dockerHost = input('docker-host')
  if ((builder !== '' && !BUILDER_NAME.test(builder)) || (dockerHost !== '' && !ENGINE_ADDRESS.test(dockerHost))) return undefined

  const probeEnv = childEnv(env, { DOCKER_CONFIG: runnerDockerConfig(env), ...(dockerHost ? { DOCKER_HOST: dockerHost } : {}) })
  return { key: probeKey(builder, dockerHost), ...startBuildxProbe(probeEnv, builder) }
}

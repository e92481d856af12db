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
import { spawn } from 'node:child_process'
import * as os from 'node:os'
import * as path from 'node:path'

export interface ProbeResult {
  exitCode: number
  stdout: string
  stderr: string
}

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

const BUILDER = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/
const DOCKER_HOST = /^(tcp|ssh|unix|npipe|fd):\/\/\S+$/

/** Starts `docker buildx inspect [builder]` when this is a main step that will probe buildx. */
export function startEarlyProbe(env: NodeJS.ProcessEnv): EarlyProbe | undefined {
  const input = (name: string): string => (env[`INPUT_${name.toUpperCase()}`] ?? '').trim()
  if (env.STATE_isPost === 'true') return undefined // the post step probes nothing
  if (input('dry-run').toLowerCase() === 'true') return undefined
  if (!['', 'auto', 'buildx'].includes(input('engine').toLowerCase())) return undefined
  const builder = input('builder')
  const dockerHost = input('docker-host')
  if ((builder !== '' && !BUILDER.test(builder)) || (dockerHost !== '' && !DOCKER_HOST.test(dockerHost))) return undefined

  const childEnv: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !k.startsWith('INPUT_')) childEnv[k] = v
  childEnv.DOCKER_CONFIG = env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker')
  if (dockerHost !== '') childEnv.DOCKER_HOST = dockerHost

  const child = spawn('docker', ['buildx', 'inspect', ...(builder ? [builder] : [])], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  const result = new Promise<ProbeResult>(resolve => {
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    // Not installed: answered like a failed probe, as select.ts does.
    child.on('error', e => resolve({ exitCode: 127, stdout, stderr: e.message }))
    child.on('close', code => resolve({ exitCode: code ?? 1, stdout, stderr }))
  })
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

/**
 * What the runner gives a step and what the action gives its children, with node built-ins only:
 * the entry (early-probe.ts, post.ts) runs before, or without, the action's bundle, and the bundle
 * (exec.ts, facts.ts, settings.ts) shares these same rules.
 */
import { spawn } from 'node:child_process'
import * as os from 'node:os'
import * as path from 'node:path'

/** The post step: main saved `isPost` (state.ts), which the runner gives back as STATE_isPost. */
export function isPostStep(env: NodeJS.ProcessEnv): boolean {
  return env.STATE_isPost === 'true'
}

/**
 * The environment of every program the action runs: the step's, without the INPUT_* variables
 * (the password is one; no child needs them), plus `extra`.
 */
export function childEnv(env: NodeJS.ProcessEnv, extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !k.startsWith('INPUT_')) out[k] = v
  return Object.assign(out, extra)
}

/** The runner's own docker config folder (where an earlier login step wrote). */
export function runnerDockerConfig(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker')
}

export interface Collected {
  exitCode: number
  stdout: string
  stderr: string
}

/**
 * Runs a program quietly and keeps its output; one that cannot start (not installed) answers
 * exit code 127 with the reason in stderr. `child` lets a caller stop it.
 */
export function spawnCollected(command: string, args: string[], env: Record<string, string>) {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const result = new Promise<Collected>(resolve => {
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', e => resolve({ exitCode: 127, stdout, stderr: e.message }))
    child.on('close', code => resolve({ exitCode: code ?? 1, stdout, stderr }))
  })
  return { child, result }
}

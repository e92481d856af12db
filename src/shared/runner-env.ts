/**
 * What the runner gives a step and what the action gives its children, with node built-ins only:
 * the entry (early-probe.ts, post.ts) runs before, or without, the action's bundle, and the bundle
 * (exec.ts, facts.ts, main.ts) shares these same rules. Pure functions of the environment.
 */
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

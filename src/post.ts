/**
 * The post step: log out of every registry main logged in to, with the CLI and the environment it
 * logged in with, then delete the run folder (its docker config, the secret files). Also after a
 * failed main. It only warns: the job's result is main's.
 *
 * Node built-ins only: the post step runs on every job, and this way it does not load the action's
 * bundle (about 90 ms on a 2-core runner). It speaks the runner's protocol directly: STATE_* in,
 * `::warning::` and plain lines out, as @actions/core does.
 */
import { rmSync } from 'node:fs'
import * as path from 'node:path'
import { childEnv, spawnCollected } from './runner.js'
import type { PostState } from './state.js'

/** @actions/core's escaping of a workflow command's data. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

export interface PostOutput {
  info(message: string): void
  warning(message: string): void
}

const stdout: PostOutput = {
  info: message => process.stdout.write(`${message}\n`),
  warning: message => process.stdout.write(`::warning::${escapeData(message)}\n`)
}

/** The state main saved (`STATE_post`), or nothing to do. */
export function readState(env: NodeJS.ProcessEnv): PostState {
  const raw = env.STATE_post
  if (!raw) return { registries: [] }
  return JSON.parse(raw) as PostState
}

/** Never throws: every failure is a warning. */
export async function post(env: NodeJS.ProcessEnv = process.env, out: PostOutput = stdout): Promise<void> {
  try {
    await logoutAndClean(env, out)
  } catch (e) {
    out.warning(e instanceof Error ? e.message : String(e))
  }
}

async function logoutAndClean(env: NodeJS.ProcessEnv, out: PostOutput): Promise<void> {
  let state: PostState
  try {
    state = readState(env)
  } catch (e) {
    out.warning(`Could not read the state main left: ${(e as Error).message}`)
    return
  }
  if (!state.root) return
  const engineEnv = childEnv(env, state.env ?? { DOCKER_CONFIG: state.configDir ?? path.join(state.root, 'config') })
  const command = state.engine === 'podman' ? 'podman' : 'docker'
  for (const registry of state.registries) {
    const r = await spawnCollected(command, ['logout', registry], engineEnv).result
    if (r.exitCode === 0) out.info(`Logged out of ${registry}.`)
    else
      out.warning(
        `Could not log out of ${registry}: ${command} logout failed with exit code ${r.exitCode}\n${`${r.stdout}${r.stderr}`.trim()}`
      )
  }
  try {
    rmSync(state.root, { recursive: true, force: true })
  } catch (e) {
    out.warning(`Could not remove ${state.root}: ${(e as Error).message}`)
  }
}

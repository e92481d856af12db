/**
 * The post step: log out of every registry main logged in to, with the CLI and the environment it
 * logged in with, then delete the run folder (its docker config, the secret files). Also after a
 * failed main. It only warns: the job's result is main's.
 *
 * Node built-ins only: the post step runs on every job, and this way it does not load the action's
 * bundle (about 90 ms on a 2-core runner). It speaks the runner's protocol directly: STATE_* in,
 * `::warning::` and plain lines out, as @actions/core does.
 */
import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import * as path from 'node:path'
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

interface Result {
  exitCode: number
  output: string
}

/** Runs a logout: argv only, no INPUT_* variable (as every child of the action), output kept. */
function logout(command: string, registry: string, extraEnv: Record<string, string>, env: NodeJS.ProcessEnv): Promise<Result> {
  const childEnv: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !k.startsWith('INPUT_')) childEnv[k] = v
  Object.assign(childEnv, extraEnv)
  return new Promise(resolve => {
    const child = spawn(command, ['logout', registry], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    child.on('error', e => resolve({ exitCode: 127, output: e.message }))
    child.on('close', code => resolve({ exitCode: code ?? 1, output }))
  })
}

/** The state main saved (`STATE_post`), or nothing to do. */
export function readState(env: NodeJS.ProcessEnv): PostState {
  const raw = env.STATE_post
  if (!raw) return { registries: [] }
  return JSON.parse(raw) as PostState
}

export async function post(env: NodeJS.ProcessEnv = process.env, out: PostOutput = stdout): Promise<void> {
  let state: PostState
  try {
    state = readState(env)
  } catch (e) {
    out.warning(`Could not read the state main left: ${(e as Error).message}`)
    return
  }
  if (!state.root) return
  const engineEnv = state.env ?? { DOCKER_CONFIG: state.configDir ?? path.join(state.root, 'config') }
  const command = state.engine === 'podman' ? 'podman' : 'docker'
  for (const registry of state.registries) {
    const r = await logout(command, registry, engineEnv, env)
    if (r.exitCode === 0) out.info(`Logged out of ${registry}.`)
    else out.warning(`Could not log out of ${registry}: ${command} logout failed with exit code ${r.exitCode}\n${r.output.trim()}`)
  }
  try {
    rmSync(state.root, { recursive: true, force: true })
  } catch (e) {
    out.warning(`Could not remove ${state.root}: ${(e as Error).message}`)
  }
}

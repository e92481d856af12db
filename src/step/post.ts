/**
 * Clean-up: log out of every registry main logged in to, then delete the run folder (its docker
 * config, the secret files). Main does it as it ends; the post step (action.yml: only when the
 * job failed or was cancelled) does what main could not. It only warns: the job's result is
 * main's. When docker kept the credentials in the run folder's own config.json (no credential
 * helper), deleting the folder is the logout; otherwise each registry is logged out with the CLI
 * and the environment main logged in with.
 *
 * Node built-ins only: the post step does not load the action's bundle (about 90 ms on a 2-core
 * runner). It speaks the runner's protocol directly: STATE_* in,
 * `::warning::` and plain lines out, as @actions/core does.
 */
import { readFileSync, rmSync } from 'node:fs'
import * as path from 'node:path'
import { childEnv } from '../shared/runner-env.js'
import { spawnCollected } from '../engine/spawn.js'
import { CommandTimeout, engineAddress, timeoutMs } from '../shared/timeouts.js'
import type { PostState } from './state.js'
import { reportUnfinished } from './post-report.js'
import { removeStepBuilder } from './remove-builder.js'

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
  let state: PostState
  try {
    state = readState(env)
  } catch (e) {
    out.warning(`Could not read the state main left: ${(e as Error).message}`)
    return
  }
  reportUnfinished(state, env, m => out.warning(m))
  await cleanUp(state, env, out)
}

/**
 * Logs out of the registries of `state` and deletes its run folder: main does it when it ends,
 * and the post step again when main could not (cancelled, killed). Never throws; says whether
 * everything is done (false: a logout failed or the folder is still there).
 */
export async function cleanUp(state: PostState, env: NodeJS.ProcessEnv, out: PostOutput): Promise<boolean> {
  try {
    return await logoutAndClean(state, env, out)
  } catch (e) {
    out.warning(e instanceof Error ? e.message : String(e))
    return false
  }
}

async function logoutAndClean(state: PostState, env: NodeJS.ProcessEnv, out: PostOutput): Promise<boolean> {
  if (!state.root) return true
  const root = state.root
  const engineEnv = childEnv(env, state.env ?? { DOCKER_CONFIG: state.configDir ?? path.join(root, 'config') })
  const command = state.engine === 'podman' ? 'podman' : 'docker'
  const configDir = engineEnv.DOCKER_CONFIG ?? ''
  const builderGone = await removeStepBuilder(state, engineEnv, out)
  if (command === 'docker' && state.registries.length > 0 && isInside(configDir, root) && credentialsInFolder(configDir)) {
    // `docker logout` would only delete the entries of a file that is about to go: delete it.
    if (removeRunDir(root, out)) {
      for (const registry of state.registries)
        out.info(`Logged out of ${registry} (deleted this run's docker config, which held its credentials).`)
      return builderGone
    }
  }
  let loggedOut = true
  for (const registry of state.registries) {
    const r = await spawnCollected(command, ['logout', registry], engineEnv, timeoutMs('logout', engineEnv)).result
    if (r.exitCode === 0) out.info(`Logged out of ${registry}.`)
    else if (r.timedOut) {
      loggedOut = false
      out.warning(
        `Could not log out of ${registry}: ${new CommandTimeout(`${command} logout`, timeoutMs('logout', engineEnv), engineAddress(command, engineEnv)).message}`
      )
    } else {
      loggedOut = false
      out.warning(
        `Could not log out of ${registry}: ${command} logout failed with exit code ${r.exitCode}\n${`${r.stdout}${r.stderr}`.trim()}`
      )
    }
  }
  return removeRunDir(root, out) && loggedOut && builderGone
}

function isInside(dir: string, root: string): boolean {
  const rel = path.relative(root, dir)
  return dir !== '' && rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)
}

/**
 * Did `docker login` keep the credentials in this folder's config.json? Yes unless a credential
 * helper is configured there (`credsStore`, `credHelpers`, copied from the runner's own config),
 * which keeps them outside, where only `docker logout` removes them. In doubt (the file does not
 * parse), no.
 */
export function credentialsInFolder(configDir: string): boolean {
  let text: string
  try {
    text = readFileSync(path.join(configDir, 'config.json'), 'utf8')
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT'
  }
  try {
    const config = JSON.parse(text) as { credsStore?: unknown; credHelpers?: unknown }
    const helpers = config.credHelpers
    return !config.credsStore && (helpers === undefined || helpers === null || Object.keys(helpers).length === 0)
  } catch {
    return false
  }
}

function removeRunDir(root: string, out: PostOutput): boolean {
  try {
    rmSync(root, { recursive: true, force: true })
    return true
  } catch (e) {
    out.warning(`Could not remove ${root}: ${(e as Error).message}`)
    return false
  }
}

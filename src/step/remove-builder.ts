/**
 * Removes the docker-container builder the step made (platform-setup.ts): `docker buildx rm`,
 * run by main as it ends and by the post step after a cancel, before the run folder goes (its
 * docker config holds buildx's record of the builder). When buildx has no record (the folder went
 * first, the create never finished), the container and state volume buildx names after the
 * builder go directly. Node built-ins only, like post.ts.
 */
import { spawnCollected } from '../engine/spawn.js'
import { timeoutMs } from '../shared/timeouts.js'
import type { PostState } from './state.js'

/** True when no builder of this step is left. Never throws. */
export async function removeStepBuilder(
  state: PostState,
  env: Record<string, string>,
  out: { info(message: string): void; warning(message: string): void }
): Promise<boolean> {
  const name = state.builder
  if (!name) return true
  const bound = timeoutMs('logout', env)
  const rm = await spawnCollected('docker', ['buildx', 'rm', name], env, bound).result
  if (rm.exitCode === 0) {
    out.info(`Removed the builder ${name} this step created.`)
    return true
  }
  const container = `buildx_buildkit_${name}0`
  const direct = await spawnCollected('docker', ['rm', '--force', '--volumes', container], env, bound).result
  await spawnCollected('docker', ['volume', 'rm', '--force', `${container}_state`], env, bound).result
  if (direct.exitCode === 0 && direct.stdout.trim() !== '') {
    out.info(`Removed the builder ${name} this step created (its container ${container}).`)
    return true
  }
  if (direct.exitCode === 0 || /no such container/i.test(direct.stderr)) return true
  out.warning(
    `Could not remove the builder ${name} this step created: docker buildx rm said ${JSON.stringify((rm.stderr || rm.stdout).trim().split('\n').pop() ?? '')}, docker rm ${container} said ${JSON.stringify(direct.stderr.trim().split('\n').pop() ?? '')}.`
  )
  return false
}

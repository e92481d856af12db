import type { Builder } from '../cache.js'
import { InputError } from '../errors.js'
import type { Plan } from '../plan.js'

/**
 * Several platforms need a builder that makes image indexes: buildx on the containerd image store
 * or a docker-container/remote builder, or podman. The classic image store cannot: say what to
 * set up, before building anything.
 */
export function checkPlatforms(plan: Plan, builder: Builder): void {
  if (plan.build.platforms.length <= 1) return
  if (builder.engine === 'podman' || (builder.engine === 'buildx' && builder.cacheExport)) return
  const what =
    builder.engine === 'docker'
      ? 'the classic docker build'
      : `the buildx "${builder.driver ?? 'docker'}" driver on the classic image store`
  throw new InputError(
    `Input "platforms" is "${plan.build.platforms.join(',')}", which ${what} cannot build into one image: add docker/setup-qemu-action and docker/setup-buildx-action (a docker-container builder) before this step, or enable the containerd image store in the Docker engine.`
  )
}

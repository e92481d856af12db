/**
 * Whether the builder can make one image of several platforms: checked before anything is built.
 */
import type { Builder } from '../shared/builder.js'
import { InputError } from '../shared/errors.js'
import type { Plan } from '../plan/plan.js'

/**
 * Several platforms need a builder that makes image indexes: buildx on the containerd image store
 * or a docker-container/remote builder, or podman. The classic docker build cannot, nor the buildx
 * docker driver on the classic image store: say what to set up, before building anything.
 */
export function checkPlatforms(plan: Plan, builder: Builder): void {
  if (plan.build.platforms.length <= 1) return
  if (builder.engine === 'podman' || (builder.engine === 'buildx' && builder.cacheExport)) return
  const platforms = `Input "platforms" is "${plan.build.platforms.join(',')}"`
  // The classic path pushes one image per reference: no store setting makes it push an index.
  if (builder.engine === 'docker') {
    throw new InputError(
      `${platforms}, which the classic docker build (docker build + docker push) cannot build into one image: use engine: buildx (or auto) with docker/setup-buildx-action before this step, or engine: podman.`
    )
  }
  throw new InputError(
    `${platforms}, which the buildx "${builder.driver ?? 'docker'}" driver on the classic image store cannot build into one image: add docker/setup-buildx-action (a docker-container builder; docker/setup-qemu-action too for RUN steps of other platforms) before this step, or enable the containerd image store in the Docker engine.`
  )
}

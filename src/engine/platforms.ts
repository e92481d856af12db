/**
 * Whether the builder can make one image of several platforms: checked before anything is built.
 */
import type { Builder } from '../shared/builder.js'
import { InputError } from '../shared/errors.js'
import type { Plan } from '../plan/plan.js'

/**
 * Several platforms need a builder that makes image indexes: buildx on the containerd image store
 * or a docker-container/remote builder, or podman. The classic docker build cannot, nor the buildx
 * docker driver on the classic image store when the user named it in `builder` (without one, the
 * step makes its own docker-container builder: step/platform-setup.ts). Said before building.
 */
export function checkPlatforms(plan: Plan, builder: Builder): void {
  if (plan.build.platforms.length <= 1) return
  if (builder.engine === 'podman' || (builder.engine === 'buildx' && builder.cacheExport)) return
  const platforms = `Input "platforms" is "${plan.build.platforms.join(',')}"`
  // The classic path pushes one image per reference: no store setting makes it push an index.
  if (builder.engine === 'docker') {
    throw new InputError(
      `${platforms}, which the classic docker build (docker build + docker push) cannot build into one image: use engine: buildx (or auto), which makes a docker-container builder when it needs one, or engine: podman.`
    )
  }
  throw new InputError(
    `${platforms}, which the buildx "${builder.driver ?? 'docker'}" driver of builder ${builder.name ?? '(the current one)'} on the classic image store cannot build into one image: leave builder empty (the step then makes a docker-container builder), name a docker-container builder, or enable the containerd image store in the Docker engine.`
  )
}

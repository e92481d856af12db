/**
 * The builder this step makes for itself when the one it found cannot build several platforms
 * into one image: buildx's docker driver on the classic image store. A docker-container builder
 * (BuildKit in a container, what docker/setup-buildx-action creates) can; it is made before the
 * login and removed when the step ends (main, else the post step). Pure: the decision, the name
 * and the argv. On the containerd image store the docker driver builds indexes itself: nothing is
 * made.
 */
import type { Builder } from '../shared/builder.js'

/**
 * Whether this step makes its own builder: more than one platform, buildx's docker driver on the
 * classic store (no cache export there), and no `builder` input (a named builder is the user's).
 */
export function needsStepBuilder(platformCount: number, probed: Builder, builderInput: string): boolean {
  return (
    platformCount > 1 &&
    probed.engine === 'buildx' &&
    (probed.driver ?? 'docker') === 'docker' &&
    !probed.cacheExport &&
    builderInput === ''
  )
}

/** A name no other job on the same runner picks: `docker-ship-<8 hex>`. */
export function stepBuilderName(suffix: string): string {
  return `docker-ship-${suffix}`
}

/** What the build then runs on: buildx, `--builder <name>`, a docker-container driver (cache export, attestations, indexes). */
export function stepBuilder(name: string): Builder {
  return { engine: 'buildx', name, driver: 'docker-container', cacheExport: true }
}

/** `docker buildx create`, started at once (--bootstrap) so that an image that cannot be pulled fails before the login. */
export function createBuilderArgs(name: string, image: string): string[] {
  return ['buildx', 'create', '--name', name, '--driver', 'docker-container', '--driver-opt', `image=${image}`, '--bootstrap']
}

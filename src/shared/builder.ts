/**
 * The builder as the engine probe found it: what the cache decision (plan side) and the engines
 * (executing side) both read. A type only, below both, so neither side imports the other for it.
 */
export interface Builder {
  engine: 'buildx' | 'docker' | 'podman'
  /** The buildx builder name when one was chosen (`builder` input). */
  name?: string
  /** buildx driver: docker, docker-container, remote, kubernetes. */
  driver?: string
  /** Can the builder export cache to a registry (not the docker driver on the classic store)? */
  cacheExport: boolean
}

/**
 * Reads `docker buildx inspect` output into the Builder that the cache decision and the engines use.
 */
import type { Builder } from '../../shared/builder.js'

/**
 * Reads `buildx inspect` output: the driver, and whether the docker driver runs on the containerd
 * image store (its BuildKit worker then carries containerd labels), the one case where the plain
 * docker driver can export cache.
 */
export function parseBuilder(inspect: string): Builder {
  const driver = /^Driver:\s*(\S+)/m.exec(inspect)?.[1]
  const containerdStore =
    /worker\.containerd\.(namespace|uuid)/.test(inspect) || /worker\.snapshotter:\s*(overlayfs|native|stargz)/.test(inspect)
  return { engine: 'buildx', driver, cacheExport: driver !== undefined && (driver !== 'docker' || containerdStore) }
}

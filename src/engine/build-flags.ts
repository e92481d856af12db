/**
 * The flags docker/build-push-action's inputs become on each engine: buildx takes them all (as
 * build-push passes them), the classic docker build and podman the ones they have. What an engine
 * cannot do is refused before login (capabilities.ts), so these only translate. Pure.
 */
import { exporterTypes } from '../plan/inputs/build-inputs.js'
import type { BuildSpec } from '../plan/plan.js'

/** Secret id -> path of the file the engine reads it from (secrets, and secret-envs off buildx). */
type SecretFiles = Record<string, string>

const repeat = (flag: string, values: string[]): string[] => values.flatMap(v => [flag, v])

/** `outputs` that write files (type=local, type=tar): build-push then gives no --iidfile. */
export function exportsFiles(b: BuildSpec): boolean {
  return exporterTypes(b.inputs.outputs).some(t => t === 'local' || t === 'tar')
}

/**
 * The flags of buildx's `--load`/`--push` decision: explicit `load`, or the build-only default.
 * The docker driver keeps a pushed image in the engine anyway (a second, docker exporter fails
 * there with "image already exists"): `load` adds nothing to its push.
 */
export function buildxExports(b: BuildSpec, push: boolean, driver?: string): string[] {
  const flags = push ? ['--push'] : []
  if (push && driver === 'docker' && b.inputs.outputs.length === 0) return flags
  // Without --push or --load a docker-container builder keeps the result in its cache only; load
  // it so that a build-only run (pull request) still leaves an image to test, unless `outputs`
  // says where the result goes.
  if (b.inputs.load || (!push && b.inputs.outputs.length === 0 && b.platforms.length <= 1)) flags.push('--load')
  return flags
}

/**
 * build-push's arguments for its inputs. `canAttest`: the builder stores attestations (not the
 * docker driver on the classic image store), where build-push's default provenance applies
 * unless the image is loaded into docker (its own rule).
 */
export function buildxInputFlags(b: BuildSpec, canAttest: boolean, exports: string[]): string[] {
  const i = b.inputs
  const args = [...repeat('--add-host', i.addHosts), ...repeat('--allow', i.allow), ...repeat('--annotation', i.annotations)]
  args.push(...repeat('--build-context', i.buildContexts))
  if (i.call) args.push('--call', i.call)
  if (i.cgroupParent) args.push('--cgroup-parent', i.cgroupParent)
  args.push(...repeat('--no-cache-filter', i.noCacheFilters), ...repeat('--output', i.outputs))
  args.push(...repeat('--attest', b.attestations.attests))
  const loads = i.load || exports.includes('--load') || exporterTypes(i.outputs).includes('docker')
  if (b.attestations.defaultProvenance && canAttest && !loads) args.push('--attest', b.attestations.defaultProvenance)
  // The value of a secret-envs entry stays in the environment the engine inherits.
  for (const { id, env } of i.secretEnvs) args.push('--secret', `id=${id},env=${env}`)
  args.push(...commonInputFlags(b))
  if (i.shmSize) args.push('--shm-size', i.shmSize)
  args.push(...repeat('--ulimit', i.ulimits))
  if (i.network) args.push('--network', i.network)
  if (i.pull) args.push('--pull')
  return args
}

/** secret-files, ssh and no-cache, which all three engines spell alike. */
function commonInputFlags(b: BuildSpec): string[] {
  const i = b.inputs
  const args = i.secretFiles.flatMap(({ id, path }) => ['--secret', `id=${id},src=${path}`])
  args.push(...repeat('--ssh', i.ssh))
  if (i.noCache) args.push('--no-cache')
  return args
}

/** secret-envs off buildx: the run folder's 0600 file written from the variable (run-dir.ts). */
function envSecretFiles(b: BuildSpec, files: SecretFiles): string[] {
  return b.inputs.secretEnvs.flatMap(({ id }) => ['--secret', `id=${id},src=${files[id]}`])
}

/** The classic `docker build` (CLI 20.10 and later): the inputs it has. */
export function classicInputFlags(b: BuildSpec, files: SecretFiles): string[] {
  const i = b.inputs
  const args = [...repeat('--add-host', i.addHosts), ...repeat('--output', i.outputs), ...envSecretFiles(b, files), ...commonInputFlags(b)]
  if (i.network) args.push('--network', i.network)
  if (i.pull) args.push('--pull')
  return args
}

/** podman build (4.3 and later): the inputs it has, in its spelling. */
export function podmanInputFlags(b: BuildSpec, files: SecretFiles, manifest: boolean): string[] {
  const i = b.inputs
  const args = [...repeat('--add-host', i.addHosts), ...repeat('--annotation', podmanAnnotations(b))]
  args.push(...repeat('--build-context', i.buildContexts), ...repeat('--output', i.outputs))
  if (i.cgroupParent) args.push('--cgroup-parent', i.cgroupParent)
  args.push(...envSecretFiles(b, files), ...commonInputFlags(b).filter(a => !(manifest && a === '--no-cache')))
  if (i.shmSize) args.push('--shm-size', i.shmSize)
  args.push(...repeat('--ulimit', i.ulimits))
  // podman's own name for BuildKit's "default" network is "private", its default.
  if (i.network && i.network !== 'default') args.push('--network', i.network)
  if (i.pull) args.push('--pull=always')
  return args
}

/** podman sets annotations on the image manifest: `manifest:` is its only level. */
export function podmanAnnotations(b: BuildSpec): string[] {
  return b.inputs.annotations.map(a => a.replace(/^manifest:/, ''))
}

/**
 * Every engine command line, made from the plan: docker buildx build, the classic docker build and
 * push, login, podman build, label and push. Pure; table-tested.
 */
import type { CachePlan } from '../plan/cache.js'
import type { Plan } from '../plan/plan.js'
import type { Builder } from '../shared/builder.js'
import { buildxExports, buildxInputFlags, classicInputFlags, exportsFiles, podmanAnnotations, podmanInputFlags } from './build-flags.js'

const NO_CACHE: CachePlan = { kind: 'off', from: [], to: [], inlineArg: false, note: '' }

/** Where the engine reads and writes files for one build. */
export interface BuildFiles {
  iidFile: string
  metadataFile: string
  /** Secret id -> path of a 0600 file holding its value. */
  secretFiles: Record<string, string>
}

/**
 * The context folder as the last, positional argument: never in a flag's place. A relative path
 * that starts with `-` (`--help`, `-` for stdin) gets `./`, so the engine reads it as the folder it is.
 */
export function contextArg(context: string): string {
  return context.startsWith('-') ? `./${context}` : context
}

/** Flags both engines share: file, tags, labels, args, target, platforms, secrets. */
function commonBuildFlags(plan: Plan, files: BuildFiles): string[] {
  const b = plan.build
  const args = ['--file', b.file]
  for (const ref of plan.references) args.push('--tag', ref)
  for (const [k, v] of Object.entries(plan.labels)) args.push('--label', `${k}=${v}`)
  for (const { key, value } of b.buildArgs) args.push('--build-arg', `${key}=${value}`)
  if (b.target) args.push('--target', b.target)
  if (b.platforms.length > 0) args.push('--platform', b.platforms.join(','))
  for (const id of b.secretIds) args.push('--secret', `id=${id},src=${files.secretFiles[id]}`)
  // No image id when `outputs` writes files, as with build-push.
  if (!exportsFiles(b)) args.push('--iidfile', files.iidFile)
  return args
}

/**
 * One `docker buildx build` that builds and, when the plan pushes, pushes every reference.
 * `builder`: what the probe found (its name, driver, and whether it keeps attestations).
 */
export function buildxBuildArgs(plan: Plan, files: BuildFiles, cache: CachePlan = NO_CACHE, builder?: Builder): string[] {
  const args = ['buildx', 'build', '--progress', 'plain']
  if (builder?.name) args.push('--builder', builder.name)
  args.push(...commonBuildFlags(plan, files), '--metadata-file', files.metadataFile)
  for (const from of cache.from) args.push('--cache-from', from)
  for (const to of cache.to) args.push('--cache-to', to)
  const exports = buildxExports(plan.build, plan.push, builder?.driver)
  args.push(...buildxInputFlags(plan.build, builder?.cacheExport ?? false, exports), ...exports)
  args.push(contextArg(plan.build.context))
  return args
}

/** Classic `docker build` (BuildKit on); the image lands in the engine's store, pushed after. */
export function dockerBuildArgs(plan: Plan, files: BuildFiles, cache: CachePlan = NO_CACHE): string[] {
  const args = ['build', '--progress', 'plain', ...commonBuildFlags(plan, files)]
  for (const from of cache.from) args.push('--cache-from', from)
  if (cache.inlineArg) args.push('--build-arg', 'BUILDKIT_INLINE_CACHE=1')
  args.push(...classicInputFlags(plan.build, files.secretFiles))
  args.push(contextArg(plan.build.context))
  return args
}

export function dockerPushArgs(reference: string): string[] {
  return ['push', reference]
}

/** The password goes to stdin; argv names only the registry and the user. */
export function loginArgs(registry: string, username: string): string[] {
  return ['login', '--username', username, '--password-stdin', registry]
}

/**
 * Flags podman build shares with docker build: file, tags, labels, args, target, secrets.
 * `unlabelled`: the image id goes to `iidFile` and neither tags nor labels are given (they come
 * from `podmanLabelArgs`).
 */
export function podmanBuildArgs(plan: Plan, files: BuildFiles, manifest?: string, unlabelled?: { iidFile: string }): string[] {
  const b = plan.build
  const args = ['build', '--file', b.file]
  if (!unlabelled) {
    if (!manifest) for (const ref of plan.references) args.push('--tag', ref)
    for (const [k, v] of Object.entries(plan.labels)) args.push('--label', `${k}=${v}`)
  }
  for (const { key, value } of b.buildArgs) args.push('--build-arg', `${key}=${value}`)
  if (b.target) args.push('--target', b.target)
  if (b.platforms.length > 0) args.push('--platform', b.platforms.join(','))
  // Several platforms build into a manifest list, pushed whole with `manifest push --all`. Without
  // --no-cache, podman 4.3 reuses the image built for one platform as the next one's cache when
  // their bases are the same (FROM scratch), and the list ends up holding a single image.
  if (manifest) args.push('--manifest', manifest, '--no-cache')
  for (const id of b.secretIds) args.push('--secret', `id=${id},src=${files.secretFiles[id]}`)
  args.push(...podmanInputFlags(b, files.secretFiles, manifest !== undefined))
  args.push('--iidfile', unlabelled?.iidFile ?? files.iidFile, contextArg(b.context))
  return args
}

/**
 * The second build of a target before the last stage: a one-line Containerfile `FROM <its id>`
 * (in `containerfile`, built in the empty folder `context`) that gives it the plan's labels and
 * tags. podman turns the labels into LABEL steps of this, the last stage, cached by value.
 */
export function podmanLabelArgs(plan: Plan, files: BuildFiles, containerfile: string, context: string): string[] {
  const args = ['build', '--file', containerfile]
  for (const ref of plan.references) args.push('--tag', ref)
  for (const [k, v] of Object.entries(plan.labels)) args.push('--label', `${k}=${v}`)
  for (const a of podmanAnnotations(plan.build)) args.push('--annotation', a)
  if (plan.build.platforms.length === 1) args.push('--platform', plan.build.platforms[0] as string)
  args.push('--iidfile', files.iidFile, context)
  return args
}

/** `podman push` of one reference, or of the whole manifest list to it; the digest goes to a file. */
export function podmanPushArgs(ref: string, digestFile: string, manifest?: string): string[] {
  return manifest
    ? ['manifest', 'push', '--all', '--digestfile', digestFile, manifest, `docker://${ref}`]
    : ['push', '--digestfile', digestFile, ref]
}

import type { CachePlan } from '../cache.js'
import type { Plan } from '../plan.js'

const NO_CACHE: CachePlan = { kind: 'off', from: [], to: [], inlineArg: false, note: '' }

/** Where the engine reads and writes files for one build. */
export interface BuildFiles {
  iidFile: string
  metadataFile: string
  /** Secret id -> path of a 0600 file holding its value. */
  secretFiles: Record<string, string>
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
  args.push('--iidfile', files.iidFile)
  return args
}

/** One `docker buildx build` that builds and, when the plan pushes, pushes every reference. */
export function buildxBuildArgs(plan: Plan, files: BuildFiles, cache: CachePlan = NO_CACHE, builder?: string): string[] {
  const args = ['buildx', 'build', '--progress', 'plain']
  if (builder) args.push('--builder', builder)
  args.push(...commonBuildFlags(plan, files), '--metadata-file', files.metadataFile)
  for (const from of cache.from) args.push('--cache-from', from)
  for (const to of cache.to) args.push('--cache-to', to)
  // Without --push or --load a docker-container builder keeps the result in its cache only; load
  // it so that a build-only run (pull request) still leaves an image to test.
  if (plan.push) args.push('--push')
  else if (plan.build.platforms.length <= 1) args.push('--load')
  args.push(plan.build.context)
  return args
}

/** Classic `docker build` (BuildKit on); the image lands in the engine's store, pushed after. */
export function dockerBuildArgs(plan: Plan, files: BuildFiles, cache: CachePlan = NO_CACHE): string[] {
  const args = ['build', '--progress', 'plain', ...commonBuildFlags(plan, files)]
  for (const from of cache.from) args.push('--cache-from', from)
  if (cache.inlineArg) args.push('--build-arg', 'BUILDKIT_INLINE_CACHE=1')
  args.push(plan.build.context)
  return args
}

export function dockerPushArgs(reference: string): string[] {
  return ['push', reference]
}

/** The password goes to stdin; argv names only the registry and the user. */
export function loginArgs(registry: string, username: string): string[] {
  return ['login', '--username', username, '--password-stdin', registry]
}

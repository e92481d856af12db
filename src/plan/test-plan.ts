/**
 * The plan of the `test` input, pure: which build is loaded for the test (the runner's platform of
 * a multi-platform plan), how what was tested is then pushed, the test's command line and its
 * environment. Table-tested; carried out by step/tested-build.ts.
 */
import { InputError } from '../shared/errors.js'
import type { Plan } from './plan.js'

/** How the tested image reaches the registry, once the test passed. */
export type PushPath =
  /** Push the loaded image's references (docker push / podman push): what was tested is what is pushed. */
  | 'push-loaded'
  /** The full build again (other platforms; cached for the tested one), pushing when the plan pushes. */
  | 'rebuild'
  /** Nothing more: the tested build is the whole plan (a build-only run of one platform). */
  | 'none'

export interface TestedBuild {
  /** The build loaded into the engine for the test: never pushes. */
  load: Plan
  /** The local reference the test gets as IMAGE. */
  image: string
  /** The platform the loaded image is for: '' for the builder's default. */
  platform: string
  then: PushPath
}

/** node's process.arch -> the platform docker names (linux runners). */
const ARCH: Record<string, string> = {
  x64: 'linux/amd64',
  arm64: 'linux/arm64',
  arm: 'linux/arm/v7',
  ia32: 'linux/386',
  ppc64: 'linux/ppc64le',
  s390x: 'linux/s390x',
  riscv64: 'linux/riscv64',
  loong64: 'linux/loong64'
}

export function runnerPlatform(arch: string): string {
  return ARCH[arch] ?? `linux/${arch}`
}

/** The one platform a multi-platform plan is tested on: the runner's, else the first (under emulation). */
export function testPlatform(platforms: string[], runner: string): string {
  if (platforms.length <= 1) return platforms[0] ?? ''
  return platforms.find(p => p === runner || p.startsWith(`${runner}/`)) ?? (platforms[0] as string)
}

/**
 * The tested build of one plan. `engine`: buildx loads the runner's platform alone (`--load`) and
 * pushes the loaded image when that is all there is (measured faster than a cached `buildx build
 * --push`: bench section testinput), else builds the full plan again from its cache; the classic
 * docker build and podman build into the local store anyway (a podman manifest list whole), and
 * push what they built. `fallback`: the local name when the plan has no reference (no tag on a
 * build-only run).
 */
export function testedBuild(plan: Plan, engine: 'buildx' | 'docker' | 'podman', runner: string, fallback: string): TestedBuild {
  const i = plan.build.inputs
  if (i.outputs.length > 0 || (i.call !== '' && i.call !== 'build')) {
    const what = i.outputs.length > 0 ? `"outputs" (${i.outputs.join('; ')})` : `"call" (${i.call})`
    throw new InputError(`Input "test" needs the image loaded into the engine, which ${what} does not do: remove one of them.`)
  }
  const references = plan.references.length > 0 ? plan.references : [fallback]
  const multi = plan.build.platforms.length > 1
  const platform = testPlatform(plan.build.platforms, runner)
  const narrowed = engine === 'buildx' && multi
  const load: Plan = {
    ...plan,
    references,
    push: false,
    build: { ...plan.build, platforms: narrowed ? [platform] : plan.build.platforms, inputs: { ...i, load: engine === 'buildx' || i.load } }
  }
  let then: PushPath = plan.push ? 'push-loaded' : 'none'
  if (narrowed) then = 'rebuild'
  return { load, image: references[0] as string, platform, then }
}

/** IMAGE_<SERVICE>: the service name in capitals, anything but letters and digits as `_`. */
export function serviceVariable(service: string): string {
  return `IMAGE_${service.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`
}

/**
 * The variables the test gets on top of the runner's environment: IMAGE (the first image), IMAGE_TAGS
 * (its references, one a line), IMAGE_<SERVICE> per compose service, DOCKER_HOST when docker-host
 * is given. The step's own DOCKER_CONFIG (its registry logins) is not among them.
 */
export function testEnv(images: { service: string; image: string; references: string[] }[], dockerHost: string): Record<string, string> {
  const first = images[0]
  const env: Record<string, string> = first ? { IMAGE: first.image, IMAGE_TAGS: first.references.join('\n') } : {}
  for (const { service, image } of images) if (service) env[serviceVariable(service)] = image
  if (dockerHost) env.DOCKER_HOST = dockerHost
  return env
}

/** The test as GitHub runs a `run:` step with `shell: bash`: errexit and pipefail, no profile. */
export function testArgv(script: string): [string, string[]] {
  return ['bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script]]
}

/** The last `n` lines of the test's output (trailing blank lines left out), for the error. */
export function lastLines(output: string, n = 20): string[] {
  const lines = output.replace(/\s+$/, '').split(/\r?\n/)
  return lines.slice(Math.max(0, lines.length - n))
}

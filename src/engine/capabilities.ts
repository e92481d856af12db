/**
 * Which of docker/build-push-action's inputs the engine found can honour: a one-line refusal,
 * before any login, naming the input, the engine and what to use instead; and the secret-files
 * and secret-envs sources checked to be there. Nothing an engine would ignore goes through.
 */
import { existsSync, statSync } from 'node:fs'
import { exporterTypes, isDisabled } from '../plan/inputs/build-inputs.js'
import type { Builder } from '../shared/builder.js'
import { InputError, show } from '../shared/errors.js'
import type { Plan } from '../plan/plan.js'

const CLASSIC = 'the classic docker build (docker build + docker push)'
const BUILDX = 'use engine: buildx (or auto) with docker/setup-buildx-action before this step'

interface Refusal {
  input: string
  value: string
  why: string
}

/** What the classic docker build and podman cannot do, input by input. */
function refusals(plan: Plan, engine: 'docker' | 'podman'): Refusal[] {
  const i = plan.build.inputs
  const out: Refusal[] = []
  const no = (input: string, values: string | string[], why: string) => {
    const value = Array.isArray(values) ? values.join(',') : values
    if (value !== '') out.push({ input, value, why })
  }
  const onlyBuildKit = engine === 'docker' ? 'is a buildx feature' : 'is a BuildKit feature podman does not have'
  no('no-cache-filters', i.noCacheFilters, onlyBuildKit)
  no('call', i.call, onlyBuildKit)
  no('allow', i.allow, engine === 'docker' ? 'has no --allow (entitlements are buildx flags)' : 'has no entitlements')
  const attests = plan.build.attestations.attests.filter(a => !isDisabled(a))
  for (const [input, value] of [
    ['provenance', i.provenance],
    ['sbom', i.sbom]
  ] as const) {
    if (value !== '' && value !== 'false') no(input, value, 'makes no attestations')
  }
  if (i.attests.length > 0 && attests.length > 0) no('attests', i.attests, 'makes no attestations')
  const types = exporterTypes(i.outputs)
  if (types.some(t => t !== 'local' && t !== 'tar')) no('outputs', i.outputs, 'exports only type=local and type=tar')
  else if (i.outputs.length > 1) no('outputs', i.outputs, 'takes a single output')
  if (engine === 'docker') {
    if (i.outputs.length > 0 && plan.push && out.every(r => r.input !== 'outputs'))
      no('outputs', i.outputs, 'exports the result instead of storing the image, so it cannot push it (set push: false)')
    no('build-contexts', i.buildContexts, 'has no named build contexts')
    no('annotations', i.annotations, 'sets no annotations')
    // BuildKit inside dockerd ignores these (dockerd 20.10 builds with /dev/shm 64M, its own ulimits and cgroup).
    no('shm-size', i.shmSize, 'ignores it with BuildKit')
    no('ulimit', i.ulimits, 'ignores it with BuildKit')
    no('cgroup-parent', i.cgroupParent, 'ignores it with BuildKit')
  } else {
    no(
      'annotations',
      i.annotations.filter(a => !/^[^=:]+=/.test(a) && !a.startsWith('manifest:')),
      'sets annotations on the image manifest only (no index or descriptor level)'
    )
  }
  return out
}

/** Throws the first input the engine cannot honour, with what to use instead. */
export function checkBuildInputs(plan: Plan, builder: Builder): void {
  if (builder.engine === 'buildx') {
    // The docker driver on the classic image store cannot keep an attestation (buildx refuses after login).
    if (builder.cacheExport) return
    const asked = plan.build.attestations.attests.find(a => !isDisabled(a))
    if (!asked) return
    const input =
      /type=sbom/.test(asked) && plan.build.inputs.sbom !== ''
        ? 'sbom'
        : plan.build.inputs.provenance !== '' && /type=provenance/.test(asked)
          ? 'provenance'
          : 'attests'
    const value = input === 'attests' ? plan.build.inputs.attests.join(',') : plan.build.inputs[input]
    throw new InputError(
      `Input "${input}" is ${show(value)}, which the buildx "${builder.driver ?? 'docker'}" driver on the classic image store cannot attach to the image: add docker/setup-buildx-action (a docker-container builder) before this step, or enable the containerd image store in the Docker engine.`
    )
  }
  const [first] = refusals(plan, builder.engine)
  if (!first) return
  const engine = builder.engine === 'docker' ? CLASSIC : 'podman'
  const instead = builder.engine === 'docker' && podmanCan(plan, first.input) ? `${BUILDX}, or engine: podman` : BUILDX
  throw new InputError(`Input "${first.input}" is ${show(first.value)}, which ${engine} ${first.why}: ${instead}.`)
}

/** Whether podman would take the input the classic docker build refused. */
function podmanCan(plan: Plan, input: string): boolean {
  return refusals(plan, 'podman').every(r => r.input !== input)
}

/**
 * secret-files must name files and secret-envs variables of the step's environment: said before
 * login, not by the engine after the build started. Never shows a value.
 */
export function checkSecretSources(plan: Plan, env: NodeJS.ProcessEnv): void {
  for (const { id, path } of plan.build.inputs.secretFiles) {
    if (!existsSync(path) || !statSync(path).isFile())
      throw new InputError(
        `Input "secret-files" gives "${id}" the file ${show(path)}, which does not exist: give a file path relative to the workspace.`
      )
  }
  for (const { id, env: name } of plan.build.inputs.secretEnvs) {
    if (env[name] === undefined)
      throw new InputError(
        `Input "secret-envs" gives "${id}" the variable ${name}, which is not set: set it in the step's env (e.g. ${name}: \${{ secrets.${name} }}).`
      )
  }
}

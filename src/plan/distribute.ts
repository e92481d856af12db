/**
 * A build distributed over several jobs, as pure data: the reference each platform job pushes
 * (its "platform reference", found by the merge job without artifacts), the label that ties it to
 * this plan, what the merge expects of each platform image, and which index goes to which tags.
 */
import { createHash } from 'node:crypto'
import { InputError } from '../shared/errors.js'
import type { Plan } from './plan.js'
import type { Role } from './inputs/distribution.js'
import type { Target } from './targets.js'
import { INPUTS_LABEL } from './promote.js'

/** The image label a platform job adds: the digest of the plan's build inputs (planDigest). */
export const PLAN_LABEL = 'io.github.docker-ship.plan'
export const REVISION_LABEL = 'org.opencontainers.image.revision'
/** The tag prefix of every platform reference (`dist-<sha12>-<os>-<arch>[-<variant>]-<plan8>`). */
export const PLATFORM_TAG_PREFIX = 'dist-'

/** The repository of a reference (`host:5000/a/b:tag` -> `host:5000/a/b`). */
export function repositoryOf(reference: string): string {
  const colon = reference.lastIndexOf(':')
  return colon > reference.lastIndexOf('/') ? reference.slice(0, colon) : reference
}

/**
 * What makes two jobs "the same plan": the final tags and labels, the Dockerfile, context, target,
 * build args, secret ids, named contexts and annotations. Not the platforms (each job has its
 * own), the cache, the engine or the `created` label (the clock, when the event has no commit time).
 */
export function planDigest(plan: Plan): string {
  const b = plan.build
  const inputs = {
    references: plan.references,
    labels: Object.entries(plan.labels)
      // The inputs label holds the platforms, which differ between the jobs (and the rest is here already).
      .filter(([k]) => k !== 'org.opencontainers.image.created' && k !== INPUTS_LABEL)
      .sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0)),
    file: b.file,
    context: b.context,
    target: b.target,
    buildArgs: b.buildArgs.map(({ key, value }) => `${key}=${value}`),
    secretIds: b.secretIds,
    buildContexts: b.inputs.buildContexts,
    annotations: b.inputs.annotations
  }
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex')
}

/** The tag of one platform's image: unique per commit, platform and plan. */
export function platformTag(sha: string, platform: string, digest: string): string {
  return `${PLATFORM_TAG_PREFIX}${sha.slice(0, 12)}-${platform.replace(/\//g, '-')}-${digest.slice(0, 8)}`
}

function requireSha(sha: string, input: string): string {
  if (!/^[0-9a-f]{40,64}$/i.test(sha)) {
    throw new InputError(
      `Input "${input}" is true but the commit (GITHUB_SHA) is ${sha ? `"${sha}"` : 'empty'}: the platform images are named after the commit, so run it in a workflow job.`
    )
  }
  return sha.toLowerCase()
}

/** Every repository the plan's final tags are in (the image, `registries`, explicit references), in order. */
export function repositoriesOf(plan: Plan): string[] {
  return [...new Set(plan.references.map(repositoryOf))]
}

/**
 * A platform job's plan: the same build, pushed only as its platform reference in every
 * repository of the final tags, with the plan's digest as a label. No final tag is pushed.
 */
export function platformPlan(plan: Plan, sha: string): Plan {
  const revision = requireSha(sha, 'distribute')
  const digest = planDigest(plan)
  const tag = platformTag(revision, plan.build.platforms[0] as string, digest)
  return {
    ...plan,
    references: repositoriesOf(plan).map(repo => `${repo}:${tag}`),
    labels: { ...plan.labels, [PLAN_LABEL]: digest }
  }
}

/** The index to make in one repository: the final tags there and each platform's image. */
export interface IndexPlan {
  repository: string
  /** Final references in this repository. */
  tags: string[]
  sources: { platform: string; reference: string }[]
}

/** What the merge job needs: the revision and plan digest every image must carry, and the indexes. */
export interface MergePlan {
  revision: string
  planDigest: string
  indexes: IndexPlan[]
  /** `key=value` annotations of the index: the OCI labels, then the user's (index-level) annotations. */
  annotations: string[]
}

/**
 * The `annotations` input's entries for an index (`index:k=v`, `index,manifest:k=v`), without the
 * prefix. Entries without one go to the image manifests, which the platform jobs already built.
 */
function indexAnnotations(annotations: string[]): string[] {
  return annotations.flatMap(a => {
    const key = a.slice(0, a.indexOf('=') < 0 ? a.length : a.indexOf('='))
    const colon = key.indexOf(':')
    if (colon < 0) return []
    const types = key
      .slice(0, colon)
      .replace(/\[[^\]]*\]$/, '')
      .split(',')
    return types.includes('index') ? [a.slice(colon + 1)] : []
  })
}

/** The merge job's plan: one index per repository of the final tags, made of every platform's image. */
export function mergePlan(plan: Plan, sha: string): MergePlan {
  const revision = requireSha(sha, 'merge')
  const digest = planDigest(plan)
  const indexes = repositoriesOf(plan).map(repository => ({
    repository,
    tags: plan.references.filter(r => repositoryOf(r) === repository),
    sources: plan.build.platforms.map(platform => ({ platform, reference: `${repository}:${platformTag(revision, platform, digest)}` }))
  }))
  const oci = Object.entries(plan.labels)
    .filter(([k]) => k.startsWith('org.opencontainers.image.'))
    .map(([k, v]) => `${k}=${v}`)
  const user = indexAnnotations(plan.build.inputs.annotations)
  const userKeys = new Set(user.map(a => a.slice(0, a.indexOf('='))))
  return { revision, planDigest: digest, indexes, annotations: [...oci.filter(a => !userKeys.has(a.slice(0, a.indexOf('=')))), ...user] }
}

/** One platform image as the registry has it: its digest (manifest or index) and its config labels. */
export interface FoundImage {
  digest: string
  labels: Record<string, string>
}

/** One platform's image in one repository, checked: what goes into that repository's index. */
export interface PlatformImage {
  platform: string
  reference: string
  digest: string
}

/** Why `found` cannot go into the index (one line naming the platform), or '' when it can. */
export function refusal(merge: MergePlan, platform: string, reference: string, found: FoundImage | undefined): string {
  if (!found)
    return `${platform}: no image at ${reference} (did the platform job for ${platform} run on this commit with the same inputs and push?)`
  const revision = found.labels[REVISION_LABEL] ?? ''
  if (revision !== merge.revision) {
    return `${platform}: the image at ${reference} was built from ${revision ? `commit ${revision}` : 'an unlabelled commit'}, not ${merge.revision}`
  }
  const digest = found.labels[PLAN_LABEL] ?? ''
  if (digest !== merge.planDigest) {
    return `${platform}: the image at ${reference} was built for another plan (inputs digest ${digest.slice(0, 12) || 'none'}, this job's ${merge.planDigest.slice(0, 12)}): give both jobs the same tags, labels, build-args, file and target`
  }
  return ''
}

/**
 * The targets of this step for its role: a platform job's plan pushes only its platform reference;
 * a merge job's plan is the ordinary one (its final tags), checked here so a bad commit fails before login.
 */
export function targetsForRole(targets: Target[], role: Role, sha: string): Target[] {
  if (role === 'merge') {
    return targets.map(t => {
      const sources = (mergePlan(t.plan, sha).indexes[0]?.sources ?? []).map(s => `${s.platform} from ${s.reference}`)
      return {
        ...t,
        plan: { ...t.plan, notices: [...t.plan.notices, `merge: takes ${sources.join(', ')}, in each registry of the tags.`] }
      }
    })
  }
  if (role !== 'platform') return targets
  return targets.map(t => {
    const plan = platformPlan(t.plan, sha)
    const notice = `distribute: this platform job pushes only ${plan.references.join(', ')}; the merge job (merge: true) makes the final tags.`
    return { ...t, plan: { ...plan, notices: [...plan.notices, notice] } }
  })
}

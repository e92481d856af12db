/**
 * The merge job's work after login: find every platform job's image, check each was built from
 * this commit for this plan, and only then create one index per repository at its final tags.
 * A missing or foreign image fails the step before any tag is written.
 */
import * as core from '@actions/core'
import { BuildxImagetools, type IndexTool } from '../engine/imagetools.js'
import { PodmanManifests } from '../engine/podman-manifests.js'
import { type BuildOutcome, causeOf } from '../engine/engine.js'
import { RetriesExhausted, type RetryPolicy } from '../engine/retry.js'
import type { Builder } from '../shared/builder.js'
import { type IndexPlan, mergePlan, type PlatformImage, refusal } from '../plan/distribute.js'
import type { Target } from '../plan/targets.js'
import { plain } from '../shared/log-text.js'
import { setResultOutputs } from './outputs.js'
import { writeMergeSummary } from './merge-summary.js'

/** A merge that found a platform image missing or foreign: no tag was changed. */
export class MergeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'MergeError'
  }
}

/** The registry tool of this engine: buildx imagetools, or podman's manifest lists. */
export function indexToolFor(builder: Builder, env: Record<string, string>, policy: RetryPolicy): IndexTool {
  if (builder.engine === 'podman') return new PodmanManifests(env, policy)
  if (builder.engine === 'buildx') return new BuildxImagetools(env, policy)
  throw new MergeError(
    'Input "merge" is true but this Docker has no buildx (docker buildx imagetools makes the index): install buildx (docker/setup-buildx-action) or use engine: podman.'
  )
}

const tries = (e: unknown) => (e instanceof RetriesExhausted ? ` after ${e.attempts} attempts` : '')

/** Every platform image of every index, or a MergeError naming each platform that is missing or foreign. */
export async function findPlatformImages(tool: IndexTool, plan: ReturnType<typeof mergePlan>): Promise<PlatformImage[][]> {
  const refusals: string[] = []
  const found: PlatformImage[][] = []
  for (const index of plan.indexes) {
    const images: PlatformImage[] = []
    for (const { platform, reference } of index.sources) {
      let image
      try {
        image = await tool.find(reference, platform)
      } catch (e) {
        throw new MergeError(
          `Merge stopped, no tag was changed: reading ${platform} at ${plain(reference)} failed${tries(e)}: ${plain(causeOf(e))}.`
        )
      }
      const why = refusal(plan, platform, reference, image)
      if (why) refusals.push(why)
      else images.push({ platform, reference, digest: (image as { digest: string }).digest })
    }
    found.push(images)
  }
  if (refusals.length > 0) {
    throw new MergeError(`Merge refused, no tag was changed: ${refusals.map(plain).join('; ')}.`)
  }
  return found
}

/** The merge after login: check every platform image, then one index per repository; outputs and summary. */
export async function mergeIndexes(target: Target, tool: IndexTool, started: number, sha: string): Promise<void> {
  const plan = target.plan
  if (!plan.push) {
    core.notice(`Not merging: ${plan.pushReason}, so the platform jobs pushed nothing.`)
    return
  }
  const merge = mergePlan(plan, sha)
  const images = await core.group('Check platform images', async () => {
    const found = await findPlatformImages(tool, merge)
    for (const image of found.flat()) core.info(plain(`${image.platform}: ${image.reference} (${image.digest})`))
    return found
  })
  const digests: string[] = []
  await core.group('Merge', async () => {
    for (const [i, index] of merge.indexes.entries()) {
      const created = await createIndex(tool, index, images[i] as PlatformImage[], merge.annotations, merge.indexes.slice(0, i))
      digests.push(created)
      core.info(plain(`index ${created}: ${index.tags.join(', ')}`))
    }
  })
  const outcome: BuildOutcome = {
    engine: tool instanceof PodmanManifests ? 'podman' : 'buildx',
    digest: digests[0] ?? '',
    imageId: '',
    metadata: '',
    pushed: plan.references,
    steps: { steps: 0, cached: 0 },
    attempts: 1
  }
  await core.group('Outputs', async () => setResultOutputs([target], [outcome]))
  await writeMergeSummary(plan, images.flat(), digests, (Date.now() - started) / 1000)
}

/** One index; a failure names the repositories already done, whose tags now point at the new index. */
async function createIndex(
  tool: IndexTool,
  index: IndexPlan,
  images: PlatformImage[],
  annotations: string[],
  done: IndexPlan[]
): Promise<string> {
  try {
    return await tool.create(
      index,
      images.map(i => i.digest),
      annotations
    )
  } catch (e) {
    const before = done.length > 0 ? ` (already merged: ${done.flatMap(d => d.tags).join(', ')})` : ''
    throw new MergeError(`Creating the index at ${index.tags.join(', ')} failed${tries(e)}${before}: ${plain(causeOf(e))}.`)
  }
}

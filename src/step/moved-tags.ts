/**
 * After the pushes: does each pushed tag still point to this build's digest? Another job pushing the
 * same tag at the same time can move it. The build's own digest stays the `digest` output; the tags
 * that moved are named in a warning and in the job summary. One HEAD request per tag to the registry
 * API with the step's own credentials (cheaper than an engine command per tag).
 */
import { splitReference } from '../plan/inputs/reference.js'
import * as core from '@actions/core'
import { type BuildOutcome } from '../engine/engine.js'
import { nodeFetch } from '../engine/node-fetch.js'
import { RegistryApi, type RegistryCredentials } from '../engine/registry-api.js'
import { movedTagLine, movedTags } from '../engine/tag-check.js'
import { plain } from '../shared/log-text.js'

import type { Plan } from '../plan/plan.js'
import type { Target } from '../plan/targets.js'

export type CredentialsOf = (plan: Plan, registry: string) => RegistryCredentials | undefined

/** Sets `moved` on each outcome whose pushed tags the registry now resolves elsewhere, and warns. */
export async function checkMovedTags(targets: readonly Target[], outcomes: BuildOutcome[], credentialsOf: CredentialsOf): Promise<void> {
  await Promise.all(
    outcomes.map(async (outcome, i) => {
      const plan = (targets[i] as Target).plan
      const apis = new Map<string, RegistryApi>()
      const resolve = async (reference: string) => {
        const { registry, path, tag } = splitReference(reference)
        const key = `${registry}/${path}`
        const api = apis.get(key) ?? new RegistryApi(registry, credentialsOf(plan, registry), nodeFetch, 10_000)
        apis.set(key, api)
        return (await api.digest(path, tag)) ?? ''
      }
      const moved = await movedTags(resolve, outcome.pushed, outcome.digest)
      for (const m of moved) core.warning(plain(movedTagLine(m, outcome.digest)), { title: 'Tag moved by another push' })
      if (moved.length > 0) outcome.moved = moved
    })
  )
}

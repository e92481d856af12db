/**
 * Where a result is reported to the workflow: the step's outputs, from the plans (dry run too) and
 * then from the builds.
 */
import * as core from '@actions/core'
import type { BuildOutcome } from '../engine/engine.js'
import type { Target } from '../plan/targets.js'
import { plain } from '../shared/log-text.js'

/** Outputs known from the plans alone (set in dry-run too). */
export function setPlanOutputs(targets: Target[]): void {
  const first = (targets[0] as Target).plan
  const single = targets.length === 1 && targets[0]?.service === ''
  const plans = targets.map(t => t.plan)
  core.setOutput('image', single ? first.image : plans.map(p => p.image).join('\n'))
  core.setOutput('tags', plans.flatMap(p => p.references).join('\n'))
  core.setOutput(
    'labels',
    Object.entries(first.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')
  )
  core.setOutput('version', first.version)
  core.setOutput('plan', JSON.stringify(single ? first : Object.fromEntries(targets.map(t => [t.service, t.plan]))))
  core.setOutput('pushed', 'false')
  core.setOutput('images', JSON.stringify(imagesMap(targets)))
  setMetadataOutputs(targets)
}

/** The tag of a reference (`host:5000/a/b:tag` -> `tag`). */
function tagOf(reference: string): string {
  return reference.slice(reference.lastIndexOf(':') + 1)
}

/** docker/metadata-action's outputs that workflows read: json, tag-names, annotations. */
function setMetadataOutputs(targets: Target[]): void {
  const first = (targets[0] as Target).plan
  const tags = targets.flatMap(t => t.plan.references)
  core.setOutput('tag-names', [...new Set(tags.map(tagOf))].join('\n'))
  core.setOutput('annotations', first.build.inputs.annotations.join('\n'))
  core.setOutput('json', JSON.stringify({ tags, labels: first.labels, annotations: first.build.inputs.annotations }))
}

function imagesMap(targets: Target[], outcomes: BuildOutcome[] = []): Record<string, { digest: string; tags: string[] }> {
  return Object.fromEntries(
    targets.map((t, i) => [t.service || t.plan.image, { digest: outcomes[i]?.digest ?? '', tags: t.plan.references }])
  )
}

/** Outputs of the builds: for one image its digest, id and metadata; for several, the `images` map. */
export function setResultOutputs(targets: Target[], outcomes: BuildOutcome[]): void {
  const single = outcomes.length === 1 ? (outcomes[0] as BuildOutcome) : undefined
  core.setOutput('digest', single?.digest ?? '')
  core.setOutput('imageid', single?.imageId ?? '')
  core.setOutput('metadata', single?.metadata ?? '')
  core.setOutput('pushed', String(outcomes.length > 0 && outcomes.every(o => o.pushed.length > 0)))
  core.setOutput('images', JSON.stringify(imagesMap(targets, outcomes)))
  for (const [i, o] of outcomes.entries()) {
    const name = targets[i]?.service || targets[i]?.plan.image
    core.info(plain(`${name}: engine ${o.engine}, pushed ${o.pushed.length > 0 ? o.pushed.join(', ') : 'nothing'}`))
    core.info(`  digest ${o.digest || '-'}, imageid ${o.imageId || '-'}, cached steps ${o.steps.cached} of ${o.steps.steps}`)
  }
}

/**
 * Where a result is reported to the workflow: the step's outputs, from the plans (dry run too) and
 * then from the builds.
 */
import * as core from '@actions/core'
import type { BuildOutcome } from '../engine/engine.js'
import type { Target } from '../plan/targets.js'
import { plain } from '../shared/log-text.js'

let outputFailure = ''

/**
 * Outputs are reporting: one that cannot be written (GITHUB_OUTPUT missing or not writable) is a
 * warning, once, never the failure of a job whose image is built and pushed.
 */
function setOutput(name: string, value: string): void {
  try {
    core.setOutput(name, value)
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e)
    if (outputFailure === why) return
    outputFailure = why
    core.warning(`Could not set the step's outputs (from "${name}" on): ${why}`)
  }
}

/** Outputs known from the plans alone (set in dry-run too). */
export function setPlanOutputs(targets: Target[]): void {
  const first = (targets[0] as Target).plan
  const single = targets.length === 1 && targets[0]?.service === ''
  const plans = targets.map(t => t.plan)
  setOutput('image', single ? first.image : plans.map(p => p.image).join('\n'))
  setOutput('tags', plans.flatMap(p => p.references).join('\n'))
  setOutput(
    'labels',
    Object.entries(first.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')
  )
  setOutput('version', first.version)
  setOutput('plan', JSON.stringify(single ? first : Object.fromEntries(targets.map(t => [t.service, t.plan]))))
  setOutput('pushed', 'false')
  setOutput('images', JSON.stringify(imagesMap(targets)))
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
  setOutput('tag-names', [...new Set(tags.map(tagOf))].join('\n'))
  setOutput('annotations', first.build.inputs.annotations.join('\n'))
  setOutput('json', JSON.stringify({ tags, labels: first.labels, annotations: first.build.inputs.annotations }))
}

function imagesMap(targets: Target[], outcomes: BuildOutcome[] = []): Record<string, { digest: string; tags: string[] }> {
  return Object.fromEntries(
    targets.map((t, i) => [t.service || t.plan.image, { digest: outcomes[i]?.digest ?? '', tags: t.plan.references }])
  )
}

/** Outputs of the builds: for one image its digest, id and metadata; for several, the `images` map. */
export function setResultOutputs(targets: Target[], outcomes: BuildOutcome[]): void {
  const single = outcomes.length === 1 ? (outcomes[0] as BuildOutcome) : undefined
  setOutput('digest', single?.digest ?? '')
  setOutput('imageid', single?.imageId ?? '')
  setOutput('metadata', single?.metadata ?? '')
  setOutput('pushed', String(outcomes.length > 0 && outcomes.every(o => o.pushed.length > 0)))
  setOutput('images', JSON.stringify(imagesMap(targets, outcomes)))
  for (const [i, o] of outcomes.entries()) {
    const name = targets[i]?.service || targets[i]?.plan.image
    core.info(plain(`${name}: engine ${o.engine}, pushed ${o.pushed.length > 0 ? o.pushed.join(', ') : 'nothing'}`))
    core.info(`  digest ${o.digest || '-'}, imageid ${o.imageId || '-'}, cached steps ${o.steps.cached} of ${o.steps.steps}`)
  }
}

/** `test-result`: whether the `test` input passed. */
export function setTestResult(passed: boolean): void {
  setOutput('test-result', passed ? 'passed' : 'failed')
}

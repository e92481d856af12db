/**
 * The images of one step: a single plan, or one plan per compose service.
 */
import { readFileSync } from 'node:fs'
import { parseCompose } from './inputs/compose.js'
import { InputError } from '../shared/errors.js'
import type { GitHubContext } from './inputs/github-context.js'
import { makePlan, type Plan, type PlanFacts } from './plan.js'
import { DOCKER_HUB } from './inputs/reference.js'
import type { Settings } from './inputs/settings.js'
import { INPUTS_LABEL, inputsDigest, promotionOf } from './promote.js'
import { triggerOf } from './tags.js'

/** One image to build: the single image of the step, or one compose service. */
export interface Target {
  /** The compose service, or '' for the single image. */
  service: string
  settings: Settings
  plan: Plan
}

/**
 * The plan with the digest of its deciding inputs in a label (every build carries it), and on a
 * release with `promote: auto` what to promote from.
 */
function withPromotion(plan: Plan, s: Settings, ctx: GitHubContext, read: (file: string) => string): Plan {
  let dockerfile = ''
  try {
    dockerfile = read(s.file)
  } catch {
    // checkBuildFiles says what is missing, before anything builds.
  }
  const inputs = inputsDigest({
    dockerfile,
    buildArgs: s.buildArgs,
    target: s.target,
    platforms: s.platforms,
    buildContexts: s.buildContexts
  })
  // A distributed build's jobs build as before: their images meet in the merge job, not here.
  const promotion = promotionOf(s.role === 'single' ? s.promote : 'never', triggerOf(ctx), plan.push, inputs)
  return { ...plan, labels: { ...plan.labels, [INPUTS_LABEL]: inputs }, ...(promotion ? { promotion } : {}) }
}

/** The namespace compose services are pushed under: `image`, else `<username>` or `<registry>/<owner>`. */
function composePrefix(s: Settings, ctx: GitHubContext): string {
  if (s.image !== '') return s.image.replace(/\/+$/, '')
  if (s.registry === DOCKER_HUB) {
    if (s.username === '') {
      throw new InputError(
        'Input "image" is empty and so is "username": with compose-file, set image to the namespace the services are pushed under (e.g. image: user), or username.'
      )
    }
    return s.username
  }
  return `${s.registry}/${ctx.repository.split('/')[0] ?? ''}`
}

/**
 * The images of this step. With `compose-file`, every service with a `build:` section is a
 * target with the same derived tags, its own context, Dockerfile, args, target and labels.
 */
export function makeTargets(
  s: Settings,
  ctx: GitHubContext,
  facts: PlanFacts,
  read: (file: string) => string = f => readFileSync(f, 'utf8')
): Target[] {
  if (s.composeFile === '') return [{ service: '', settings: s, plan: withPromotion(makePlan(s, ctx, facts), s, ctx, read) }]
  let text: string
  try {
    text = read(s.composeFile)
  } catch {
    throw new InputError(
      `Input "compose-file" is "${s.composeFile}", which cannot be read: give the path of your compose file from the repository root (e.g. docker-compose.yml).`
    )
  }
  if (s.tags.some(t => t.includes('/') || t.includes(':'))) {
    throw new InputError(
      'Input "tags" has a full reference, which cannot apply to every compose service: give bare tags (e.g. edge) with compose-file.'
    )
  }
  const prefix = composePrefix(s, ctx)
  return parseCompose(text, s.composeFile).map(svc => {
    const settings: Settings = {
      ...s,
      image: `${prefix}/${svc.name}`,
      context: svc.context,
      file: svc.file,
      target: svc.target || s.target,
      buildArgs: [...svc.args, ...s.buildArgs],
      labels: [...svc.labels, ...s.labels],
      registries: s.registries.map(r => ({ ...r, image: r.image ? `${r.image.replace(/\/+$/, '')}/${svc.name}` : '' }))
    }
    return { service: svc.name, settings, plan: withPromotion(makePlan(settings, ctx, facts), settings, ctx, read) }
  })
}

/**
 * The plan in the step's log, one group per phase of the decision.
 */
import * as core from '@actions/core'
import type { GitHubContext } from '../plan/inputs/github-context.js'
import type { Plan } from '../plan/plan.js'
import { plain } from '../shared/log-text.js'

function lines(values: string[]): string {
  return values.map(v => `  ${plain(v)}`).join('\n')
}

/** The plan in the log, one group per phase of the decision. */
export function logPlan(plan: Plan, ctx: GitHubContext, service: string, notices: string[]): void {
  const of = service ? ` (${service})` : ''
  core.startGroup(`Context${of}`)
  core.info(`event: ${ctx.eventName || '(none)'}`)
  core.info(`ref: ${plain(ctx.ref) || '(none)'}`)
  core.info(`sha: ${plain(ctx.sha) || '(none)'}`)
  core.info(`repository: ${plain(ctx.repository) || '(none)'} (default branch: ${ctx.defaultBranch ?? 'unknown'})`)
  if (ctx.pullRequest) core.info(`pull request: #${ctx.pullRequest.number}${ctx.pullRequest.fromFork ? ' from a fork' : ''}`)
  core.endGroup()
  core.startGroup(`Image${of}`)
  core.info(plain(plan.image))
  core.endGroup()
  core.startGroup(`Tags${of}`)
  core.info(`version: ${plain(plan.version)}`)
  core.info(lines(plan.references))
  core.endGroup()
  core.startGroup(`Labels${of}`)
  core.info(lines(Object.entries(plan.labels).map(([k, v]) => `${k}=${v}`)))
  core.endGroup()
  core.startGroup(`Push${of}`)
  core.info(plain(`${plan.push ? 'will push' : 'will not push'} (${plan.pushReason})`))
  for (const l of plan.logins) core.info(plain(`login: ${l.registry} as ${l.username}`))
  if (plan.promotion) {
    core.info(
      `promote: auto: a ${plan.promotion.sourceTag} image of this commit with the same build inputs is promoted instead of rebuilt (promote: never builds)`
    )
  }
  core.endGroup()
  for (const n of notices) core.notice(n)
}

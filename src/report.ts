import * as core from '@actions/core'
import type { GitHubContext } from './github-context.js'
import type { Plan } from './plan.js'

function lines(values: string[]): string {
  return values.map(v => `  ${v}`).join('\n')
}

/** The plan in the log, one group per phase of the decision. */
export function logPlan(plan: Plan, ctx: GitHubContext, notices: string[]): void {
  core.startGroup('Context')
  core.info(`event: ${ctx.eventName || '(none)'}`)
  core.info(`ref: ${ctx.ref || '(none)'}`)
  core.info(`sha: ${ctx.sha || '(none)'}`)
  core.info(`repository: ${ctx.repository || '(none)'} (default branch: ${ctx.defaultBranch ?? 'unknown'})`)
  if (ctx.pullRequest) core.info(`pull request: #${ctx.pullRequest.number}${ctx.pullRequest.fromFork ? ' from a fork' : ''}`)
  core.endGroup()
  core.startGroup('Image')
  core.info(plan.image)
  core.endGroup()
  core.startGroup('Tags')
  core.info(`version: ${plan.version}`)
  core.info(lines(plan.references))
  core.endGroup()
  core.startGroup('Labels')
  core.info(lines(Object.entries(plan.labels).map(([k, v]) => `${k}=${v}`)))
  core.endGroup()
  core.startGroup('Push')
  core.info(`${plan.push ? 'will push' : 'will not push'} (${plan.pushReason})`)
  for (const l of plan.logins) core.info(`login: ${l.registry} as ${l.username}`)
  core.endGroup()
  for (const n of notices) core.notice(n)
}

/** Outputs known from the plan alone (set in dry-run too). */
export function setPlanOutputs(plan: Plan): void {
  core.setOutput('image', plan.image)
  core.setOutput('tags', plan.references.join('\n'))
  core.setOutput(
    'labels',
    Object.entries(plan.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')
  )
  core.setOutput('version', plan.version)
  core.setOutput('plan', JSON.stringify(plan))
  core.setOutput('pushed', 'false')
}

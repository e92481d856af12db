/**
 * What the tag rules know of the run (RuleContext), and the global expressions of
 * docker/metadata-action over it: `{{branch}}`, `{{tag}}`, `{{sha}}`, `{{base_ref}}`,
 * `{{is_default_branch}}`, `{{date ...}}` and `{{commit_date ...}}`, available in the `value`,
 * `prefix`, `suffix` and `enable` attributes and in the flavor's prefix and suffix.
 */
import { dateHelper } from './dates.js'
import { render, type TemplateContext } from './template.js'

/** The run as metadata-action's context sees it. */
export interface RuleContext {
  eventName: string
  /** GITHUB_REF, with pull_request_target's replaced by `refs/pull/<number>/merge` as metadata-action does. */
  ref: string
  sha: string
  /** The repository's default branch (event payload): `type=edge` and `{{is_default_branch}}`. */
  defaultBranch?: string
  /** The push payload's `base_ref` (`refs/heads/main`), on a tag push. */
  pushBaseRef?: string
  /** The pull request's base branch. */
  prBaseRef?: string
  now: Date
  /** The commit's time, or `now` when the payload does not say. */
  commitDate: Date
}

export const SHORT_SHA = 7

export const shortSha = (sha: string): string => sha.slice(0, SHORT_SHA)
export const isBranchRef = (ref: string): boolean => ref.startsWith('refs/heads/')
export const isTagRef = (ref: string): boolean => ref.startsWith('refs/tags/')
export const isPullRef = (ref: string): boolean => ref.startsWith('refs/pull/')

/** The date helpers alone: what a `type=schedule` pattern sees. */
export function dateExpressions(ctx: RuleContext): TemplateContext {
  return { date: dateHelper('date', ctx.now), commit_date: dateHelper('commit_date', ctx.commitDate) }
}

function isDefaultBranch(ctx: RuleContext): boolean {
  const branch = ctx.ref.replace(/^refs\/heads\//, '')
  if (branch === '') return false
  if (ctx.defaultBranch === branch) return true
  // Events GitHub always runs on the default branch's last commit.
  return /create|discussion|issues|schedule/.test(ctx.eventName)
}

/** Every global expression, as helpers. */
export function globalExpressions(ctx: RuleContext): TemplateContext {
  return {
    branch: () => (isBranchRef(ctx.ref) ? ctx.ref.slice('refs/heads/'.length) : ''),
    tag: () => (isTagRef(ctx.ref) ? ctx.ref.slice('refs/tags/'.length) : ''),
    sha: () => shortSha(ctx.sha),
    base_ref: () => {
      if (isTagRef(ctx.ref) && ctx.pushBaseRef !== undefined) return ctx.pushBaseRef.replace(/^refs\/heads\//, '')
      if (isPullRef(ctx.ref) && ctx.prBaseRef !== undefined) return ctx.prBaseRef
      return ''
    },
    is_default_branch: () => String(isDefaultBranch(ctx)),
    ...dateExpressions(ctx)
  }
}

/** metadata-action's setGlobalExp: `text` with the global expressions rendered. */
export function expand(text: string, ctx: RuleContext): string {
  return render(text, globalExpressions(ctx))
}

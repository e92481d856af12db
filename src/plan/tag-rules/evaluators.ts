/**
 * One evaluator per rule type, as docker/metadata-action's meta.ts evaluates them: each says
 * whether the rule applies to this run and, if so, its value (before the prefix and suffix) and
 * whether `latest=auto` gives `latest` for it (git-tag types yes; branch, PR, schedule, raw, sha no).
 */
// The version and semantic modules only: the specifier and operator ones are not used (5 kB less).
import { major, minor, patch } from '@renovatebot/pep440/lib/semantic.js'
import { clean, explain, valid } from '@renovatebot/pep440/lib/version.js'
import parse from 'semver/functions/parse.js'
import prerelease from 'semver/functions/prerelease.js'
import type SemVer from 'semver/classes/semver.js'
import semverValid from 'semver/functions/valid.js'
import type { TagRule } from './parse.js'
import { dateExpressions, expand, isBranchRef, isPullRef, isTagRef, type RuleContext, shortSha } from './expressions.js'
import { isRawStatement, render } from './template.js'

export interface RuleValue {
  /** The value before prefix/suffix; '' gives no tag. */
  value: string
  /** What `latest=auto` makes of this rule. */
  latest: boolean
}

/** What an evaluator may say without failing (metadata-action's warnings). */
export type Warn = (message: string) => void

type Evaluator = (rule: TagRule, ctx: RuleContext, warn: Warn) => RuleValue | undefined

const tagName = (ctx: RuleContext): string => ctx.ref.replace(/^refs\/tags\//, '')

/** The version a semver/pep440/match rule reads: its `value=` (expanded) or the git tag. */
function versionInput(rule: TagRule, ctx: RuleContext, slashes: boolean): string | undefined {
  const value = rule.attrs.value ?? ''
  if (value !== '') return expand(value, ctx)
  if (!isTagRef(ctx.ref)) return undefined
  return slashes ? tagName(ctx).replace(/\//g, '-') : tagName(ctx)
}

const semverRule: Evaluator = (rule, ctx, warn) => {
  const raw = versionInput(rule, ctx, true)
  if (raw === undefined) return undefined
  if (!semverValid(raw)) {
    warn(`${raw} is not a valid semver, so ${rule.line} gives no tag (https://semver.org/).`)
    return undefined
  }
  const parsed = parse(raw, { loose: true }) as SemVer
  const pattern = rule.attrs.pattern as string
  const fields = parsed as unknown as Record<string, unknown>
  // A prerelease only gets {{version}} (or {{raw}} when that is the whole pattern), never latest.
  if (prerelease(raw)) return { value: render(isRawStatement(pattern) ? pattern : '{{version}}', fields), latest: false }
  return { value: render(pattern, fields), latest: true }
}

const pep440Rule: Evaluator = (rule, ctx, warn) => {
  const raw = versionInput(rule, ctx, true)
  if (raw === undefined) return undefined
  if (!valid(raw)) {
    warn(`${raw} does not conform to PEP 440, so ${rule.line} gives no tag (https://peps.python.org/pep-0440/).`)
    return undefined
  }
  const v = explain(raw)
  const pattern = rule.attrs.pattern as string
  if (v === null || v.is_prerelease || v.is_postrelease || v.is_devrelease) {
    return { value: isRawStatement(pattern) ? raw : (clean(raw) ?? raw), latest: false }
  }
  const value = render(pattern, {
    raw: () => raw,
    version: () => clean(raw),
    major: () => major(raw),
    minor: () => minor(raw),
    patch: () => patch(raw)
  })
  return { value, latest: true }
}

const matchRule: Evaluator = (rule, ctx, warn) => {
  const raw = versionInput(rule, ctx, false)
  if (raw === undefined) return undefined
  const pattern = rule.attrs.pattern as string
  const literal = /^\/(.+)\/(.*)$/.exec(pattern)
  let re: RegExp
  try {
    re = literal ? new RegExp(literal[1] as string, literal[2]) : new RegExp(pattern)
  } catch (e) {
    throw new Error(`pattern=${pattern} is not a regular expression (${(e as Error).message})`)
  }
  const found = raw.match(re)
  if (!found) {
    warn(`${pattern} does not match ${raw}, so ${rule.line} gives no tag.`)
    return undefined
  }
  const group = found[rule.attrs.group as unknown as number]
  if (group === undefined) {
    warn(`Group ${rule.attrs.group} does not exist for ${pattern} pattern, so ${rule.line} gives no tag.`)
    return undefined
  }
  return { value: group, latest: true }
}

const refRule: Evaluator = (rule, ctx) => {
  switch (rule.attrs.event) {
    case 'branch':
      return isBranchRef(ctx.ref) ? { value: ctx.ref.replace(/^refs\/heads\//, ''), latest: false } : undefined
    case 'tag':
      return isTagRef(ctx.ref) ? { value: tagName(ctx), latest: true } : undefined
    default:
      return isPullRef(ctx.ref) ? { value: ctx.ref.replace(/^refs\/pull\//, '').replace(/\/merge$/, ''), latest: false } : undefined
  }
}

const edgeRule: Evaluator = (rule, ctx) => {
  if (!isBranchRef(ctx.ref)) return undefined
  const branch = rule.attrs.branch || ctx.defaultBranch || ''
  return ctx.ref.replace(/^refs\/heads\//, '') === branch ? { value: 'edge', latest: false } : undefined
}

const scheduleRule: Evaluator = (rule, ctx) =>
  /schedule/.test(ctx.eventName) ? { value: render(rule.attrs.pattern as string, dateExpressions(ctx)), latest: false } : undefined

const rawRule: Evaluator = (rule, ctx) => ({ value: expand(rule.attrs.value as string, ctx), latest: false })

const shaRule: Evaluator = (rule, ctx) =>
  ctx.sha ? { value: rule.attrs.format === 'long' ? ctx.sha : shortSha(ctx.sha), latest: false } : undefined

export const EVALUATORS: Record<TagRule['type'], Evaluator> = {
  schedule: scheduleRule,
  semver: semverRule,
  pep440: pep440Rule,
  match: matchRule,
  edge: edgeRule,
  ref: refRule,
  raw: rawRule,
  sha: shaRule
}

/**
 * The derived tags: what triggered the run (branch, git tag, pull request, schedule) -> tags and
 * version, with the `latest` policy; and the run as the `type=` tag rules see it.
 */
// One function per module, not the package: its ranges and comparators are half of its size.
import gte from 'semver/functions/gte.js'
import parse from 'semver/functions/parse.js'
import type SemVer from 'semver/classes/semver.js'
import type { GitHubContext } from './inputs/github-context.js'
import type { LatestPolicy } from '../shared/input-grammar.js'
import type { RuleContext } from './tag-rules/expressions.js'
import { sanitizeTag } from './tag-rules/sanitize.js'

export { sanitizeTag }

/** What triggered the run, reduced to what tags depend on. */
export type Trigger =
  | { kind: 'branch'; name: string; sha: string; isDefaultBranch: boolean }
  | { kind: 'tag'; name: string; sha: string }
  | { kind: 'pull_request'; number: number; sha: string }
  | { kind: 'schedule'; sha: string }

const PR_EVENTS = ['pull_request', 'pull_request_target', 'pull_request_review', 'pull_request_review_comment']

export function triggerOf(ctx: GitHubContext): Trigger {
  const sha = ctx.sha
  if (PR_EVENTS.includes(ctx.eventName)) {
    const fromRef = /^refs\/pull\/(\d+)\//.exec(ctx.ref)
    const number = ctx.pullRequest?.number ?? (fromRef ? Number(fromRef[1]) : 0)
    return { kind: 'pull_request', number, sha }
  }
  if (ctx.eventName === 'schedule') return { kind: 'schedule', sha }
  if (ctx.eventName === 'release' && ctx.releaseTag) return { kind: 'tag', name: ctx.releaseTag, sha }
  if (ctx.ref.startsWith('refs/tags/')) return { kind: 'tag', name: ctx.ref.slice('refs/tags/'.length), sha }
  const name = ctx.ref.replace(/^refs\/(heads\/)?/, '')
  return { kind: 'branch', name, sha, isDefaultBranch: ctx.defaultBranch !== undefined && name === ctx.defaultBranch }
}

/** A git tag as a semantic version (`v1.2.3`, `1.2.3rc2`), or null. */
export function parseVersion(tag: string): SemVer | null {
  if (!/^v?\d+\.\d+\.\d+/.test(tag)) return null
  return parse(tag, { loose: true })
}

function semverTags(v: SemVer): string[] {
  if (v.prerelease.length > 0) return [v.version]
  const forms = [v.version, `${v.major}.${v.minor}`]
  if (v.major > 0) forms.push(`${v.major}`)
  return forms
}

/** Is `v` a stable version at least as high as every stable version in `known` (git tags)? */
function isHighestStable(v: SemVer, known: string[]): boolean {
  if (v.prerelease.length > 0) return false
  return known.every(k => {
    const other = parseVersion(k)
    return other === null || other.prerelease.length > 0 || gte(v, other)
  })
}

export interface DerivedTags {
  tags: string[]
  /** The main version of this build: `1.2.3`, the tag or branch name, `pr-N`, `nightly`. */
  version: string
}

/**
 * The tags a run gets with zero configuration. `knownVersions` are the repository's git tags,
 * used by the `semver` latest policy only.
 */
export function deriveTags(trigger: Trigger, latest: LatestPolicy, knownVersions: string[] = []): DerivedTags {
  const shaTag = /^[0-9a-f]{7,}$/i.test(trigger.sha) ? `sha-${trigger.sha.slice(0, 7).toLowerCase()}` : undefined
  let tags: string[]
  let version: string
  let latestHere = false
  switch (trigger.kind) {
    case 'pull_request':
      version = `pr-${trigger.number}`
      tags = [version]
      break
    case 'schedule':
      version = 'nightly'
      tags = shaTag ? [version, shaTag] : [version]
      break
    case 'tag': {
      const v = parseVersion(trigger.name)
      version = v ? v.version : sanitizeTag(trigger.name)
      tags = [sanitizeTag(trigger.name), ...(v ? semverTags(v) : [])]
      latestHere = latest === 'semver' && v !== null && isHighestStable(v, knownVersions)
      break
    }
    case 'branch':
      version = sanitizeTag(trigger.name)
      latestHere = latest === 'default-branch' && trigger.isDefaultBranch
      // The default branch keeps its own name too (main), so a build of it can be pinned.
      tags = latestHere ? ['latest', version] : [version]
      if (shaTag) tags.push(shaTag)
      break
  }
  if (latest === 'always') latestHere = true
  if (latestHere && !tags.includes('latest')) tags.push('latest')
  return { tags: [...new Set(tags)], version }
}

/**
 * The run as docker/metadata-action sees it, for the tag rules: a pull_request_target's ref is
 * the pull request's (`refs/pull/<n>/merge`), and the commit time falls back to `now`.
 */
export function ruleContextOf(ctx: GitHubContext, now: Date): RuleContext {
  const ref = ctx.eventName === 'pull_request_target' && ctx.pullRequest ? `refs/pull/${ctx.pullRequest.number}/merge` : ctx.ref
  return {
    eventName: ctx.eventName,
    ref,
    sha: ctx.sha,
    defaultBranch: ctx.defaultBranch,
    pushBaseRef: ctx.baseRef,
    prBaseRef: ctx.pullRequest?.baseRef,
    now,
    commitDate: ctx.commitTime ? new Date(ctx.commitTime) : now
  }
}

/**
 * The tag rules over one run: settings' rules + flavor + RuleContext -> the tags, in
 * docker/metadata-action's order: the first tag of the highest-priority rule that gives one is the
 * version, the other tags follow in rule order without repeats, and `latest` (with the flavor's
 * prefix/suffix when `onlatest=true`) comes last. `latest=auto` follows the first rule that gives
 * a tag; `latest=true`/`false` decide alone.
 */
import { InputError, show } from '../../shared/errors.js'
import { EVALUATORS, type Warn } from './evaluators.js'
import { expand, type RuleContext } from './expressions.js'
import type { TagRule, TagRules } from './parse.js'
import { ruleTag } from './sanitize.js'

export interface RuleTags {
  /** Tag names, version first, `latest` last when given. */
  tags: string[]
  /** The version (metadata-action's `version` output), undefined when no rule gave a tag. */
  version: string | undefined
  /** Whether `latest` is among the tags. */
  latest: boolean
  /** metadata-action's warnings: a rule that cannot read this run's version. */
  notices: string[]
}

/** metadata-action's setValue: the rule's own prefix/suffix, else the flavor's; both expanded. */
function withAffixes(value: string, rule: TagRule, { flavor }: TagRules, ctx: RuleContext): string {
  const own = (k: string): boolean => Object.prototype.hasOwnProperty.call(rule.attrs, k)
  const prefix = own('prefix') ? (rule.attrs.prefix as string) : flavor.prefix
  const suffix = own('suffix') ? (rule.attrs.suffix as string) : flavor.suffix
  return `${prefix ? expand(prefix, ctx) : ''}${value}${suffix ? expand(suffix, ctx) : ''}`
}

function enabled(rule: TagRule, ctx: RuleContext): boolean {
  const value = expand(rule.attrs.enable as string, ctx)
  if (value !== 'true' && value !== 'false') {
    throw new InputError(
      `Input "tags" has the rule ${show(rule.line)}: enable= gives ${show(value)}; it must give true or false (e.g. enable={{is_default_branch}} or enable=\${{ github.ref == 'refs/heads/main' }}).`
    )
  }
  return value === 'true'
}

/** Evaluates the sorted rules of `config` on the run `ctx`. */
export function evaluateTagRules(config: TagRules, ctx: RuleContext): RuleTags {
  const notices: string[] = []
  const warn: Warn = m => notices.push(m)
  let version: string | undefined
  const others: string[] = []
  let latest: boolean | undefined
  for (const rule of config.rules) {
    try {
      if (!enabled(rule, ctx)) continue
      const found = EVALUATORS[rule.type](rule, ctx, warn)
      if (found === undefined) continue
      const value = withAffixes(found.value, rule, config, ctx)
      if (value === '') continue
      const tag = ruleTag(value)
      if (tag === '') {
        warn(`${rule.line} gives ${show(value)}, which holds no character a tag can keep: no tag.`)
        continue
      }
      if (version === undefined) version = tag
      else if (tag !== version && !others.includes(tag)) others.push(tag)
      latest ??= config.flavor.latest === 'auto' ? found.latest : config.flavor.latest === 'true'
    } catch (e) {
      if (e instanceof InputError) throw e
      throw new InputError(`Input "tags" has the rule ${show(rule.line)}: ${(e as Error).message}.`)
    }
  }
  if (version === undefined) return { tags: [], version, latest: false, notices }
  const tags = [version, ...others]
  if (latest === true) {
    const { flavor } = config
    const name = ruleTag(`${flavor.prefixLatest ? flavor.prefix : ''}latest${flavor.suffixLatest ? flavor.suffix : ''}`)
    if (!tags.includes(name)) tags.push(name)
  }
  return { tags, version, latest: latest === true, notices }
}

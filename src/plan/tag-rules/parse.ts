/**
 * The `type=` lines of the `tags` input, read as docker/metadata-action reads its `tags`: each
 * line is CSV of `key=value` attributes (a field without `=` is the value), each type gets its
 * defaults and default priority, and the rules are sorted by priority, highest first (a stable
 * sort: equal priorities keep their order).
 */
import { parse } from 'csv-parse/sync'
import { InputError, show } from '../../shared/errors.js'
import { DEFAULT_FLAVOR, type Flavor, parseFlavor } from './flavor.js'

export const RULE_TYPES = ['schedule', 'semver', 'pep440', 'match', 'edge', 'ref', 'raw', 'sha'] as const
export type RuleType = (typeof RULE_TYPES)[number]

/** metadata-action's DefaultPriorities. */
export const DEFAULT_PRIORITIES: Record<RuleType, string> = {
  schedule: '1000',
  semver: '900',
  pep440: '900',
  match: '800',
  edge: '700',
  ref: '600',
  raw: '200',
  sha: '100'
}

/** metadata-action's rules when `tags` is empty: here, when only `flavor` is given. */
export const DEFAULT_RULES = ['type=schedule', 'type=ref,event=branch', 'type=ref,event=tag', 'type=ref,event=pr']

export interface TagRule {
  type: RuleType
  /** Every attribute, defaults filled in (`enable`, `priority`, and the type's own), as strings. */
  attrs: Record<string, string>
  /** The line as written, for messages. */
  line: string
}

/** Everything the rules need from the inputs: the sorted rules and the flavor. */
export interface TagRules {
  rules: TagRule[]
  flavor: Flavor
}

/** The lines of the `tags` input split into rules (`type=...`) and the rest (bare tags, references). */
export function splitRuleLines(raw: string): { rules: string[]; rest: string } {
  const rules: string[] = []
  const rest: string[] = []
  for (const line of raw.split(/\r?\n/)) {
    const trimmed = line.trim()
    if (/^type\s*=/i.test(trimmed)) rules.push(trimmed)
    else rest.push(line)
  }
  return { rules, rest: rest.join('\n') }
}

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k)

/** One rule line, as metadata-action's tag.Parse reads it; an InputError says what is wrong. */
export function parseTagRule(line: string): TagRule {
  const fail = (why: string): never => {
    throw new InputError(`Input "tags" has the rule ${show(line)}: ${why}.`)
  }
  let fields: string[]
  try {
    fields = ((parse(line, { relaxColumnCount: true, skipEmptyLines: true }) as string[][])[0] ?? []).map(String)
  } catch (e) {
    return fail(`it is not CSV (${(e as Error).message}); quote a field that holds a comma or a quote: "pattern=a,b"`)
  }
  let type: RuleType | undefined
  const attrs: Record<string, string> = {}
  for (const field of fields) {
    const eq = field.indexOf('=')
    if (eq <= 0) {
      attrs.value = field.trim()
      continue
    }
    const key = field.slice(0, eq).trim().toLowerCase()
    const value = field.slice(eq + 1).trim()
    if (key === 'type') {
      if (!(RULE_TYPES as readonly string[]).includes(value)) fail(`type=${value} is not a rule type: use one of ${RULE_TYPES.join(', ')}`)
      type = value as RuleType
    } else {
      attrs[key] = value
    }
  }
  type ??= 'raw'
  const need = (key: string, example: string): void => {
    if (!has(attrs, key)) fail(`type=${type} needs ${key}= (e.g. ${example})`)
  }
  const otherwise = (key: string, value: string): void => {
    if (!has(attrs, key)) attrs[key] = value
  }
  switch (type) {
    case 'schedule':
      otherwise('pattern', 'nightly')
      break
    case 'semver':
    case 'pep440':
      need('pattern', `type=${type},pattern={{version}}`)
      otherwise('value', '')
      break
    case 'match':
      need('pattern', 'type=match,pattern=v(.*),group=1')
      otherwise('group', '0')
      if (Number.isNaN(Number(attrs.group))) fail(`group=${attrs.group} is not a number: give the capture group, e.g. group=1`)
      otherwise('value', '')
      break
    case 'edge':
      otherwise('branch', '')
      break
    case 'ref':
      need('event', 'type=ref,event=branch')
      if (!['branch', 'tag', 'pr'].includes(attrs.event as string)) fail(`event=${attrs.event} is not branch, tag or pr`)
      if (attrs.event === 'pr') otherwise('prefix', 'pr-')
      break
    case 'raw':
      need('value', 'type=raw,value=edge')
      break
    case 'sha':
      otherwise('prefix', 'sha-')
      otherwise('format', 'short')
      if (!['short', 'long'].includes(attrs.format as string)) fail(`format=${attrs.format} is not short or long`)
      break
  }
  otherwise('enable', 'true')
  otherwise('priority', DEFAULT_PRIORITIES[type])
  return { type, attrs, line }
}

/** Sorts as metadata-action does: by Number(priority), highest first, stable for equal ones. */
export function sortRules(rules: TagRule[]): TagRule[] {
  return [...rules].sort((a, b) => {
    const [pa, pb] = [Number(a.attrs.priority), Number(b.attrs.priority)]
    if (pa < pb) return 1
    if (pa > pb) return -1
    return 0
  })
}

/**
 * The rules and flavor of the inputs, or undefined when there are none (the derived tags then
 * apply). A `flavor` without any rule means metadata-action's default rules with that flavor.
 */
export function readTagRules(ruleLines: string[], flavorInput: string): TagRules | undefined {
  const flavor = parseFlavor(flavorInput)
  if (ruleLines.length === 0 && flavor === undefined) return undefined
  const lines = ruleLines.length > 0 ? ruleLines : DEFAULT_RULES
  return { rules: sortRules(lines.map(parseTagRule)), flavor: flavor ?? { ...DEFAULT_FLAVOR } }
}

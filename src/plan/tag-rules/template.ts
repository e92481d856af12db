/**
 * The Handlebars subset that docker/metadata-action's tag rules use, rendered the way Handlebars
 * renders it: `{{name}}`, `{{ name }}`, `{{name 'arg' key='value'}}`, `{{{name}}}` (not escaped),
 * `{{! comment }}` and `\{{` for a literal. A name is a helper (a function of the context) or a
 * value of it; an unknown name renders empty, and an unknown name given arguments is an error, as
 * in Handlebars. Output is HTML-escaped as Handlebars escapes it (metadata-action then turns those
 * `&...;` into `-`). Blocks, partials and sub-expressions are refused with a clear message: no
 * tag rule uses them, and the whole Handlebars library would triple the size of the bundle.
 */

export type Helper = (args: unknown[], hash: Record<string, unknown>) => unknown
/** What names resolve to: helpers, plain values, or objects (a parsed semver) whose own fields are looked up. */
export type TemplateContext = Record<string, unknown>

type Param = { kind: 'path'; path: string[] } | { kind: 'literal'; value: unknown }
type Node = { kind: 'text'; text: string } | { kind: 'mustache'; path: string[]; params: Param[]; hash: [string, Param][]; escape: boolean }

/** An identifier as the Handlebars lexer defines it (ID): anything but white space and its punctuation. */
const ID = /^[^\s!"#%-,./;->@[-^`{-~]+/
const NUMBER = /^-?[0-9]+(?:\.[0-9]+)?$/

function literal(word: string): Param {
  if (word === 'true' || word === 'false') return { kind: 'literal', value: word === 'true' }
  if (word === 'undefined') return { kind: 'literal', value: undefined }
  if (word === 'null') return { kind: 'literal', value: null }
  if (NUMBER.test(word)) return { kind: 'literal', value: Number(word) }
  return { kind: 'path', path: [word] }
}

/** Splits the inside of one `{{ }}` into a path, positional params and key=value params. */
function parseMustache(inner: string, escape: boolean, whole: string): Node {
  const params: Param[] = []
  const hash: [string, Param][] = []
  let rest = inner.trim()
  const fail = (why: string): never => {
    throw new Error(`${whole} ${why}`)
  }
  const param = (): Param => {
    const quote = rest[0]
    if (quote === '"' || quote === "'") {
      let i = 1
      let text = ''
      for (; i < rest.length && rest[i] !== quote; i++) {
        if (rest[i] === '\\' && rest[i + 1] === quote) i++
        text += rest[i]
      }
      if (i >= rest.length) fail('has an unclosed quote')
      rest = rest.slice(i + 1)
      return { kind: 'literal', value: text }
    }
    if (rest[0] === '(') fail('uses a sub-expression, which tag rules do not support')
    const m = ID.exec(rest)
    if (!m) fail(`cannot be read at ${JSON.stringify(rest.slice(0, 10))}`)
    let word = (m as RegExpExecArray)[0]
    rest = rest.slice(word.length)
    const path = [word]
    while (/^[./][^\s.=/]/.test(rest)) {
      const seg = ID.exec(rest.slice(1))
      if (!seg) break
      word = seg[0]
      path.push(word)
      rest = rest.slice(1 + word.length)
    }
    return path.length > 1 ? { kind: 'path', path } : literal(path[0] as string)
  }
  const head = param()
  if (head.kind !== 'path') fail('must start with a name')
  while ((rest = rest.trimStart()) !== '') {
    const key = ID.exec(rest)
    if (key && rest[key[0].length] === '=') {
      rest = rest.slice(key[0].length + 1).trimStart()
      hash.push([key[0], param()])
    } else {
      if (hash.length > 0) fail('has a positional argument after a key=value one')
      params.push(param())
    }
  }
  return { kind: 'mustache', path: (head as { path: string[] }).path, params, hash, escape }
}

/** Parses a template; throws an Error naming the construct it cannot read. */
export function parseTemplate(src: string): Node[] {
  const nodes: Node[] = []
  let text = ''
  let i = 0
  while (i < src.length) {
    const open = src.indexOf('{{', i)
    if (open < 0) break
    if (open > 0 && src[open - 1] === '\\') {
      text += `${src.slice(i, open - 1)}{{`
      i = open + 2
      continue
    }
    text += src.slice(i, open)
    if (src.startsWith('{{!--', open)) {
      const end = src.indexOf('--}}', open)
      if (end < 0) throw new Error(`${src.slice(open)} is an unclosed comment`)
      i = end + 4
      continue
    }
    const triple = src.startsWith('{{{', open)
    const close = src.indexOf(triple ? '}}}' : '}}', open + (triple ? 3 : 2))
    if (close < 0) throw new Error(`${src.slice(open)} has no closing ${triple ? '}}}' : '}}'}`)
    const whole = src.slice(open, close + (triple ? 3 : 2))
    let inner = src.slice(open + (triple ? 3 : 2), close)
    i = close + (triple ? 3 : 2)
    if (inner.startsWith('!')) continue
    if (/^[#/^>~]|~$|^\s*else\b/.test(inner)) {
      throw new Error(`${whole} is a Handlebars block, partial or white-space control, which tag rules do not support`)
    }
    let escape = !triple
    if (inner.startsWith('&')) {
      escape = false
      inner = inner.slice(1)
    }
    if (text !== '') nodes.push({ kind: 'text', text })
    text = ''
    nodes.push(parseMustache(inner, escape, whole))
  }
  text += src.slice(i)
  if (text !== '') nodes.push({ kind: 'text', text })
  return nodes
}

function lookup(ctx: unknown, path: string[]): unknown {
  let v: unknown = ctx
  for (const seg of path) {
    if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, seg)) return undefined
    v = (v as Record<string, unknown>)[seg]
  }
  return v
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#x27;',
  '`': '&#x60;',
  '=': '&#x3D;'
}

/** Handlebars' escapeExpression: null/undefined -> '', false -> 'false', arrays joined by commas. */
function show(value: unknown, escape: boolean): string {
  const s = value === null || value === undefined ? '' : String(value)
  return escape ? s.replace(/[&<>"'`=]/g, c => ESCAPES[c] as string) : s
}

/** Renders `src` against `ctx` as Handlebars would. */
export function render(src: string, ctx: TemplateContext): string {
  let out = ''
  for (const node of parseTemplate(src)) {
    if (node.kind === 'text') {
      out += node.text
      continue
    }
    const target = lookup(ctx, node.path)
    const value = (p: Param): unknown => (p.kind === 'literal' ? p.value : lookup(ctx, p.path))
    let result: unknown
    if (node.params.length > 0 || node.hash.length > 0) {
      if (typeof target !== 'function') throw new Error(`Missing helper: "${node.path.join('.')}"`)
      result = (target as Helper)(node.params.map(value), Object.fromEntries(node.hash.map(([k, p]) => [k, value(p)])))
    } else {
      result = typeof target === 'function' ? (target as Helper)([], {}) : target
    }
    out += show(result, node.escape)
  }
  return out
}

/** metadata-action's isRawStatement: the pattern is one `{{raw}}` and nothing else. */
export function isRawStatement(pattern: string): boolean {
  try {
    const nodes = parseTemplate(pattern)
    const only = nodes[0]
    return nodes.length === 1 && only?.kind === 'mustache' && only.path.length === 1 && only.path[0] === 'raw'
  } catch {
    return false
  }
}

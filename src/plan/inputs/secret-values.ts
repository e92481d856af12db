/**
 * The `secrets` input's grammar: `id=value` lines, where a value may span lines in double quotes
 * (build-push-action's CSV form `"id=line1\nline2"`, or `id="line1\nline2"`; `""` is one quote),
 * and the BuildKit secret id check shared by secrets, secret-envs and secret-files.
 * No message here shows a value.
 */
import { InputError, show } from '../../shared/errors.js'
import type { KeyValue } from './input-list.js'

const SECRET_ID = /^[A-Za-z0-9_.-]+$/

/** Throws unless `id` is a BuildKit secret id: letters, digits, ".", "_", "-", and not "." or "..". */
export function checkSecretId(input: string, id: string): void {
  if (!SECRET_ID.test(id) || id === '.' || id === '..') {
    throw new InputError(
      `Input "${input}" has the id ${show(id)}: a BuildKit secret id is only letters, digits, ".", "_" and "-" (not "." or ".."), e.g. npm_token.`
    )
  }
}

/**
 * Reads a quoted value starting just after its opening quote at lines[i][from]; returns the value
 * and the index of the line holding the closing quote, or undefined when none closes it.
 */
function quoted(lines: string[], i: number, from: number): { value: string; end: number; rest: string } | undefined {
  let value = ''
  let line = lines[i] as string
  let pos = from
  for (;;) {
    const q = line.indexOf('"', pos)
    if (q < 0) {
      value += line.slice(pos)
      if (++i >= lines.length) return undefined
      value += '\n'
      line = lines[i] as string
      pos = 0
      continue
    }
    value += line.slice(pos, q)
    if (line[q + 1] === '"') {
      value += '"'
      pos = q + 2
      continue
    }
    return { value, end: i, rest: line.slice(q + 1) }
  }
}

/** Splits the `secrets` input into id/value pairs; `onError` builds the message for a line without `=`. */
export function parseSecretLines(raw: string, onError: (line: string) => Error): KeyValue[] {
  const lines = raw.split(/\r?\n/)
  const out: KeyValue[] = []
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim()
    if (line === '' || line.startsWith('#')) continue
    let entry: string
    const whole = line.startsWith('"')
    const eq = line.indexOf('=')
    const valueQuoted = !whole && eq > 0 && line[eq + 1] === '"'
    if (whole || valueQuoted) {
      const start = (lines[i] as string).indexOf(whole ? '"' : '="') + (whole ? 1 : 2)
      const q = quoted(lines, i, start)
      if (q === undefined) {
        throw new InputError(`Input "secrets" has a quoted value that is never closed (line ${i + 1}): end it with a double quote.`)
      }
      if (q.rest.trim() !== '') {
        throw new InputError(
          `Input "secrets" has text after a closing double quote (line ${q.end + 1}): write "" for a quote inside a value.`
        )
      }
      entry = whole ? q.value : `${line.slice(0, eq)}=${q.value}`
      i = q.end
    } else {
      entry = line
    }
    const at = entry.indexOf('=')
    if (at <= 0) throw onError(entry)
    out.push({ key: entry.slice(0, at).trim(), value: entry.slice(at + 1) })
  }
  return out
}

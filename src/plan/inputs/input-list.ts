/**
 * The grammar of list inputs: one item per line (or per comma), `#` comments, `key=value` lines.
 */
import { parse } from 'csv-parse/sync'

/**
 * Splits a list input the way the docker actions do: one item per line, `#` starts a comment,
 * blank lines are skipped. With `commas`, items on a line may also be separated by commas
 * (quote an item that holds a comma: `"a,b"`). Key=value inputs (build-args, labels, secrets)
 * split on newlines only, since values may hold commas.
 */
export function parseList(raw: string, { commas }: { commas: boolean }): string[] {
  const items: string[] = []
  for (const line of raw.split(/\r?\n/)) {
    const trimmed = line.trim()
    if (trimmed === '' || trimmed.startsWith('#')) continue
    if (!commas) {
      items.push(trimmed)
      continue
    }
    const records = parse(trimmed, {
      columns: false,
      relaxColumnCount: true,
      relaxQuotes: true,
      skipEmptyLines: true,
      trim: true,
      comment: '#'
    }) as string[][]
    for (const record of records) {
      for (const item of record) if (item.trim() !== '') items.push(item.trim())
    }
  }
  return items
}

export interface KeyValue {
  key: string
  value: string
}

/** Splits `key=value` lines; `onError` builds the message for a line without `=` or key. */
export function parseKeyValues(raw: string, onError: (line: string) => Error): KeyValue[] {
  return parseList(raw, { commas: false }).map(line => {
    const eq = line.indexOf('=')
    if (eq <= 0) throw onError(line)
    return { key: line.slice(0, eq).trim(), value: line.slice(eq + 1) }
  })
}

// The bench's output: the figures' table on stdout and the JSON file, written as the repo's
// Prettier would write it.
import * as fs from 'node:fs'
import * as path from 'node:path'

export function table(rows) {
  const head = ['section', 'figure', 'value', 'target', 'result']
  const cells = rows.map(r => [r.section, r.name, r.value, r.target, r.pass === null ? '' : r.pass ? 'pass' : 'FAIL'])
  const w = head.map((h, i) => Math.max(h.length, ...cells.map(c => c[i].length)))
  const line = c =>
    c
      .map((x, i) => x.padEnd(w[i]))
      .join('  ')
      .trimEnd()
  return [line(head), line(w.map(n => '-'.repeat(n))), ...cells.map(line)].join('\n')
}

export async function writeJson(file, data) {
  let text = `${JSON.stringify(data, null, 2)}\n`
  try {
    // Keep the file as the repo's Prettier would write it, so `prettier --check .` does not trip.
    const prettier = await import('prettier')
    const config = (await prettier.resolveConfig(file)) ?? {}
    text = await prettier.format(text, { ...config, parser: 'json' })
  } catch {
    /* plain JSON */
  }
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, text)
}

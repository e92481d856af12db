// Keeps README.md in step with action.yml and examples/:
//   - the Inputs and Outputs tables between `<!-- inputs:start -->` / `<!-- inputs:end -->` and
//     `<!-- outputs:start -->` / `<!-- outputs:end -->` are rendered from action.yml;
//   - a fenced block right after `<!-- example: PATH -->` is the content of the file PATH (added
//     when the marker has none yet).
// The result goes through Prettier (the repo's config), so `prettier --check` and this agree.
//
//   node scripts/readme-tables.mjs          rewrite README.md   (npm run docs)
//   node scripts/readme-tables.mjs --check  exit 1 when README.md is stale (npm run docs:check)
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as prettier from 'prettier'
import YAML from 'yaml'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const readmePath = join(root, 'README.md')
const actionPath = join(root, 'action.yml')

const oneLine = text =>
  String(text ?? '')
    .replace(/\s+/g, ' ')
    .trim()
const cell = text => oneLine(text).replace(/\|/g, '\\|')
const code = text => (text === '' ? '' : `\`${cell(text)}\``)

function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map(r => `| ${r.join(' | ')} |`)].join('\n')
}

function renderInputs(action) {
  const inputs = Object.entries(action.inputs ?? {})
  const anyRequired = inputs.some(([, i]) => i?.required === true || i?.required === 'true')
  const header = anyRequired ? ['name', 'required', 'default', 'description'] : ['name', 'default', 'description']
  const rows = inputs.map(([name, i = {}]) => {
    const required = i.required === true || i.required === 'true' ? 'yes' : ''
    const deprecated = i.deprecationMessage ? ` **Deprecated:** ${cell(i.deprecationMessage)}` : ''
    const row = [`\`${name}\``, code(String(i.default ?? '')), `${cell(i.description)}${deprecated}`]
    return anyRequired ? [row[0], required, row[1], row[2]] : row
  })
  return table(header, rows)
}

function renderOutputs(action) {
  return table(
    ['name', 'description'],
    Object.entries(action.outputs ?? {}).map(([name, o = {}]) => [`\`${name}\``, cell(o.description)])
  )
}

const NOTE = '<!-- Generated from action.yml by `npm run docs`: edit action.yml, not this table. -->'

function replaceSection(text, name, body) {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const i = text.indexOf(start)
  const j = text.indexOf(end)
  if (i < 0 || j < i) throw new Error(`README.md has no "${start}" ... "${end}" section: add the two markers where the ${name} table goes.`)
  return `${text.slice(0, i + start.length)}\n${NOTE}\n\n${body}\n\n${text.slice(j)}`
}

const EXAMPLE = /^<!-- example: (\S+) -->$/

/** Line by line: after a marker, blank lines, then a ```yaml fence up to the next line that is only ```. */
function replaceExamples(text, problems) {
  const lines = text.split('\n')
  const out = []
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i])
    const marker = EXAMPLE.exec(lines[i])
    if (!marker) continue
    const file = marker[1]
    let open = i + 1
    while (open < lines.length && lines[open].trim() === '') open++
    const fence = /^```(yaml|yml)\s*$/.exec(lines[open] ?? '')
    const close = fence ? lines.findIndex((l, k) => k > open && l === '```') : -1
    if (fence && close < 0) {
      problems.push(`README.md line ${i + 1}: the \`\`\`yaml block after "${lines[i]}" is not closed.`)
      continue
    }
    const path = join(root, file)
    if (!existsSync(path)) {
      problems.push(`README.md line ${i + 1} names the example ${file}, which does not exist.`)
      continue
    }
    // A marker without a block yet gets one (a new example); one with a block gets it refreshed.
    out.push('', `\`\`\`${fence ? fence[1] : 'yaml'}`, ...readFileSync(path, 'utf8').trimEnd().split('\n'), '```')
    if (fence) i = close
    else out.push('')
  }
  return out.join('\n')
}

/** README.md as it should be. */
async function renderReadme(readme, actionYaml) {
  const action = YAML.parse(actionYaml)
  const problems = []
  let text = replaceSection(readme, 'inputs', renderInputs(action))
  text = replaceSection(text, 'outputs', renderOutputs(action))
  text = replaceExamples(text, problems)
  const config = (await prettier.resolveConfig(readmePath)) ?? {}
  return { text: await prettier.format(text, { ...config, filepath: readmePath }), problems }
}

function firstDifference(a, b) {
  const x = a.split('\n')
  const y = b.split('\n')
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) return { line: i + 1, have: x[i] ?? '(end of file)', want: y[i] ?? '(end of file)' }
  }
  return undefined
}

async function main() {
  const check = process.argv.includes('--check')
  const readme = readFileSync(readmePath, 'utf8')
  const { text, problems } = await renderReadme(readme, readFileSync(actionPath, 'utf8'))
  for (const p of problems) console.error(p)
  if (check) {
    const diff = firstDifference(readme, text)
    if (diff) {
      console.error(
        `README.md is stale: its Inputs/Outputs tables or example blocks differ from action.yml and examples/ (first at line ${diff.line}).\n` +
          `  README.md has: ${diff.have}\n  expected:      ${diff.want}\n` +
          "Run 'npm run docs' and commit README.md."
      )
      process.exit(1)
    }
    if (problems.length > 0) process.exit(1)
    console.log('README.md matches action.yml and examples/.')
    return
  }
  if (text !== readme) writeFileSync(readmePath, text)
  console.log(text !== readme ? 'README.md updated from action.yml and examples/.' : 'README.md already up to date.')
  if (problems.length > 0) process.exit(1)
}

await main()

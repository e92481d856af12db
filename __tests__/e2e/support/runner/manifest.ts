// The action's action.yml as the runner reads it, and the inputs a step gets from it
// (actions/runner sources):
//   - INPUT_<NAME>: Handler.AddInputsToEnvironment: `INPUT_` + name.Replace(' ', '_').ToUpperInvariant()
//     (hyphens kept). Every input of action.yml gets a variable: the workflow's value, else its
//     evaluated `default`, else '' (ActionRunner.RunAsync + ActionManifestManager.ConvertInputs).
//   - A `with:` name that action.yml does not declare is a runner warning, not an error.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import type { Annotation } from './results.js'

/** Root of this repository (…/__tests__/e2e/support/runner/../../../..); its action.yml is the default one. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..')

/** `INPUT_` name the runner uses: spaces -> '_', upper-case, everything else (hyphens) kept. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

export interface ActionManifest {
  inputs: Array<{ name: string; default: string }>
  main?: string
  post?: string
  postIf?: string
  dir: string
}

export function readActionManifest(file: string): ActionManifest {
  const doc = parseYaml(fs.readFileSync(file, 'utf8')) as Record<string, unknown> | null
  if (!doc || typeof doc !== 'object') throw new Error(`${file}: not a YAML mapping`)
  const inputs: ActionManifest['inputs'] = []
  const rawInputs = (doc.inputs ?? {}) as Record<string, Record<string, unknown> | null>
  for (const [name, meta] of Object.entries(rawInputs)) {
    const d = meta && 'default' in meta ? meta.default : ''
    inputs.push({ name, default: d === null || d === undefined ? '' : String(d) })
  }
  const runs = (doc.runs ?? {}) as Record<string, unknown>
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
  return { inputs, main: str(runs.main), post: str(runs.post), postIf: str(runs['post-if']), dir: path.dirname(file) }
}

/** Evaluate `${{ … }}` in an input default: github.* / runner.* names we know, else ''. */
export function evaluateDefault(template: string, contexts: Record<string, string>): string {
  return template.replace(/\$\{\{\s*([\s\S]*?)\s*\}\}/g, (_m, expr: string) => {
    const key = expr.trim().toLowerCase()
    return contexts[key] ?? ''
  })
}

/**
 * The inputs of the step: the workflow's values (`given`, as under `with:`), then every
 * action.yml input not given, with its default evaluated in `contexts` (`github.sha` -> value).
 * Names action.yml does not declare give the runner's warning, before the step's own output.
 */
export function resolveInputs(
  manifest: ActionManifest,
  given: Record<string, string | number | boolean> | undefined,
  contexts: Record<string, string>
): { inputs: Record<string, string>; annotations: Annotation[]; log: string[] } {
  const inputs: Record<string, string> = {}
  const named = new Set<string>()
  for (const [k, v] of Object.entries(given ?? {})) {
    inputs[k] = String(v)
    named.add(k.toLowerCase())
  }
  for (const inp of manifest.inputs) {
    if (!named.has(inp.name.toLowerCase())) inputs[inp.name] = evaluateDefault(inp.default, contexts)
  }
  const valid = new Set(manifest.inputs.map(i => i.name.toLowerCase()))
  const unexpected = Object.keys(given ?? {}).filter(k => !valid.has(k.toLowerCase()))
  const annotations: Annotation[] = []
  const log: string[] = []
  if (unexpected.length > 0) {
    const m = `Unexpected input(s) '${unexpected.join("', '")}', valid inputs are ['${manifest.inputs.map(i => i.name).join("', '")}']`
    annotations.push({ level: 'warning', message: m, properties: {}, source: 'runner' })
    log.push(`##[warning]${m}`)
  }
  return { inputs, annotations, log }
}

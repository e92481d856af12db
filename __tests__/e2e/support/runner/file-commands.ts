// File commands as the runner handles them (actions/runner sources):
//   - FileCommandManager.InitializeFiles: a NEW set of empty files for every step, main and post
//     alike, under $RUNNER_TEMP/_runner_file_commands;
//   - parsed after the process ends (FileCommandManager.ProcessFiles, EnvFileKeyValuePairs):
//     `NAME=value` or `NAME<<DELIM` ... `DELIM`; a malformed file fails the step
//     ("Unable to process file command 'output' successfully.").
import { randomUUID } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { StepFiles } from './results.js'

/**
 * Parse a GITHUB_OUTPUT / GITHUB_STATE / GITHUB_ENV file like the runner (EnvFileKeyValuePairs):
 * `NAME=value` lines and `NAME<<DELIM` heredocs; empty lines skipped; throws on a malformed file.
 * Later entries win.
 */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  let index = 0
  const readLine = (): { line: string; newline: string | null } | null => {
    if (index >= text.length) return null
    const lf = text.indexOf('\n', index)
    if (lf < 0) {
      const line = text.slice(index)
      index = text.length
      return { line, newline: null }
    }
    const line = text.slice(index, lf)
    index = lf + 1
    return { line, newline: '\n' }
  }
  for (let r = readLine(); r !== null; r = readLine()) {
    const line = r.line
    if (line === '') continue
    const eq = line.indexOf('=')
    const hd = line.indexOf('<<')
    if (eq >= 0 && (hd < 0 || eq < hd)) {
      // The runner does not reject an empty name here (its check tests the whole line).
      out[line.slice(0, eq)] = line.slice(eq + 1)
    } else if (hd >= 0 && (eq < 0 || hd < eq)) {
      const name = line.slice(0, hd)
      const delimiter = line.slice(hd + 2)
      if (name === '' || delimiter === '') {
        throw new Error(`Invalid format '${line}'. Name must not be empty and delimiter must not be empty`)
      }
      const start = index
      let end = index
      let t = readLine()
      while (t === null || t.line !== delimiter) {
        if (t === null) throw new Error(`Invalid value. Matching delimiter not found '${delimiter}'`)
        if (t.newline === null) throw new Error('Invalid value. EOF marker missing new line.')
        end = index - t.newline.length
        t = readLine()
      }
      out[name] = end > start ? text.slice(start, end) : ''
    } else {
      throw new Error(`Invalid format '${line}'`)
    }
  }
  return out
}

/** The files of one step (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV, GITHUB_PATH, GITHUB_STEP_SUMMARY), created empty. */
export function createFileCommandFiles(runnerTemp: string): StepFiles {
  const dir = path.join(runnerTemp, '_runner_file_commands')
  fs.mkdirSync(dir, { recursive: true })
  const suffix = randomUUID()
  const files: StepFiles = {
    path: path.join(dir, `add_path_${suffix}`),
    env: path.join(dir, `set_env_${suffix}`),
    summary: path.join(dir, `step_summary_${suffix}`),
    state: path.join(dir, `save_state_${suffix}`),
    output: path.join(dir, `set_output_${suffix}`)
  }
  for (const f of Object.values(files)) fs.writeFileSync(f, '')
  return files
}

/** What a step left in its file-command files; a malformed file gives {} and one failure. */
export interface FileCommands {
  env: Record<string, string>
  state: Record<string, string>
  output: Record<string, string>
  path: string[]
  /** Raw GITHUB_STEP_SUMMARY content. */
  summary: string
  /** In the order the runner processes the files: env, state, output. */
  failures: Array<{ contextName: 'env' | 'state' | 'output'; message: string }>
}

/** Read the files after the process ended, like FileCommandManager.ProcessFiles (a missing file reads as empty). */
export function readFileCommands(files: StepFiles): FileCommands {
  const readFile = (f: string): string => {
    try {
      return fs.readFileSync(f, 'utf8')
    } catch {
      return ''
    }
  }
  const failures: FileCommands['failures'] = []
  const parse = (contextName: 'env' | 'state' | 'output', file: string): Record<string, string> => {
    try {
      return parseFileCommands(readFile(file))
    } catch (e) {
      failures.push({ contextName, message: (e as Error).message })
      return {}
    }
  }
  const pathFile = readFile(files.path)
    .split('\n')
    .map(l => l.replace(/\r$/, ''))
    .filter(l => l !== '')
  const env = parse('env', files.env)
  const state = parse('state', files.state)
  const output = parse('output', files.output)
  return { env, state, output, path: pathFile, summary: readFile(files.summary), failures }
}

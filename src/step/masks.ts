/**
 * The log masks of the secret inputs, decided before any input is validated (so a refused input
 * is masked too). Only maskable values (shared/mask.ts) reach core.setSecret.
 */
import { maskLines } from '../shared/mask.js'
import { parseSecretLines } from '../plan/inputs/secret-values.js'

export const SECRET_INPUTS = ['password', 'github-token', 'secrets', 'registries']

/** Every value of `secrets`; when it does not parse, each of its lines and each line's text after "=". */
function secretsValues(raw: string): string[] {
  try {
    return parseSecretLines(raw, () => new Error('no =')).map(kv => kv.value)
  } catch {
    return raw.split(/\r?\n/).flatMap(line => (line.includes('=') ? [line, line.slice(line.indexOf('=') + 1)] : [line]))
  }
}

/** The masks for the secret inputs `get` returns (untrimmed values). */
export function secretInputMasks(get: (name: string) => string): string[] {
  const values: string[] = []
  for (const name of SECRET_INPUTS) {
    const raw = get(name)
    if (raw.trim() === '') continue
    if (name === 'secrets') values.push(...secretsValues(raw))
    else if (name === 'registries') {
      // `password: value` keys of its YAML.
      for (const line of raw.split(/\r?\n/)) {
        values.push((/^\s*-?\s*password:\s*(.*)$/.exec(line)?.[1] ?? '').trim().replace(/^(["'])(.*)\1$/, '$2'))
      }
    } else values.push(raw)
  }
  return [...new Set(values.flatMap(maskLines))]
}

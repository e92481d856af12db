/**
 * The YAML parser, given by the entry point that needs one. The action loads it (a chunk of its
 * own, see main.ts) only for the runs that read YAML, the `registries` and `compose-file`
 * inputs: it is ~40 % of the action's bundle, and every run would otherwise pay for compiling it
 * (~20 ms on a 2-core runner) before its first engine command.
 */
type Parse = (text: string) => unknown

let parser: Parse | undefined

export function setYamlParser(parse: Parse): void {
  parser = parse
}

/** The YAML inputs, the ones that need `setYamlParser` first. */
export const YAML_INPUTS = ['registries', 'compose-file'] as const

/** Throws when no parser was given: a code path that reads YAML must be given one first. */
export function parseYaml(text: string): unknown {
  if (!parser) throw new Error('internal error: parseYaml before setYamlParser')
  return parser(text)
}

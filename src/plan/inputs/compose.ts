/**
 * The `compose-file` input: the build services of a compose file (context, dockerfile, args,
 * target, labels). Pure: given the file's text.
 */
import * as path from 'node:path'
import { parseYaml as parse } from './yaml-parser.js'
import { InputError } from '../../shared/errors.js'
import type { KeyValue } from './input-list.js'

/** A compose service that has a `build:` section, with paths resolved against the compose file. */
export interface ComposeService {
  name: string
  context: string
  file: string
  args: KeyValue[]
  target: string
  labels: KeyValue[]
}

/** The build fields this action honours; any other is refused by name rather than ignored. */
const SUPPORTED = ['context', 'dockerfile', 'args', 'target', 'labels']

type Json = Record<string, unknown>
const isObj = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v)

function fail(file: string, why: string): never {
  throw new InputError(`Input "compose-file" is "${file}": ${why}`)
}

/** `args:` / `labels:` as a map (`KEY: value`) or a list (`- KEY=value`). */
function keyValues(file: string, where: string, value: unknown): KeyValue[] {
  if (value === undefined || value === null) return []
  if (Array.isArray(value)) {
    return value.map(item => {
      const s = String(item)
      const eq = s.indexOf('=')
      if (eq <= 0) fail(file, `${where} has "${s}" without "=": write KEY=value.`)
      return { key: s.slice(0, eq), value: s.slice(eq + 1) }
    })
  }
  if (isObj(value)) return Object.entries(value).map(([key, v]) => ({ key, value: v === null ? '' : String(v) }))
  return fail(file, `${where} must be a map or a list of KEY=value.`)
}

function text(file: string, where: string, value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number') fail(file, `${where} must be a string.`)
  const s = String(value)
  if (s.includes('${') || /\$[A-Za-z_]/.test(s)) {
    fail(file, `${where} is "${s}", which uses a variable: the action does not interpolate compose variables; write the value.`)
  }
  return s
}

/**
 * Reads the services with a `build:` section from compose YAML. `dir` is the compose file's
 * folder (relative to the workspace): contexts are resolved against it, Dockerfiles against
 * their context, as compose does. Services with only `image:` are left out.
 */
export function parseCompose(yamlText: string, file: string): ComposeService[] {
  let doc: unknown
  try {
    doc = parse(yamlText)
  } catch (e) {
    fail(file, `it is not valid YAML (${(e as Error).message.split('\n')[0]}).`)
  }
  if (!isObj(doc) || !isObj(doc.services)) fail(file, 'it has no "services:" map.')
  const dir = path.dirname(file)
  const services: ComposeService[] = []
  for (const [name, raw] of Object.entries(doc.services as Json)) {
    if (!isObj(raw) || raw.build === undefined) continue
    if (!/^[a-z0-9][a-z0-9_.-]*$/.test(name)) fail(file, `service "${name}" needs a lowercase name to become an image name.`)
    const build: Json =
      typeof raw.build === 'string'
        ? { context: raw.build }
        : isObj(raw.build)
          ? raw.build
          : fail(file, `service "${name}" has a build: that is neither a path nor a map.`)
    const unsupported = Object.keys(build).filter(k => !SUPPORTED.includes(k))
    if (unsupported.length > 0) {
      fail(
        file,
        `service "${name}" uses build.${unsupported.join(', build.')}, which this action does not support: it honours ${SUPPORTED.join(', ')}; build that service with its own step.`
      )
    }
    const context = path.normalize(path.join(dir, text(file, `services.${name}.build.context`, build.context ?? '.')))
    const dockerfile = build.dockerfile === undefined ? 'Dockerfile' : text(file, `services.${name}.build.dockerfile`, build.dockerfile)
    services.push({
      name,
      context,
      file: path.normalize(path.join(context, dockerfile)),
      args: keyValues(file, `services.${name}.build.args`, build.args),
      target: build.target === undefined ? '' : text(file, `services.${name}.build.target`, build.target),
      labels: keyValues(file, `services.${name}.build.labels`, build.labels)
    })
  }
  if (services.length === 0) fail(file, 'no service has a "build:" section, so there is nothing to build.')
  return services
}

/**
 * docker/build-push-action's own inputs, same names, same syntax (its context.ts getInputs and the
 * toolkit's Util.getList): load, no-cache, pull, ssh, build-contexts, outputs, provenance, sbom,
 * attests, annotations, network, add-hosts, shm-size, ulimit, secret-envs, secret-files, call,
 * allow, cgroup-parent. Parsed and validated here; which engine takes which is engine/capabilities.ts.
 */
import { parse } from 'csv-parse/sync'
import { InputError, show } from '../../shared/errors.js'
import { checkSecretId } from './secret-values.js'

export interface SecretEnv {
  id: string
  /** The environment variable that holds the value (never the value). */
  env: string
}

export interface SecretFile {
  id: string
  path: string
}

/** build-push-action's inputs, parsed. No value here is a secret: secret inputs give names and paths. */
export interface BuildInputs {
  load: boolean
  noCache: boolean
  noCacheFilters: string[]
  pull: boolean
  ssh: string[]
  buildContexts: string[]
  outputs: string[]
  /** '' (build-push's default), 'true', 'false' or attributes (`mode=max`). */
  provenance: string
  /** '' (none), 'true', 'false' or attributes (`generator=...`). */
  sbom: string
  attests: string[]
  annotations: string[]
  network: string
  addHosts: string[]
  shmSize: string
  ulimits: string[]
  secretEnvs: SecretEnv[]
  secretFiles: SecretFile[]
  call: string
  allow: string[]
  cgroupParent: string
}

/**
 * The toolkit's Util.getList: the whole input is CSV (so a quoted value may hold commas and line
 * breaks); without `ignoreComma` every comma separates items, with it a line is one item.
 * `quote: false` (outputs) takes `"` literally.
 */
export function dockerList(input: string, raw: string, { ignoreComma = false, quote = true } = {}): string[] {
  if (raw.trim() === '') return []
  let records: string[][]
  try {
    records = parse(raw, { columns: false, relaxQuotes: true, relaxColumnCount: true, skipEmptyLines: true, quote: quote ? '"' : false })
  } catch (e) {
    throw new InputError(`Input "${input}" cannot be read as a list (${(e as Error).message.split('\n')[0]}): give one item per line.`)
  }
  const items: string[] = []
  for (const record of records) {
    if (record.length === 1) items.push(...(ignoreComma ? [record[0] as string] : (record[0] as string).split(',')))
    else if (!ignoreComma) items.push(...record)
    else items.push(record.join(','))
  }
  return items.filter(item => item).map(item => item.trim())
}

/** core.getBooleanInput, with '' as false. */
function bool(input: string, value: string): boolean {
  const v = value.trim()
  if (['true', 'True', 'TRUE'].includes(v)) return true
  if (['false', 'False', 'FALSE', ''].includes(v)) return false
  throw new InputError(`Input "${input}" is ${show(value)}: use true or false.`)
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const ANNOTATION =
  /^(?:(?:manifest|index|manifest-descriptor|index-descriptor)(?:\[[^\]]+\])?(?:,(?:manifest|index|manifest-descriptor|index-descriptor)(?:\[[^\]]+\])?)*:)?[^=:\s,][^=\s]*=/
const NO_SPACE = /^\S+$/

/** Each item must match `re`, else the one-line error says what to write. */
function each(input: string, items: string[], re: RegExp, write: string): string[] {
  for (const item of items) if (!re.test(item)) throw new InputError(`Input "${input}" has ${show(item)}: write ${write}.`)
  return items
}

function single(input: string, value: string, re: RegExp, write: string): string {
  const v = value.trim()
  if (v !== '' && !re.test(v)) throw new InputError(`Input "${input}" is ${show(value)}: write ${write}.`)
  return v
}

/** `provenance` / `sbom`: empty, a boolean, or `key=value` attributes. */
function attestInput(input: string, value: string): string {
  const v = value.trim()
  if (v === '') return ''
  if (/^(true|false)$/i.test(v)) return v.toLowerCase()
  return single(input, v, /^[A-Za-z-]+=[^,]*(,[A-Za-z-]+=[^,]*)*$/, 'true, false or attributes such as mode=max')
}

/** `id=value` lines of `input` with ids given once across every secret input. */
function secretPairs(input: string, items: string[], write: string, seen: Set<string>): [string, string][] {
  return items.map(item => {
    const eq = item.indexOf('=')
    const id = item.slice(0, eq).trim()
    const value = item.slice(eq + 1).trim()
    if (eq <= 0 || value === '') throw new InputError(`Input "${input}" has ${show(item)}: write ${write}, one per line.`)
    checkSecretId(input, id)
    if (seen.has(id))
      throw new InputError(
        `Input "${input}" gives the secret id "${id}" again: give each secret id once across secrets, secret-envs and secret-files.`
      )
    seen.add(id)
    return [id, value]
  })
}

/** Reads build-push-action's inputs; `secrets` are the ids the `secrets` input already gave. */
export function readBuildInputs(get: (name: string) => string, secrets: { id: string }[]): BuildInputs {
  const list = (name: string, opts?: { ignoreComma?: boolean; quote?: boolean }) => dockerList(name, get(name), opts)
  const seen = new Set(secrets.map(s => s.id))
  const secretEnvs = secretPairs('secret-envs', list('secret-envs'), 'id=ENV_NAME', seen).map(([id, env]) => {
    if (!ENV_NAME.test(env)) throw new InputError(`Input "secret-envs" has the variable name ${show(env)} for "${id}": write id=ENV_NAME.`)
    return { id, env }
  })
  const secretFiles = secretPairs('secret-files', list('secret-files', { ignoreComma: true }), 'id=path', seen).map(([id, path]) => ({
    id,
    path
  }))
  return {
    load: bool('load', get('load')),
    noCache: bool('no-cache', get('no-cache')),
    noCacheFilters: each('no-cache-filters', list('no-cache-filters'), /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'stage names (FROM ... AS name)'),
    pull: bool('pull', get('pull')),
    ssh: each('ssh', list('ssh'), /^[A-Za-z0-9_.-]+(=\S+)?$/, 'default or id=path of an agent socket or key'),
    buildContexts: each(
      'build-contexts',
      list('build-contexts', { ignoreComma: true }),
      /^[^=\s]+=\S+/,
      'name=path (or name=docker-image://ref)'
    ),
    outputs: each('outputs', list('outputs', { ignoreComma: true, quote: false }), NO_SPACE, 'type=local,dest=path or type=tar,dest=file'),
    provenance: attestInput('provenance', get('provenance')),
    sbom: attestInput('sbom', get('sbom')),
    attests: each(
      'attests',
      list('attests', { ignoreComma: true }),
      /(^|,)type=[a-z]+/,
      'type=sbom or type=provenance with its attributes'
    ),
    annotations: each(
      'annotations',
      list('annotations', { ignoreComma: true }),
      ANNOTATION,
      'key=value, optionally after a level (manifest:, index:, manifest-descriptor:, index-descriptor:)'
    ),
    network: single('network', get('network'), /^[A-Za-z0-9_.:/-]+$/, 'default, none or host'),
    addHosts: each('add-hosts', list('add-hosts'), /^[^\s:=]+[:=]\S+$/, 'host:ip, e.g. docker:10.180.0.1'),
    shmSize: single('shm-size', get('shm-size'), /^\d+(\.\d+)?([bkmgBKMG][bB]?)?$/, 'a size such as 2g or 512m'),
    ulimits: each('ulimit', list('ulimit', { ignoreComma: true }), /^[a-z]+=-?\d+(:-?\d+)?$/, 'name=soft[:hard], e.g. nofile=1024:1024'),
    secretEnvs,
    secretFiles,
    call: single('call', get('call'), /^[A-Za-z0-9_.,=-]+$/, 'build, check, outline or targets'),
    allow: each('allow', list('allow'), NO_SPACE, 'entitlements such as network.host or security.insecure'),
    cgroupParent: single('cgroup-parent', get('cgroup-parent'), NO_SPACE, 'a cgroup path')
  }
}

/** Exporters build-push treats as files (no image id then): `type=local`, `type=tar`, or a bare path. */
export function exporterTypes(outputs: string[]): string[] {
  return outputs.map(o => {
    const type = /(?:^|,)type=([^,]+)/.exec(o)?.[1]
    return type ?? 'local'
  })
}

/** The `--attest` values of build-push's getAttestArgs, and its default provenance (used where it applies). */
export interface Attestations {
  attests: string[]
  /** build-push's default provenance when neither provenance nor attests names one; '' when one does. */
  defaultProvenance: string
}

/** The toolkit's resolveAttestationAttrs: a boolean field becomes `disabled=<not it>`. */
function attestAttrs(attrs: string): string {
  return attrs
    .split(',')
    .map(a => (/^(1|t|T|true|TRUE|True)$/.test(a) ? 'disabled=false' : /^(0|f|F|false|FALSE|False)$/.test(a) ? 'disabled=true' : a))
    .join(',')
}

/** The toolkit's resolveProvenanceAttrs: a builder-id is added unless one is given. */
function withBuilderId(attrs: string, builderId: string): string {
  if (!builderId || /(^|,)builder-id=/.test(attrs)) return attrs
  return attrs ? `${attrs},builder-id=${builderId}` : `builder-id=${builderId}`
}

const hasType = (type: string, attest: string) => new RegExp(`(^|,)\\s*type=${type}\\s*(,|$)`).test(attest)

/**
 * build-push's getAttestArgs: `provenance` and `sbom` win over entries of their type in `attests`;
 * with neither, the default provenance is `mode=max` for a public repository and
 * `mode=min,inline-only=true` for a private one, with the workflow run as builder-id.
 */
export function resolveAttestations(b: BuildInputs, builderId: string, privateRepo: boolean): Attestations {
  const attests: string[] = []
  const provenance =
    b.provenance === 'true'
      ? withBuilderId('', builderId)
      : b.provenance === 'false'
        ? 'false'
        : b.provenance && withBuilderId(b.provenance, builderId)
  if (provenance) attests.push(attestAttrs(`type=provenance,${provenance}`))
  if (b.sbom) attests.push(attestAttrs(`type=sbom,${b.sbom}`))
  for (const a of b.attests) {
    if (hasType('provenance', a)) {
      if (!provenance) attests.push(withBuilderId(a, builderId))
    } else if (hasType('sbom', a)) {
      if (!b.sbom) attests.push(a)
    } else attests.push(attestAttrs(a))
  }
  const named = provenance !== '' || b.attests.some(a => hasType('provenance', a))
  const mode = privateRepo ? 'mode=min,inline-only=true' : 'mode=max'
  return { attests, defaultProvenance: named ? '' : `type=provenance,${withBuilderId(mode, builderId)}` }
}

/** Whether an `--attest` value turns its attestation off (what every engine can honour). */
export function isDisabled(attest: string): boolean {
  return /(^|,)disabled=true(,|$)/.test(attest)
}

const KEYS: (keyof BuildInputs)[] = [
  'load',
  'noCache',
  'noCacheFilters',
  'pull',
  'ssh',
  'buildContexts',
  'outputs',
  'provenance',
  'sbom',
  'attests',
  'annotations',
  'network',
  'addHosts',
  'shmSize',
  'ulimits',
  'secretEnvs',
  'secretFiles',
  'call',
  'allow',
  'cgroupParent'
]

/** Only the build-push inputs of a larger object (Settings), for the plan. */
export function buildInputsOf(s: BuildInputs): BuildInputs {
  return Object.fromEntries(KEYS.map(k => [k, s[k]])) as unknown as BuildInputs
}

/**
 * Where an input is parsed: every input of action.yml, read once, validated and turned into one
 * typed Settings. Nothing else reads INPUT_*.
 */
import * as path from 'node:path'
import { InputError, show } from '../../shared/errors.js'
import { type KeyValue, parseKeyValues, parseList } from './input-list.js'
import { normaliseRegistry } from './reference.js'
import { checkSecretId, parseSecretLines } from './secret-values.js'
import { type ExtraRegistry, parseRegistries } from './registries.js'
import { normalisePlatform } from './platform-alias.js'
import { type BuildInputs, readBuildInputs } from './build-inputs.js'
import { type PromoteMode, readPromote } from './promote-input.js'
import { readSetupImages, type SetupImages } from './setup-images.js'
import { readRole, type Role } from './distribution.js'
import { readTestInputs, type TestInputs } from './test-input.js'
import { readTagRules, splitRuleLines, type TagRules } from '../tag-rules/parse.js'
import {
  BUILDER_NAME,
  CACHE_MODES,
  type CacheMode,
  ENGINE_ADDRESS,
  ENGINES,
  type EngineChoice,
  LATEST_POLICIES,
  type LatestPolicy,
  parseDuration,
  PUSH_MODES,
  type PushMode
} from '../../shared/input-grammar.js'

export interface BuildSecret {
  id: string
  value: string
}

/** Every input of action.yml, parsed and validated (docker/build-push-action's own: build-inputs.ts). */
export interface Settings extends BuildInputs, SetupImages, TestInputs {
  registry: string
  username: string
  password: string
  image: string
  context: string
  file: string
  tags: string[]
  /** The `type=` lines of `tags` with `flavor`, as docker/metadata-action reads them; undefined when neither is given. */
  tagRules: TagRules | undefined
  push: PushMode
  latest: LatestPolicy
  buildArgs: KeyValue[]
  labels: KeyValue[]
  target: string
  secrets: BuildSecret[]
  platforms: string[]
  engine: EngineChoice
  dryRun: boolean
  /** allow-fork-push: push a fork's code on pull_request_target and workflow_run. */
  allowForkPush: boolean
  githubToken: string
  /** Further attempts of a login or push after a transient registry failure. */
  retries: number
  /** Base delay between attempts, in ms (doubled each time, with jitter). */
  retryDelayMs: number
  cache: CacheMode
  /** Whether `cache` was set by the user (not the default), to say so when it cannot apply. */
  cacheExplicit: boolean
  cacheFrom: string[]
  cacheTo: string[]
  /** buildx builder name (remote BuildKit, docker-container, kubernetes); '' for the current one. */
  builder: string
  /** A remote Docker engine (tcp://, ssh://, unix://); '' to inherit DOCKER_HOST. */
  dockerHost: string
  /** More registries that get every planned tag. */
  registries: ExtraRegistry[]
  /** A compose file whose build services are built and pushed; '' for the single image. */
  composeFile: string
  /** promote: auto reuses the default branch's image of this commit for a release; never builds. */
  promote: PromoteMode
  /** `distribute`/`merge`: the one-step build, one platform job of several, or their merge (distribution.ts). */
  role: Role
}

/** What reading the inputs has to tell the user without failing (normalised values). */
export interface SettingsResult {
  settings: Settings
  notices: string[]
}

export type InputReader = (name: string) => string

const ARCH = ['amd64', 'arm64', 'arm', '386', 'ppc64le', 's390x', 'riscv64', 'mips64le', 'loong64']
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  const v = value.trim().toLowerCase()
  if ((allowed as readonly string[]).includes(v)) return v as T
  throw new InputError(`Input "${name}" is ${show(value)}: use one of ${allowed.join(', ')}.`)
}

function bool(name: string, value: string): boolean {
  const v = value.trim().toLowerCase()
  if (['true', 'false', ''].includes(v)) return v === 'true'
  throw new InputError(`Input "${name}" is ${show(value)}: use true or false.`)
}

function count(name: string, value: string): number {
  const n = Number(value.trim())
  if (!/^\d+$/.test(value.trim()) || n > 20) throw new InputError(`Input "${name}" is ${show(value)}: use a whole number from 0 to 20.`)
  return n
}

function duration(name: string, value: string): number {
  const ms = parseDuration(value)
  if (Number.isNaN(ms) || ms > 600_000)
    throw new InputError(`Input "${name}" is ${show(value)}: use seconds like 2, 2s or 500ms (at most 600s).`)
  return ms
}

function name(input: string, value: string): string {
  const v = value.trim()
  if (v !== '' && !BUILDER_NAME.test(v))
    throw new InputError(`Input "${input}" is ${show(value)}: give a buildx builder name (see docker buildx ls).`)
  return v
}

function dockerHost(value: string): string {
  const v = value.trim()
  if (v !== '' && !ENGINE_ADDRESS.test(v)) {
    throw new InputError(
      `Input "docker-host" is ${show(value)}: give an engine address such as tcp://10.0.0.5:2376, ssh://user@host or unix:///var/run/docker.sock.`
    )
  }
  return v
}

function platform(value: string, notices: string[]): string {
  const normal = normalisePlatform(value)
  if (normal === undefined) {
    throw new InputError(
      `Input "platforms" has ${show(value)}: write os/arch[/variant], e.g. linux/amd64 or linux/arm64 (arch is one of ${ARCH.join(', ')}, or an alias such as x86_64, aarch64, i386, armhf).`
    )
  }
  if (normal !== value) notices.push(`Input "platforms" has "${value}": building for ${normal}, the name docker gives it.`)
  return normal
}

/** Reads and validates every input. `read` is `core.getInput` in the action, a map in tests. */
export function readSettings(read: InputReader): SettingsResult {
  const notices: string[] = []
  const get = (name: string): string => read(name) ?? ''

  const rawRegistry = get('registry').trim() || 'docker.io'
  const registry = normaliseRegistry(rawRegistry)
  if (registry !== rawRegistry.toLowerCase()) {
    notices.push(`Input "registry" is "${rawRegistry}": using the registry host "${registry}".`)
  }

  let password = get('password')
  if (password !== password.trim()) {
    password = password.trim()
    notices.push('Input "password" had leading or trailing white space (often a newline pasted into the secret): it was trimmed.')
  }
  const username = get('username').trim()
  if (username.includes(':')) {
    throw new InputError(
      `Input "username" is ${show(username)}: docker cannot log in with a ":" in the username; give the registry's user name without it.`
    )
  }
  // A username without a password is decided by the plan: build-only on a fork PR, else an error.
  if (username === '' && password !== '') {
    throw new InputError('Input "password" is set but "username" is empty: set username (e.g. ${{ vars.DOCKERHUB_USERNAME }}).')
  }

  const context = get('context').trim() || '.'
  const file = get('file').trim() || path.join(context, 'Dockerfile')

  const buildArgs = parseKeyValues(
    get('build-args'),
    line => new InputError(`Input "build-args" has the line ${show(line)} without "=": write NAME=value, one per line.`)
  )
  for (const { key } of buildArgs) {
    if (!ARG_NAME.test(key)) {
      throw new InputError(
        `Input "build-args" has the name ${show(key)}: a build argument name is letters, digits and _, not starting with a digit.`
      )
    }
  }
  const labels = parseKeyValues(
    get('labels'),
    line => new InputError(`Input "labels" has the line ${show(line)} without "=": write key=value, one per line.`)
  )
  const secrets = parseSecretLines(
    get('secrets'),
    line =>
      new InputError(
        `Input "secrets" has a line without "=" (${show(line.replace(/./g, '*'), 20)}): write id=value, one per line; put a multi-line value (a PEM key) in double quotes: id="...".`
      )
  ).map(({ key, value }) => ({ id: key, value }))
  const seen = new Set<string>()
  for (const { id } of secrets) {
    checkSecretId('secrets', id)
    if (seen.has(id)) throw new InputError(`Input "secrets" gives the id "${id}" twice: give each secret id once.`)
    seen.add(id)
  }

  const target = get('target').trim()
  if (target !== '' && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(target)) {
    throw new InputError(`Input "target" is ${show(target)}: name a build stage (FROM ... AS name).`)
  }

  const tagLines = splitRuleLines(get('tags'))
  const settings: Settings = {
    registry,
    username,
    password,
    image: get('image').trim(),
    context,
    file,
    tags: parseList(tagLines.rest, { commas: true }),
    tagRules: readTagRules(tagLines.rules, get('flavor')),
    push: oneOf('push', get('push') || 'auto', PUSH_MODES),
    latest: oneOf('latest', get('latest') || 'default-branch', LATEST_POLICIES),
    buildArgs,
    labels,
    target,
    secrets,
    platforms: parseList(get('platforms'), { commas: true }).map(p => platform(p, notices)),
    ...readBuildInputs(get, secrets),
    ...readSetupImages(get),
    engine: oneOf('engine', get('engine') || 'auto', ENGINES),
    dryRun: bool('dry-run', get('dry-run')),
    allowForkPush: bool('allow-fork-push', get('allow-fork-push')),
    githubToken: get('github-token'),
    retries: count('retries', get('retries') || '3'),
    retryDelayMs: duration('retry-delay', get('retry-delay') || '2s'),
    cache: oneOf('cache', get('cache') || 'auto', CACHE_MODES),
    cacheExplicit: (get('cache') || 'auto').trim().toLowerCase() !== 'auto',
    cacheFrom: parseList(get('cache-from'), { commas: false }),
    cacheTo: parseList(get('cache-to'), { commas: false }),
    builder: name('builder', get('builder')),
    dockerHost: dockerHost(get('docker-host')),
    registries: parseRegistries(get('registries')),
    composeFile: get('compose-file').trim(),
    promote: readPromote(get('promote')),
    role: 'single',
    ...readTestInputs(get)
  }
  settings.role = readRole(get, settings)
  return { settings, notices }
}

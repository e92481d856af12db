/**
 * Image names and references: registry hosts (and docker.io's aliases), `user/app`,
 * `host:port/path`, `name:tag`; a bad one is an InputError quoting the value.
 */
import { InputError, show } from '../../shared/errors.js'

/** Docker's tag grammar. */
export const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/
/** One path component of a repository name (distribution/reference). */
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/
const DOCKER_HUB_ALIASES = ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com', 'hub.docker.com']

export const DOCKER_HUB = 'docker.io'

/**
 * `https://ghcr.io/` -> `ghcr.io`, `index.docker.io` -> `docker.io`. Throws when nothing like a
 * host remains.
 */
export function normaliseRegistry(raw: string): string {
  const host = raw
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/+$/, '')
    .replace(/\/v[12]$/, '')
    .toLowerCase()
  if (!HOST.test(host)) {
    throw new InputError(`Input "registry" is ${show(raw)}: give a registry host such as docker.io, ghcr.io or localhost:5000.`)
  }
  return DOCKER_HUB_ALIASES.includes(host) ? DOCKER_HUB : host
}

/** Is the first path component a registry host, the way docker decides it? */
function isHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost'
}

/** Does this image name or reference start with a registry host (`ghcr.io/a`, `localhost:5000/a`)? */
export function hasRegistryHost(name: string): boolean {
  return name.includes('/') && isHost(name.split('/')[0] ?? '')
}

/** The registry a (normalised) image name or reference is pushed to: its host, else docker.io. */
export function registryHost(name: string): string {
  return hasRegistryHost(name) ? (name.split('/')[0] as string) : DOCKER_HUB
}

/** A pushed reference split into the registry, the repository path and the tag. */
export interface SplitReference {
  registry: string
  path: string
  tag: string
}

/** `host:5000/a/b:tag` or `user/app:tag` (Docker Hub) -> its parts; the plan's references are always name:tag. */
export function splitReference(ref: string): SplitReference {
  const colon = ref.lastIndexOf(':')
  const name = ref.slice(0, colon)
  const registry = registryHost(name)
  let path = hasRegistryHost(name) ? name.slice(registry.length + 1) : name
  if (registry === DOCKER_HUB && !path.includes('/')) path = `library/${path}`
  return { registry, path, tag: ref.slice(colon + 1) }
}

/** Why an e-mail login cannot name a Docker Hub image (its namespace is the Docker ID). */
export function emailNamespace(username: string): string {
  return `the Docker Hub namespace would be the username ${show(username)}, an e-mail address: set "image" (e.g. image: yourid/app) or log in with your Docker ID.`
}

export interface ImageName {
  /** Registry host: `docker.io`, `ghcr.io`, `localhost:5000`. */
  registry: string
  /** Repository path inside the registry: `user/app`. */
  path: string
}

/** The name users know: `user/app` on Docker Hub, `host/path` elsewhere. */
export function imageString(name: ImageName): string {
  return name.registry === DOCKER_HUB ? name.path : `${name.registry}/${name.path}`
}

export interface ParseOptions {
  /** The `registry` input: prefixed when the name has no host. */
  registry: string
  /** Namespace for a one-component name on Docker Hub (`app` -> `user/app`). */
  username: string
  /** Which input the value came from, for the error message. */
  input: string
}

/**
 * Parses `app`, `user/app` or `host[:port]/path/app` (no tag, no digest) into registry + path,
 * lowercasing the path. Throws an InputError naming the value otherwise.
 */
export function parseImageName(raw: string, opts: ParseOptions): ImageName {
  const value = raw.trim()
  const fail = (why: string): never => {
    throw new InputError(`Input "${opts.input}" is ${show(raw)}: ${why}`)
  }
  if (value === '') fail('give an image name such as user/app.')
  if (/\s/.test(value)) fail('an image name has no spaces; write it like user/app.')
  if (value.includes('@')) fail('give the image name without a digest (@sha256:...); tags are derived, or set them with the "tags" input.')
  const parts = value.split('/')
  let registry = opts.registry
  const first = parts[0] as string
  // `localhost:5000` or `localhost:5000/`: a registry host with no repository in it.
  const hostOnly = (parts.length === 1 && /^[^:]+:\d+$/.test(first)) || (parts.length > 1 && parts.slice(1).every(p => p === ''))
  if (hostOnly && isHost(first) && HOST.test(first)) {
    fail(`"${first}" is a registry host with no repository: add the repository path, e.g. ${first}/app.`)
  }
  if (parts.length > 1 && isHost(first)) {
    registry = normaliseRegistry(parts.shift() as string)
  }
  const last = parts[parts.length - 1] as string
  if (last.includes(':')) fail('give the image name without a tag; tags are derived, or set them with the "tags" input.')
  let pathParts = parts.map(p => p.toLowerCase())
  if (registry === DOCKER_HUB && pathParts.length === 1) {
    const ns = opts.username.toLowerCase()
    if (ns.includes('@')) fail(emailNamespace(opts.username))
    pathParts = ns ? [ns, ...pathParts] : ['library', ...pathParts]
  }
  for (const p of pathParts) {
    if (!COMPONENT.test(p)) {
      fail(`"${p}" is not a valid name part: use lowercase letters, digits and single separators (. _ -), e.g. user/my-app.`)
    }
  }
  const path = pathParts.join('/')
  if (registry.length + path.length + 1 > 255) fail('the name is longer than 255 characters.')
  return { registry, path }
}

export interface Reference extends ImageName {
  tag: string
}

export function referenceString(ref: Reference): string {
  return `${imageString(ref)}:${ref.tag}`
}

/** Parses a full reference `name:tag` given in the `tags` input. */
export function parseReference(raw: string, opts: ParseOptions): Reference {
  const value = raw.trim()
  const slash = value.lastIndexOf('/')
  const colon = value.indexOf(':', slash + 1)
  if (value.includes('@')) {
    throw new InputError(`Input "${opts.input}" has ${show(raw)}: a pushed reference cannot carry a digest; write name:tag.`)
  }
  if (colon < 0) {
    throw new InputError(`Input "${opts.input}" has ${show(raw)} without a tag: write name:tag, e.g. ${value}:latest.`)
  }
  const tag = value.slice(colon + 1)
  if (!TAG.test(tag)) {
    throw new InputError(
      `Input "${opts.input}" has ${show(raw)}: the tag ${show(tag)} must be 1 to 128 letters, digits, "_", "." or "-" (not starting with "." or "-").`
    )
  }
  return { ...parseImageName(value.slice(0, colon), opts), tag }
}

/** A reference-like entry of the `tags` input (has a name part), as opposed to a bare tag. */
export function looksLikeReference(entry: string): boolean {
  return entry.includes('/') || entry.includes(':') || entry.includes('@')
}

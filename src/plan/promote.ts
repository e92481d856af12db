/**
 * Release promotion, the pure half: the digest of the build inputs that decide an image (put in a
 * label on every build), what a release run looks for (the `sha-<7>` image of its commit), and the
 * decision to promote that image or to build, with the reason in one line.
 */
import { splitReference } from './inputs/reference.js'
import { createHash } from 'node:crypto'
import type { KeyValue } from './inputs/input-list.js'
import type { PromoteMode } from './inputs/promote-input.js'
import type { Trigger } from './tags.js'

/** The label holding the inputs digest of the build that made an image. */
export const INPUTS_LABEL = 'io.docker-ship.inputs'
export const REVISION_LABEL = 'org.opencontainers.image.revision'

/** What decides the image beyond the commit (the revision label covers the context's files). */
export interface DecidingInputs {
  /** The Dockerfile's text. */
  dockerfile: string
  buildArgs: KeyValue[]
  target: string
  platforms: string[]
  buildContexts: string[]
}

/** `sha256:<hex>` of the inputs, independent of the order of build args (last one wins) and platforms. */
export function inputsDigest(i: DecidingInputs): string {
  const args = new Map<string, string>()
  for (const { key, value } of i.buildArgs) args.set(key, value)
  const canonical = {
    dockerfile: i.dockerfile,
    buildArgs: [...args.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    target: i.target,
    platforms: [...new Set(i.platforms)].sort(),
    buildContexts: [...i.buildContexts].sort()
  }
  return `sha256:${createHash('sha256').update(JSON.stringify(canonical)).digest('hex')}`
}

/** What a release run looks for in each registry: the default branch's image of this commit. */
export interface Promotion {
  /** The tag the default-branch build pushed: `sha-<7 hex>`. */
  sourceTag: string
  /** The commit the image must have been built from (its revision label). */
  revision: string
  /** The inputs digest it must carry (its inputs label). */
  inputs: string
}

/** A promotion is tried on a git tag or a release that pushes, with `promote: auto`. */
export function promotionOf(mode: PromoteMode, trigger: Trigger, push: boolean, inputs: string): Promotion | undefined {
  if (mode !== 'auto' || !push || trigger.kind !== 'tag' || !/^[0-9a-f]{40}$/i.test(trigger.sha)) return undefined
  const sha = trigger.sha.toLowerCase()
  return { sourceTag: `sha-${sha.slice(0, 7)}`, revision: sha, inputs }
}

/** One image of the `sha-<7>` reference: each platform's labels (one entry for a single manifest). */
export interface FoundImage {
  /** `repo:sha-xxxxxxx@sha256:...`, for the log. */
  reference: string
  platforms: { platform: string; labels: Record<string, string> }[]
}

export type Decision = { promote: true; from: string } | { promote: false; reason: string }

/** Promote `found` when every platform was built from this commit with these inputs; else why not. */
export function decide(p: Promotion, repository: string, found: FoundImage | undefined): Decision {
  if (!found) return { promote: false, reason: `no image ${repository}:${p.sourceTag} in the registry` }
  if (found.platforms.length === 0) return { promote: false, reason: `${found.reference} holds no image manifest` }
  for (const { platform, labels } of found.platforms) {
    const of = found.platforms.length > 1 ? ` (${platform})` : ''
    const revision = labels[REVISION_LABEL]
    if (revision !== p.revision) {
      return {
        promote: false,
        reason: `${found.reference}${of} has revision label ${revision === undefined ? '(none)' : `"${revision}"`}, not this commit ${p.revision}`
      }
    }
    const inputs = labels[INPUTS_LABEL]
    if (inputs === undefined)
      return { promote: false, reason: `${found.reference}${of} has no ${INPUTS_LABEL} label (built without promotion)` }
    if (inputs !== p.inputs) {
      return {
        promote: false,
        reason: `the build inputs (Dockerfile, build args, target, platforms, build contexts) changed since ${found.reference}${of}`
      }
    }
  }
  return { promote: true, from: found.reference }
}

/** Several registries: promoted only when every one holds a matching image, else all are built. */
export function decideAll(decisions: Decision[]): Decision {
  const no = decisions.find((d): d is { promote: false; reason: string } => !d.promote)
  if (!no) return decisions[0] ?? { promote: false, reason: 'no reference to promote' }
  return decisions.length > 1 ? { promote: false, reason: `${no.reason}; building for every registry` } : no
}

/** The plan's references grouped by repository (registry + path), in their order. */
export function repositoriesOf(references: string[]): { registry: string; path: string; tags: string[] }[] {
  const repos = new Map<string, { registry: string; path: string; tags: string[] }>()
  for (const ref of references) {
    const { registry, path, tag } = splitReference(ref)
    const key = `${registry}/${path}`
    const repo = repos.get(key) ?? { registry, path, tags: [] }
    if (!repo.tags.includes(tag)) repo.tags.push(tag)
    repos.set(key, repo)
  }
  return [...repos.values()]
}

import { InputError, show } from './errors.js'
import type { GitHubContext } from './github-context.js'
import type { KeyValue } from './input-list.js'
import { deriveLabels } from './labels.js'
import {
  DOCKER_HUB,
  type ImageName,
  imageString,
  looksLikeReference,
  parseImageName,
  parseReference,
  type Reference,
  referenceString,
  TAG
} from './reference.js'
import type { Settings } from './settings.js'
import { deriveTags, triggerOf } from './tags.js'

export interface Login {
  registry: string
  username: string
  /** Which input holds the password: the plan itself never holds a secret. */
  passwordFrom: 'password' | 'github-token'
}

export interface BuildSpec {
  context: string
  file: string
  target: string
  buildArgs: KeyValue[]
  platforms: string[]
  /** Ids only: the values stay in Settings and reach the engine through files. */
  secretIds: string[]
}

/** Everything the action will do, as data. Holds no secret. */
export interface Plan {
  image: string
  references: string[]
  version: string
  labels: Record<string, string>
  push: boolean
  /** Why the plan pushes or not, for the log. */
  pushReason: string
  logins: Login[]
  build: BuildSpec
  notices: string[]
}

/** Facts gathered by side effects before planning. */
export interface PlanFacts {
  /** git tags of the checkout, for the `semver` latest policy. */
  knownVersions: string[]
  /** Registries the runner's docker config already holds credentials for (an earlier login step). */
  loggedIn: string[]
  now: Date
}

const NO_PUSH_EVENTS = ['pull_request', 'pull_request_target', 'pull_request_review', 'pull_request_review_comment', 'merge_group']

/** Registries that accept anonymous pushes in practice: the loopback ones used for tests and CI services. */
function isLocal(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '')
  return host === 'localhost' || /^127\./.test(host) || host === '[::1]'
}

function defaultImage(s: Settings, ctx: GitHubContext): string {
  const [owner = '', repo = ''] = ctx.repository.split('/')
  if (s.registry === DOCKER_HUB) {
    if (s.username === '') {
      throw new InputError(
        'Input "image" is empty and so is "username": set image (e.g. image: user/app) or username, whose namespace is used on docker.io.'
      )
    }
    return `${s.username}/${repo}`
  }
  return `${s.registry}/${owner}/${repo}`
}

function credentials(s: Settings, ctx: GitHubContext, registry: string, notices: string[]): Login & { password: string } {
  if (registry === 'ghcr.io' && s.username === '' && s.password === '' && s.githubToken !== '') {
    notices.push(
      `Logging in to ghcr.io as ${ctx.actor || 'the workflow'} with the "github-token" input (the job needs "permissions: packages: write" to push).`
    )
    return { registry, username: ctx.actor || 'github-actions', password: s.githubToken, passwordFrom: 'github-token' }
  }
  return { registry, username: s.username, password: s.password, passwordFrom: 'password' }
}

export function makePlan(s: Settings, ctx: GitHubContext, facts: PlanFacts): Plan {
  const notices: string[] = []
  const bare: string[] = []
  const explicit: Reference[] = []
  for (const entry of s.tags) {
    if (looksLikeReference(entry)) {
      explicit.push(parseReference(entry, { registry: s.registry, username: s.username, input: 'tags' }))
    } else if (TAG.test(entry)) {
      bare.push(entry)
    } else {
      throw new InputError(
        `Input "tags" has ${show(entry)}: a tag is 1 to 128 letters, digits, "_", "." or "-" (not starting with "." or "-"); write a full reference as name:tag.`
      )
    }
  }

  let image: ImageName
  if (s.image === '' && explicit.length > 0) {
    image = explicit[0] as Reference
  } else {
    image = parseImageName(s.image || defaultImage(s, ctx), { registry: s.registry, username: s.username, input: 'image' })
  }

  const trigger = triggerOf(ctx)
  const derived = deriveTags(trigger, s.latest, facts.knownVersions)
  // Explicit references mean "exactly these", as with docker/build-push-action: derived tags
  // are only added when the user named no full reference.
  const tagNames = explicit.length > 0 ? bare : [...derived.tags, ...bare]
  const refs = [...explicit.map(referenceString), ...tagNames.map(tag => referenceString({ ...image, tag }))]
  const references = [...new Set(refs)]

  const { password, ...login } = credentials(s, ctx, image.registry, notices)
  const username = login.username
  let push: boolean
  let pushReason: string
  if (s.push === 'auto') {
    push = !NO_PUSH_EVENTS.includes(ctx.eventName)
    pushReason = push
      ? `push: auto pushes on "${ctx.eventName || 'unknown'}" events`
      : `push: auto does not push on "${ctx.eventName}" events`
  } else {
    push = s.push === 'true'
    pushReason = `push: ${s.push}`
  }
  const fromFork = trigger.kind === 'pull_request' && ctx.pullRequest?.fromFork === true
  if (push && password === '') {
    const registries = [...new Set([image.registry, ...explicit.map(r => r.registry)])]
    if (fromFork) {
      push = false
      pushReason = 'pull request from a fork: the password secret is not given to forks, so the image is built and not pushed'
      notices.push('This pull request comes from a fork, where secrets are empty: building without login or push.')
    } else if (username !== '') {
      throw new InputError(
        `Input "password" is empty while "username" is "${username}": pushing to ${image.registry} needs the password or token (e.g. password: \${{ secrets.DOCKERHUB_TOKEN }}); check the secret's name, and note secrets are not given to workflows from forks.`
      )
    } else {
      const missing = registries.filter(r => !isLocal(r) && !facts.loggedIn.includes(r))
      if (missing.length > 0) {
        throw new InputError(
          `Inputs "username" and "password" are empty: pushing to ${missing.join(', ')} needs a login; set username and password (e.g. \${{ vars.DOCKERHUB_USERNAME }} and \${{ secrets.DOCKERHUB_TOKEN }}), or push: false to only build.`
        )
      }
    }
  }

  return {
    image: imageString(image),
    references,
    version: derived.version,
    labels: deriveLabels(ctx, derived.version, s.labels, facts.now),
    push,
    pushReason,
    logins: password !== '' ? [login] : [],
    build: {
      context: s.context,
      file: s.file,
      target: s.target,
      buildArgs: s.buildArgs,
      platforms: s.platforms,
      secretIds: s.secrets.map(x => x.id)
    },
    notices
  }
}

/**
 * The plan: settings + GitHub context + facts -> image, references, labels, logins, the push
 * decision and the build. Pure data, holding no secret; the dry run prints it.
 */
import { imageReason } from './image-reason.js'
import { InputError, show } from '../shared/errors.js'
import type { GitHubContext } from './inputs/github-context.js'
import type { KeyValue } from './inputs/input-list.js'
import { deriveLabels } from './labels.js'
import {
  DOCKER_HUB,
  type ImageName,
  imageString,
  looksLikeReference,
  emailNamespace,
  parseImageName,
  parseReference,
  type Reference,
  referenceString,
  TAG
} from './inputs/reference.js'
import type { Settings } from './inputs/settings.js'
import { type Attestations, type BuildInputs, buildInputsOf, resolveAttestations } from './inputs/build-inputs.js'
import { evaluateTagRules } from './tag-rules/evaluate.js'
import { deriveTags, ruleContextOf, triggerOf } from './tags.js'
import type { Promotion } from './promote.js'

export interface Login {
  registry: string
  username: string
  /** Which input holds the password: the plan itself never holds a secret. */
  passwordFrom: 'password' | 'github-token' | 'registries'
  /** With `registries`: the entry's index. */
  entry?: number
}

export interface BuildSpec {
  context: string
  file: string
  target: string
  buildArgs: KeyValue[]
  platforms: string[]
  /** Ids only: the values stay in Settings and reach the engine through files. */
  secretIds: string[]
  /** build-push-action's inputs (no secret: secret-envs and secret-files give names and paths). */
  inputs: BuildInputs
  /** The `--attest` values those inputs resolve to, and build-push's default provenance. */
  attestations: Attestations
}

/** Everything the action will do, as data. Holds no secret. */
export interface Plan {
  image: string
  /** Why the image is named so (image-reason.ts), for a refused push to say. */
  imageReason: string
  references: string[]
  version: string
  labels: Record<string, string>
  push: boolean
  /** Why the plan pushes or not, for the log. */
  pushReason: string
  logins: Login[]
  build: BuildSpec
  notices: string[]
  /** A release that may be promoted from the default branch's image of its commit (targets.ts). */
  promotion?: Promotion
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
    if (s.username.includes('@')) throw new InputError(`Input "image" is empty and ${emailNamespace(s.username)}`)
    return `${s.username}/${repo}`
  }
  return `${s.registry}/${owner}/${repo}`
}

interface Credentials {
  username: string
  password: string
}

function credentials(
  given: Credentials,
  from: Login['passwordFrom'],
  s: Settings,
  ctx: GitHubContext,
  registry: string,
  notices: string[]
): Login & Credentials {
  if (registry === 'ghcr.io' && given.username === '' && given.password === '' && s.githubToken !== '') {
    notices.push(
      `Logging in to ghcr.io as ${ctx.actor || 'the workflow'} with the "github-token" input (the job needs "permissions: packages: write" to push).`
    )
    return { registry, username: ctx.actor || 'github-actions', password: s.githubToken, passwordFrom: 'github-token' }
  }
  return { registry, ...given, passwordFrom: from }
}

/** Can this run push to `registry` without a password (loopback registry, earlier login step)? */
function missingLogin(registry: string, facts: PlanFacts): boolean {
  return !isLocal(registry) && !facts.loggedIn.includes(registry)
}

/** The workflow run, as build-push names it in a provenance attestation (builder-id). */
function builderId(ctx: GitHubContext): string {
  if (!ctx.runId || !ctx.repository) return ''
  return `${ctx.serverUrl}/${ctx.repository}/actions/runs/${ctx.runId}${ctx.runAttempt ? `/attempts/${ctx.runAttempt}` : ''}`
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
  let derived = deriveTags(trigger, s.latest, facts.knownVersions)
  if (s.tagRules) {
    // type= rules decide the whole derived set, as docker/metadata-action would on this run.
    const ruled = evaluateTagRules(s.tagRules, ruleContextOf(ctx, facts.now))
    notices.push(...ruled.notices)
    derived = { tags: ruled.tags, version: ruled.version ?? '' }
    if (explicit.length > 0) notices.push('Input "tags" names full references, which mean exactly these: its type= rules are not used.')
  }
  // Explicit references mean "exactly these", as with docker/build-push-action: derived tags
  // are only added when the user named no full reference.
  const tagNames = explicit.length > 0 ? bare : [...derived.tags, ...bare]
  const refs = [...explicit.map(referenceString), ...tagNames.map(tag => referenceString({ ...image, tag }))]
  const references = [...new Set(refs)]

  // Every registry the plan pushes to, with the credentials for it: the main one, then `registries`.
  const targets = [
    { image, login: credentials({ username: s.username, password: s.password }, 'password', s, ctx, image.registry, notices) },
    ...s.registries.map((r, entry) => ({
      image: parseImageName(r.image || image.path, { registry: r.registry, username: r.username, input: 'registries' }),
      login: {
        ...credentials({ username: r.username, password: r.password }, 'registries', s, ctx, r.registry, notices),
        ...(r.password ? { entry } : {})
      }
    }))
  ]
  // Every planned tag goes to every registry of `registries`.
  const mainTags = [...explicit.filter(r => imageString(r) === imageString(image)).map(r => r.tag), ...tagNames]
  for (const t of targets.slice(1)) for (const tag of mainTags) references.push(referenceString({ ...t.image, tag }))

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
  if (push && references.length === 0) {
    push = false
    pushReason = 'no tag: the type= rules of "tags" give none on this run, so the image is built and not pushed'
    notices.push('The type= rules of "tags" give no tag on this run: building without pushing.')
  }
  const fromFork = trigger.kind === 'pull_request' && ctx.pullRequest?.fromFork === true
  // These two events run with the base repository's secrets, whoever wrote the code.
  const forkWithSecrets = ctx.eventName === 'workflow_run' ? ctx.runFromFork : ctx.eventName === 'pull_request_target' && fromFork
  if (push && forkWithSecrets && !s.allowForkPush) {
    throw new InputError(
      `Refusing to push a fork's code on "${ctx.eventName}": this event runs with your secrets, so anyone who opens a pull request could publish an image (even "latest") to ${image.registry}. Build it without pushing (push: false), or set allow-fork-push: true if you really mean to publish it.`
    )
  }
  const noPassword = targets.filter(t => t.login.password === '')
  if (push && noPassword.length > 0) {
    if (fromFork) {
      push = false
      pushReason = 'pull request from a fork: the password secret is not given to forks, so the image is built and not pushed'
      notices.push('This pull request comes from a fork, where secrets are empty: building without login or push.')
    } else {
      for (const { login } of noPassword) {
        const what =
          login.passwordFrom === 'registries' ? `"registries" entry for ${login.registry} has no password` : '"password" is empty'
        if (login.username !== '') {
          throw new InputError(
            `Input ${what} while "username" is "${login.username}": pushing to ${login.registry} needs the password or token (e.g. password: \${{ secrets.DOCKERHUB_TOKEN }}); check the secret's name, and note secrets are not given to workflows from forks.`
          )
        }
      }
      const registries = [
        ...new Set([...noPassword.map(t => t.login.registry), ...explicit.filter(r => r.registry !== image.registry).map(r => r.registry)])
      ]
      const missing = registries.filter(r => missingLogin(r, facts))
      if (missing.length > 0) {
        throw new InputError(
          `Inputs "username" and "password" are empty: pushing to ${missing.join(', ')} needs a login; set username and password (e.g. \${{ vars.DOCKERHUB_USERNAME }} and \${{ secrets.DOCKERHUB_TOKEN }}), or push: false to only build.`
        )
      }
    }
  }
  const logins = targets.filter(t => t.login.password !== '').map(({ login: { password: _password, ...login } }) => login)

  return {
    image: imageString(image),
    imageReason: imageReason(s, ctx, s.image === '' && explicit.length > 0),
    references: [...new Set(references)],
    version: derived.version,
    labels: deriveLabels(ctx, derived.version, s.labels, facts.now),
    push,
    pushReason,
    logins: [...new Map(logins.map(l => [l.registry, l])).values()],
    build: {
      context: s.context,
      file: s.file,
      target: s.target,
      buildArgs: s.buildArgs,
      platforms: s.platforms,
      secretIds: s.secrets.map(x => x.id),
      inputs: buildInputsOf(s),
      attestations: resolveAttestations(s, builderId(ctx), ctx.privateRepo === true)
    },
    notices
  }
}

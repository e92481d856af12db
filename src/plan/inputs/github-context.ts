/**
 * The GitHub context the plan reads: the GITHUB_* variables and the event payload (the one file
 * this side reads, named by the environment it is handed).
 */
import { readFileSync } from 'node:fs'
import type { context } from '@actions/github'
import { InputError } from '../../shared/errors.js'

/**
 * @actions/github's Context, as a type only: its fields are read here as its constructor reads
 * them, but from the environment this module is handed. Importing the package itself would put
 * Octokit into the main bundle, and build a context from process.env as a side effect of the
 * import (the API client is a bundle of its own: lazy/github.ts).
 */
type ActionsContext = typeof context
/** The event payload as @actions/github types it (its WebhookPayload). */
type Payload = ActionsContext['payload']

/**
 * What the plan needs to know about where the workflow runs, read from GITHUB_* and the payload.
 * eventName, ref (`refs/heads/main`, `refs/tags/v1.2.3`, `refs/pull/12/merge`), sha, actor and
 * serverUrl are @actions/github's fields of the same names.
 */
export interface GitHubContext extends Pick<ActionsContext, 'eventName' | 'ref' | 'sha' | 'actor' | 'serverUrl'> {
  /** `owner/repo` as GitHub spells it (capitals kept). */
  repository: string
  /** The repository's default branch, from the payload; undefined when the payload lacks it. */
  defaultBranch?: string
  pullRequest?: { number: number; fromFork: boolean; headSha?: string; baseRef?: string }
  /** workflow_run: the triggering run built a fork's code (its head_repository is another repository). */
  runFromFork?: boolean
  /** A push's `base_ref` (`refs/heads/main`), which GitHub sets on some tag pushes: `{{base_ref}}` of tag rules. */
  baseRef?: string
  /** `release` events: the release's tag. */
  releaseTag?: string
  /** ISO time of the built commit when the payload has it (push: head_commit.timestamp). */
  commitTime?: string
  repoDescription?: string
  repoUrl?: string
  license?: string
  /** GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT: the run a provenance attestation names as its builder. */
  runId?: string
  runAttempt?: string
  /** The payload's repository.private (the default provenance is smaller for a private one). */
  privateRepo?: boolean
  /** A branch build whose default branch is unknown (no usable payload): the warning to give. */
  payloadWarning?: string
}

type Env = Record<string, string | undefined>
type Json = Record<string, unknown>

const obj = (v: unknown): Json => (v !== null && typeof v === 'object' ? (v as Json) : {})
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)

/** What a payload is, when it is not an object: `an array`, `null`, `a number`. */
function kindOf(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  return `a ${typeof v}`
}

/** Why the default branch is unknown (the payload's repository.default_branch), or undefined. */
function payloadProblem(env: Env, json: unknown): string | undefined {
  const file = env.GITHUB_EVENT_PATH
  if (!file) return 'GITHUB_EVENT_PATH is not set, so there is no event payload'
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    return `GITHUB_EVENT_PATH is "${file}", whose JSON is ${kindOf(json)}, not an event payload object`
  if (str(obj(obj(json).repository).default_branch) === undefined)
    return `GITHUB_EVENT_PATH is "${file}", whose payload has no repository.default_branch`
  return undefined
}

/** The warning for a branch build whose default branch the payload does not give. */
function defaultBranchWarning(problem: string, ref: string): string {
  return `${problem}: the default branch is unknown, so "latest" and the other default-branch tags ({{is_default_branch}}, type=edge) are not derived for ${ref}. Run the action in a GitHub workflow (the runner writes the payload), or name those tags in the "tags" input (e.g. type=raw,value=latest).`
}

/** Reads the event payload as JSON; a path that is set but unreadable or not JSON is the user's problem. */
function readJson(env: Env): unknown {
  const file = env.GITHUB_EVENT_PATH
  if (!file) return undefined
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    throw new InputError(
      `GITHUB_EVENT_PATH is "${file}", which cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}): run the action inside a GitHub workflow, or point GITHUB_EVENT_PATH at an event payload JSON file.`
    )
  }
  try {
    return JSON.parse(text) as unknown
  } catch (e) {
    throw new InputError(
      `GITHUB_EVENT_PATH is "${file}", which is not JSON (${(e as Error).message}): give the event payload file the runner wrote.`
    )
  }
}

/** The fields of @actions/github's Context the plan uses, read from `env` as its constructor reads them. */
function actionsContext(env: Env, json: unknown): Pick<ActionsContext, 'payload' | 'eventName' | 'ref' | 'sha' | 'actor' | 'serverUrl'> {
  return {
    payload: obj(json) as Payload,
    eventName: env.GITHUB_EVENT_NAME ?? '',
    ref: env.GITHUB_REF ?? '',
    sha: env.GITHUB_SHA ?? '',
    actor: env.GITHUB_ACTOR ?? '',
    serverUrl: env.GITHUB_SERVER_URL ?? 'https://github.com'
  }
}

export function readGitHubContext(env: Env): GitHubContext {
  const json = readJson(env)
  const { payload, eventName, ref, sha, actor, serverUrl } = actionsContext(env, json)
  // The payload is whatever JSON the file holds: each field is checked before it is used.
  const repo = obj(payload.repository)
  const pr = obj(payload.pull_request)
  const repository = env.GITHUB_REPOSITORY ?? str(repo.full_name) ?? ''
  const ctx: GitHubContext = {
    eventName,
    ref,
    sha,
    repository,
    actor,
    serverUrl,
    defaultBranch: str(repo.default_branch),
    repoDescription: str(repo.description),
    repoUrl: str(repo.html_url),
    license: str(obj(repo.license).spdx_id),
    runId: str(env.GITHUB_RUN_ID),
    runAttempt: str(env.GITHUB_RUN_ATTEMPT),
    privateRepo: repo.private === true
  }
  if (typeof pr.number === 'number' || typeof payload.number === 'number') {
    const headRepo = obj(obj(pr.head).repo)
    const baseRepo = obj(obj(pr.base).repo)
    const headName = str(headRepo.full_name)
    const baseName = str(baseRepo.full_name) ?? repository
    ctx.pullRequest = {
      number: (typeof pr.number === 'number' ? pr.number : payload.number) as number,
      // A deleted fork has head.repo null; compare names, since head.repo.fork is also true for a
      // PR inside a repository that is itself a fork.
      fromFork: headName === undefined ? Object.keys(pr).length > 0 : headName.toLowerCase() !== baseName.toLowerCase(),
      headSha: str(obj(pr.head).sha),
      baseRef: str(obj(pr.base).ref)
    }
  }
  const headRepo = str(obj(obj(payload.workflow_run).head_repository).full_name)
  if (headRepo) ctx.runFromFork = headRepo.toLowerCase() !== repository.toLowerCase()
  if (str(payload.base_ref)) ctx.baseRef = str(payload.base_ref)
  const release = obj(payload.release)
  if (str(release.tag_name)) ctx.releaseTag = str(release.tag_name)
  const commitTime = str(obj(payload.head_commit).timestamp)
  if (commitTime && !Number.isNaN(Date.parse(commitTime))) ctx.commitTime = new Date(commitTime).toISOString()
  const problem = ref.startsWith('refs/heads/') ? payloadProblem(env, json) : undefined
  if (problem) ctx.payloadWarning = defaultBranchWarning(problem, ref)
  return ctx
}

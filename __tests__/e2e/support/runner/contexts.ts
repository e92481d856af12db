// The `github` and `runner` contexts of a job as GitHub derives them from the triggering event
// (ref, sha, actor, repository of the payload) and the runner machine (its temp and tool dirs),
// with fake but stable ids, and the names `${{ }}` in an input default can use.
import { randomBytes } from 'node:crypto'
import * as path from 'node:path'
import { DEFAULT_ACTOR, DEFAULT_MERGE_SHA, DEFAULT_REPOSITORY, DEFAULT_SHA, fakeId } from '../payloads/common.js'
import { defaultPayload } from '../payloads/events.js'
import type { RunOptions } from './options.js'

/** The event of a job and what GitHub derives from it. */
export interface JobEvent {
  eventName: string
  /** What GITHUB_EVENT_PATH holds. */
  payload: object
  /** owner/name, with its two parts. */
  repository: string
  owner: string
  repoName: string
  ref: string
  sha: string
  actor: string
  isPr: boolean
}

function payloadField(payload: unknown, ...keys: string[]): unknown {
  let cur: unknown = payload
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string, unknown>)[k]
  }
  return cur
}

function refName(ref: string): string {
  const m = /^refs\/(?:heads|tags)\/(.+)$/.exec(ref) ?? /^refs\/pull\/(.+)$/.exec(ref)
  return m?.[1] ?? ref
}

/** A GITHUB_TOKEN of the installation-token shape. */
export function fakeToken(): string {
  return `ghs_${randomBytes(27).toString('base64url').slice(0, 36)}`
}

/** The event of the run (given, or the default payload of `eventName`) and its ref, sha, actor. */
export function jobEvent(opts: RunOptions): JobEvent {
  const eventName = opts.eventName ?? 'push'
  const repository = opts.repository ?? (payloadField(opts.payload, 'repository', 'full_name') as string | undefined) ?? DEFAULT_REPOSITORY
  const [owner, repoName] = repository.split('/') as [string, string]
  const payload: object = opts.payload ?? defaultPayload(eventName, { repository, ref: opts.ref, sha: opts.sha, actor: opts.actor })

  // ref / sha as GitHub derives them from the event
  const prNumber = payloadField(payload, 'number') ?? payloadField(payload, 'pull_request', 'number')
  const defaultBranch = (payloadField(payload, 'repository', 'default_branch') as string | undefined) ?? 'main'
  const isPr = eventName === 'pull_request' || eventName === 'pull_request_target'
  let ref = opts.ref
  if (ref === undefined) {
    if (eventName === 'push') ref = (payloadField(payload, 'ref') as string | undefined) ?? `refs/heads/${defaultBranch}`
    else if (eventName === 'pull_request') ref = `refs/pull/${String(prNumber ?? 1)}/merge`
    else if (eventName === 'pull_request_target')
      ref = `refs/heads/${(payloadField(payload, 'pull_request', 'base', 'ref') as string | undefined) ?? defaultBranch}`
    else if (eventName === 'release') ref = `refs/tags/${(payloadField(payload, 'release', 'tag_name') as string | undefined) ?? 'v0.0.0'}`
    else if (eventName === 'workflow_dispatch') ref = (payloadField(payload, 'ref') as string | undefined) ?? `refs/heads/${defaultBranch}`
    else ref = `refs/heads/${defaultBranch}`
  }
  let sha = opts.sha
  if (sha === undefined) {
    const after = payloadField(payload, 'after')
    if (eventName === 'push' && typeof after === 'string' && !/^0+$/.test(after)) sha = after
    else if (eventName === 'pull_request') sha = DEFAULT_MERGE_SHA
    else if (eventName === 'pull_request_target')
      sha = (payloadField(payload, 'pull_request', 'base', 'sha') as string | undefined) ?? DEFAULT_SHA
    else sha = DEFAULT_SHA
  }
  const actor = opts.actor ?? (payloadField(payload, 'sender', 'login') as string | undefined) ?? DEFAULT_ACTOR
  return { eventName, payload, repository, owner, repoName, ref, sha, actor, isPr }
}

/** The github context (GITHUB_* of the step, without the file-command files); `overrides` last. */
export function githubContext(
  ev: JobEvent,
  where: { workspace: string; eventPath: string | null },
  overrides: Record<string, string> = {}
): Record<string, string> {
  const { eventName, payload, repository, owner, ref, sha, actor, isPr } = ev
  const runId = String(fakeId(`${repository}:${sha}:${Date.now()}`) * 10 + 1)
  return {
    action: '__self',
    actor,
    actor_id: String(fakeId(actor)),
    // The GitHub API is never reached from here: a port on this machine that refuses, like ACTIONS_RUNTIME_URL.
    api_url: 'http://127.0.0.1:9/fake-github-api',
    base_ref: isPr ? String(payloadField(payload, 'pull_request', 'base', 'ref') ?? '') : '',
    event_name: eventName,
    graphql_url: 'https://api.github.com/graphql',
    head_ref: isPr ? String(payloadField(payload, 'pull_request', 'head', 'ref') ?? '') : '',
    job: 'build',
    ref,
    ref_name: refName(ref),
    ref_protected: 'false',
    ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    repository,
    repository_id: String(fakeId(repository)),
    repository_owner: owner,
    repository_owner_id: String(fakeId(owner)),
    retention_days: '90',
    run_attempt: '1',
    run_id: runId,
    run_number: '42',
    server_url: 'https://github.com',
    sha,
    triggering_actor: actor,
    workflow: 'CI',
    workflow_ref: `${repository}/.github/workflows/ci.yml@${ref}`,
    workflow_sha: sha,
    workspace: where.workspace,
    ...(where.eventPath !== null ? { event_path: where.eventPath } : {}),
    ...overrides
  }
}

/** The runner context (RUNNER_* of the step) of a Linux x64 hosted runner. */
export function runnerContext(dirs: { runnerTemp: string; toolCache: string; workspace: string }, debug: boolean): Record<string, string> {
  return {
    arch: 'X64',
    environment: 'github-hosted',
    name: 'GitHub Actions 2',
    os: 'Linux',
    temp: dirs.runnerTemp,
    tool_cache: dirs.toolCache,
    workspace: path.dirname(dirs.workspace),
    ...(debug ? { debug: '1' } : {})
  }
}

/** What `${{ name }}` in an input default can name: github.*, runner.*, the token. */
export function expressionContexts(github: Record<string, string>, runner: Record<string, string>, token: string): Record<string, string> {
  const contexts: Record<string, string> = { 'github.token': token, 'secrets.github_token': token }
  for (const [k, v] of Object.entries(github)) contexts[`github.${k}`] = v
  for (const [k, v] of Object.entries(runner)) contexts[`runner.${k}`] = v
  return contexts
}

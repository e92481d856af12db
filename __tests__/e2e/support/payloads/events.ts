// The payload of each event the tests trigger (push, pull_request, release, schedule,
// workflow_dispatch, workflow_run), as GitHub writes it to GITHUB_EVENT_PATH, and the default payload of an event.
import {
  DEFAULT_ACTOR,
  DEFAULT_BEFORE_SHA,
  DEFAULT_PR_HEAD_SHA,
  DEFAULT_REPOSITORY,
  DEFAULT_SHA,
  fakeId,
  repositoryObject,
  splitRepository,
  userObject,
  withOrg,
  type Json,
  type RepositoryOptions
} from './common.js'

export interface PushOptions extends RepositoryOptions {
  /** Full ref, default 'refs/heads/main'. A tag push is 'refs/tags/v1.2.3'. */
  ref?: string
  sha?: string
  before?: string
  message?: string
  /** ISO-8601 with offset, as GitHub writes it, default '2025-06-01T14:00:00+02:00'. */
  timestamp?: string
  /** For a tag push GitHub sets base_ref to the branch whose head the tag points at (or null). */
  baseRef?: string | null
  created?: boolean
  deleted?: boolean
  forced?: boolean
}

export function pushPayload(o: PushOptions = {}): Json {
  const full = o.repository ?? DEFAULT_REPOSITORY
  const ref = o.ref ?? 'refs/heads/main'
  const sha = o.sha ?? DEFAULT_SHA
  const before = o.before ?? DEFAULT_BEFORE_SHA
  const actor = o.actor ?? DEFAULT_ACTOR
  const deleted = o.deleted ?? false
  const commit: Json = {
    id: sha,
    tree_id: '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
    distinct: true,
    message: o.message ?? 'Update Dockerfile',
    timestamp: o.timestamp ?? '2025-06-01T14:00:00+02:00',
    url: `https://github.com/${full}/commit/${sha}`,
    author: { name: 'Mona Octocat', email: 'mona@example.com', username: actor },
    committer: { name: 'GitHub', email: 'noreply@github.com', username: 'web-flow' },
    added: [],
    removed: [],
    modified: ['Dockerfile']
  }
  return withOrg(
    {
      ref,
      before,
      after: deleted ? '0000000000000000000000000000000000000000' : sha,
      repository: repositoryObject(o, 'push'),
      pusher: { name: actor, email: 'mona@example.com' },
      sender: userObject(actor),
      created: o.created ?? false,
      deleted,
      forced: o.forced ?? false,
      base_ref: o.baseRef === undefined ? null : o.baseRef,
      compare: `https://github.com/${full}/compare/${before.slice(0, 12)}...${sha.slice(0, 12)}`,
      commits: deleted ? [] : [commit],
      head_commit: deleted ? null : commit
    },
    o
  )
}

export interface PullRequestOptions extends RepositoryOptions {
  number?: number
  /** Default 'opened'; 'synchronize' for a new push to the PR. */
  action?: string
  /** Head from a fork (another repository): secrets are not given to such runs. */
  fork?: boolean
  /** Owner of the fork, default 'octo-contributor'. */
  forkOwner?: string
  headRef?: string
  headSha?: string
  baseRef?: string
  baseSha?: string
  title?: string
  draft?: boolean
  /** PR author, default `actor`. */
  author?: string
}

export function pullRequestPayload(o: PullRequestOptions = {}): Json {
  const full = o.repository ?? DEFAULT_REPOSITORY
  const { owner, name } = splitRepository(full)
  const number = o.number ?? 7
  const actor = o.actor ?? DEFAULT_ACTOR
  const author = o.author ?? actor
  const baseRepo = repositoryObject(o, 'api')
  const headOwner = o.fork ? (o.forkOwner ?? 'octo-contributor') : owner
  const headRepo = o.fork
    ? {
        ...repositoryObject({ ...o, repository: `${headOwner}/${name}`, ownerType: 'User' }, 'api'),
        fork: true
      }
    : baseRepo
  const headRef = o.headRef ?? 'feature/better-tags'
  const baseRef = o.baseRef ?? o.defaultBranch ?? 'main'
  const headSha = o.headSha ?? DEFAULT_PR_HEAD_SHA
  const baseSha = o.baseSha ?? DEFAULT_BEFORE_SHA
  const api = `https://api.github.com/repos/${full}`
  return withOrg(
    {
      action: o.action ?? 'opened',
      number,
      pull_request: {
        url: `${api}/pulls/${number}`,
        id: fakeId(`${full}#${number}`),
        node_id: `PR_kwDO${number}`,
        html_url: `https://github.com/${full}/pull/${number}`,
        diff_url: `https://github.com/${full}/pull/${number}.diff`,
        number,
        state: 'open',
        locked: false,
        title: o.title ?? 'Better tags',
        user: userObject(author),
        body: null,
        created_at: '2025-06-01T12:00:00Z',
        updated_at: '2025-06-01T12:05:00Z',
        closed_at: null,
        merged_at: null,
        merge_commit_sha: null,
        draft: o.draft ?? false,
        head: {
          label: `${headOwner}:${headRef}`,
          ref: headRef,
          sha: headSha,
          user: userObject(headOwner, o.fork ? 'User' : (o.ownerType ?? 'Organization')),
          repo: headRepo
        },
        base: {
          label: `${owner}:${baseRef}`,
          ref: baseRef,
          sha: baseSha,
          user: userObject(owner, o.ownerType ?? 'Organization'),
          repo: baseRepo
        },
        author_association: o.fork ? 'CONTRIBUTOR' : 'MEMBER',
        merged: false,
        mergeable: null,
        rebaseable: null,
        mergeable_state: 'unknown',
        merged_by: null,
        comments: 0,
        review_comments: 0,
        maintainer_can_modify: false,
        commits: 1,
        additions: 1,
        deletions: 0,
        changed_files: 1
      },
      repository: baseRepo,
      sender: userObject(actor)
    },
    o
  )
}

export interface ReleaseOptions extends RepositoryOptions {
  tag?: string
  /** Default 'published'. */
  action?: string
  name?: string
  prerelease?: boolean
  draft?: boolean
  targetCommitish?: string
}

export function releasePayload(o: ReleaseOptions = {}): Json {
  const full = o.repository ?? DEFAULT_REPOSITORY
  const tag = o.tag ?? 'v1.2.3'
  const actor = o.actor ?? DEFAULT_ACTOR
  const id = fakeId(`${full}@${tag}`)
  return withOrg(
    {
      action: o.action ?? 'published',
      release: {
        url: `https://api.github.com/repos/${full}/releases/${id}`,
        html_url: `https://github.com/${full}/releases/tag/${tag}`,
        id,
        node_id: `RE_kwDO${id}`,
        tag_name: tag,
        target_commitish: o.targetCommitish ?? o.defaultBranch ?? 'main',
        name: o.name ?? tag,
        draft: o.draft ?? false,
        prerelease: o.prerelease ?? false,
        author: userObject(actor),
        created_at: '2025-06-01T12:00:00Z',
        published_at: o.draft ? null : '2025-06-01T12:01:00Z',
        assets: [],
        tarball_url: `https://api.github.com/repos/${full}/tarball/${tag}`,
        zipball_url: `https://api.github.com/repos/${full}/zipball/${tag}`,
        body: ''
      },
      repository: repositoryObject(o, 'api'),
      sender: userObject(actor)
    },
    o
  )
}

export interface ScheduleOptions extends RepositoryOptions {
  cron?: string
  /**
   * true: only `{ schedule }`, the shape of scheduled runs before GitHub added repository data
   * to it (2022-09 changelog); handy to check code that must not rely on payload.repository.
   */
  minimal?: boolean
  workflow?: string
}

export function schedulePayload(o: ScheduleOptions = {}): Json {
  const cron = o.cron ?? '0 3 * * *'
  if (o.minimal) return { schedule: cron }
  return withOrg(
    {
      schedule: cron,
      repository: repositoryObject(o, 'api'),
      workflow: o.workflow ?? '.github/workflows/ci.yml'
    },
    o
  )
}

export interface WorkflowDispatchOptions extends RepositoryOptions {
  ref?: string
  inputs?: Record<string, string | boolean | number> | null
  workflow?: string
}

export function workflowDispatchPayload(o: WorkflowDispatchOptions = {}): Json {
  const actor = o.actor ?? DEFAULT_ACTOR
  return withOrg(
    {
      inputs: o.inputs === undefined ? {} : o.inputs,
      ref: o.ref ?? `refs/heads/${o.defaultBranch ?? 'main'}`,
      repository: repositoryObject(o, 'api'),
      sender: userObject(actor),
      workflow: o.workflow ?? '.github/workflows/ci.yml'
    },
    o
  )
}

export interface WorkflowRunOptions extends RepositoryOptions {
  /** The triggering run came from a fork's pull request: head_repository is the fork. */
  fork?: boolean
  forkOwner?: string
  /** Default 'completed'. */
  action?: string
  headBranch?: string
  headSha?: string
}

/** `workflow_run`: a run of another workflow finished; it runs with the base repository's secrets. */
export function workflowRunPayload(o: WorkflowRunOptions = {}): Json {
  const full = o.repository ?? DEFAULT_REPOSITORY
  const { name } = splitRepository(full)
  const headRepository = o.fork
    ? { ...repositoryObject({ ...o, repository: `${o.forkOwner ?? 'octo-contributor'}/${name}`, ownerType: 'User' }, 'api'), fork: true }
    : repositoryObject(o, 'api')
  return withOrg(
    {
      action: o.action ?? 'completed',
      workflow_run: {
        id: fakeId(`${full}#run`),
        name: 'CI',
        event: o.fork ? 'pull_request' : 'push',
        status: 'completed',
        conclusion: 'success',
        head_branch: o.headBranch ?? 'feature/better-tags',
        head_sha: o.headSha ?? DEFAULT_PR_HEAD_SHA,
        repository: repositoryObject(o, 'api'),
        head_repository: headRepository
      },
      repository: repositoryObject(o, 'api'),
      sender: userObject(o.actor ?? DEFAULT_ACTOR)
    },
    o
  )
}

/** The payload of `eventName` with default options (used when a test gives no payload). */
export function defaultPayload(eventName: string, o: RepositoryOptions & { ref?: string; sha?: string } = {}): Json {
  switch (eventName) {
    case 'push':
      return pushPayload(o)
    case 'pull_request':
    case 'pull_request_target':
      return pullRequestPayload(o)
    case 'release':
      return releasePayload({ ...o, tag: o.ref?.startsWith('refs/tags/') ? o.ref.slice(10) : undefined })
    case 'schedule':
      return schedulePayload(o)
    case 'workflow_dispatch':
      return workflowDispatchPayload(o)
    case 'workflow_run':
      return workflowRunPayload(o)
    default:
      return withOrg({ repository: repositoryObject(o, 'api'), sender: userObject(o.actor ?? DEFAULT_ACTOR) }, o)
  }
}

// Event payloads shaped like the ones GitHub writes to GITHUB_EVENT_PATH (the webhook payload of
// the triggering event). Shapes follow GitHub's webhook examples (octokit/webhooks
// payload-examples): notably a push payload's repository has `created_at`/`pushed_at` as Unix
// seconds (numbers), `owner.name` next to `owner.login`, and `master_branch`; the other events use
// the REST repository shape (ISO-8601 timestamps).

export const DEFAULT_REPOSITORY = 'octo-org/Hello-App'
export const DEFAULT_SHA = '0123456789abcdef0123456789abcdef01234567'
export const DEFAULT_BEFORE_SHA = '89abcdef0123456789abcdef0123456789abcdef'
/** GITHUB_SHA of a pull_request run: the test merge commit GitHub creates, not the head. */
export const DEFAULT_MERGE_SHA = 'fedcba9876543210fedcba9876543210fedcba98'
export const DEFAULT_PR_HEAD_SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678'
export const DEFAULT_ACTOR = 'octocat'

export interface RepositoryOptions {
  /** `owner/name`, default 'octo-org/Hello-App' (capitals kept, as GitHub does). */
  repository?: string
  defaultBranch?: string
  description?: string | null
  /** SPDX id, or null for no license. Default 'MIT'. */
  license?: string | null
  topics?: string[]
  homepage?: string | null
  private?: boolean
  /** Default 'Organization' (the default owner is an org). */
  ownerType?: 'Organization' | 'User'
  /** Sender (the user who triggered the event), default 'octocat'. */
  actor?: string
}

type Json = Record<string, unknown>

const LICENSE_NAMES: Record<string, string> = {
  MIT: 'MIT License',
  'Apache-2.0': 'Apache License 2.0',
  'GPL-3.0': 'GNU General Public License v3.0',
  'BSD-3-Clause': 'BSD 3-Clause "New" or "Revised" License',
  'MPL-2.0': 'Mozilla Public License 2.0',
  Unlicense: 'The Unlicense'
}

function splitRepository(full: string): { owner: string; name: string } {
  const i = full.indexOf('/')
  if (i <= 0 || i === full.length - 1) throw new Error(`repository must be owner/name, got '${full}'`)
  return { owner: full.slice(0, i), name: full.slice(i + 1) }
}

/** A stable fake numeric id derived from a string (GitHub ids are positive integers). */
export function fakeId(s: string): number {
  let h = 2166136261
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0
  return (h % 900000000) + 10000000
}

function userObject(login: string, type: 'User' | 'Organization' = 'User'): Json {
  const id = fakeId(login)
  return {
    login,
    id,
    node_id: `MDQ6VXNlcj${id}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: '',
    url: `https://api.github.com/users/${login}`,
    html_url: `https://github.com/${login}`,
    type,
    site_admin: false
  }
}

function licenseObject(spdx: string | null): Json | null {
  if (spdx === null) return null
  return {
    key: spdx.toLowerCase(),
    name: LICENSE_NAMES[spdx] ?? spdx,
    spdx_id: spdx,
    url: `https://api.github.com/licenses/${spdx.toLowerCase()}`,
    node_id: 'MDc6TGljZW5zZTEz'
  }
}

/**
 * The `repository` object of a payload. `style: 'push'` gives the push-event variant (numeric
 * created_at/pushed_at, owner.name/email, master_branch, stargazers); 'api' the REST shape.
 */
export function repositoryObject(o: RepositoryOptions = {}, style: 'push' | 'api' = 'api'): Json {
  const full = o.repository ?? DEFAULT_REPOSITORY
  const { owner, name } = splitRepository(full)
  const ownerType = o.ownerType ?? 'Organization'
  const defaultBranch = o.defaultBranch ?? 'main'
  const id = fakeId(full)
  const html = `https://github.com/${full}`
  const api = `https://api.github.com/repos/${full}`
  const created = '2024-01-15T10:20:30Z'
  const pushed = '2025-06-01T12:00:00Z'
  const ownerObj: Json = userObject(owner, ownerType)
  if (style === 'push') {
    ownerObj.name = owner
    ownerObj.email = ownerType === 'User' ? `${fakeId(owner)}+${owner}@users.noreply.github.com` : null
  }
  const repo: Json = {
    id,
    node_id: `R_kgDO${id}`,
    name,
    full_name: full,
    private: o.private ?? false,
    owner: ownerObj,
    html_url: html,
    description: o.description === undefined ? 'A tiny app used to test docker-ship' : o.description,
    fork: false,
    url: style === 'push' ? html : api,
    git_url: `git://github.com/${full}.git`,
    ssh_url: `git@github.com:${full}.git`,
    clone_url: `${html}.git`,
    svn_url: html,
    homepage: o.homepage === undefined ? null : o.homepage,
    size: 42,
    stargazers_count: 3,
    watchers_count: 3,
    language: 'Dockerfile',
    has_issues: true,
    has_projects: true,
    has_downloads: true,
    has_wiki: false,
    has_pages: false,
    forks_count: 1,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: 0,
    license: licenseObject(o.license === undefined ? 'MIT' : o.license),
    allow_forking: true,
    is_template: false,
    web_commit_signoff_required: false,
    topics: o.topics ?? ['docker', 'github-actions'],
    visibility: o.private ? 'private' : 'public',
    forks: 1,
    open_issues: 0,
    watchers: 3,
    default_branch: defaultBranch,
    created_at: style === 'push' ? Date.parse(created) / 1000 : created,
    updated_at: pushed,
    pushed_at: style === 'push' ? Date.parse(pushed) / 1000 : pushed
  }
  if (style === 'push') {
    repo.stargazers = 3
    repo.master_branch = defaultBranch
    if (ownerType === 'Organization') repo.organization = owner
  }
  return repo
}

function organizationOf(o: RepositoryOptions): Json | undefined {
  if ((o.ownerType ?? 'Organization') !== 'Organization') return undefined
  const { owner } = splitRepository(o.repository ?? DEFAULT_REPOSITORY)
  const id = fakeId(owner)
  return {
    login: owner,
    id,
    node_id: `O_kgDO${id}`,
    url: `https://api.github.com/orgs/${owner}`,
    repos_url: `https://api.github.com/orgs/${owner}/repos`,
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    description: null
  }
}

function withOrg(payload: Json, o: RepositoryOptions): Json {
  const org = organizationOf(o)
  if (org) payload.organization = org
  return payload
}

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
    default:
      return withOrg({ repository: repositoryObject(o, 'api'), sender: userObject(o.actor ?? DEFAULT_ACTOR) }, o)
  }
}

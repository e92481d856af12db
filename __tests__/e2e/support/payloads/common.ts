// What every event payload shares, shaped like GitHub's webhook examples (octokit/webhooks
// payload-examples): the default repository and commits, stable fake ids, and the user,
// organization, license and repository objects. A push payload's repository has
// `created_at`/`pushed_at` as Unix seconds (numbers), `owner.name` next to `owner.login`, and
// `master_branch`; the other events use the REST repository shape (ISO-8601 timestamps).

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

export type Json = Record<string, unknown>

const LICENSE_NAMES: Record<string, string> = {
  MIT: 'MIT License',
  'Apache-2.0': 'Apache License 2.0',
  'GPL-3.0': 'GNU General Public License v3.0',
  'BSD-3-Clause': 'BSD 3-Clause "New" or "Revised" License',
  'MPL-2.0': 'Mozilla Public License 2.0',
  Unlicense: 'The Unlicense'
}

export function splitRepository(full: string): { owner: string; name: string } {
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

export function userObject(login: string, type: 'User' | 'Organization' = 'User'): Json {
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

export function withOrg(payload: Json, o: RepositoryOptions): Json {
  const org = organizationOf(o)
  if (org) payload.organization = org
  return payload
}

/**
 * What the local preview reads from the git checkout (HEAD, branch, tags, origin, default branch)
 * and the GitHubContext a workflow would get there. Runs git: the CLI's one side effect.
 */
import { execFileSync } from 'node:child_process'
import * as path from 'node:path'
import { InputError } from '../shared/errors.js'
import type { GitHubContext } from '../plan/inputs/github-context.js'

/** Where `origin` points: `https://github.com/Owner/Repo.git`, `git@github.com:Owner/Repo.git`, ... */
export interface RemoteRepo {
  /** Host as a web URL would name it: `github.com`, `ghe.example.com:8443`. */
  host: string
  /** `Owner/Repo` as written in the URL (capitals kept, `.git` dropped). */
  repository: string
}

/**
 * Parses a git remote URL into host and `owner/repo`. Accepts https/http/git/ssh URLs
 * (credentials and ports dropped or kept as a browser would) and scp-like `user@host:owner/repo`.
 * Local paths and `file://` URLs have no owner/repo: undefined.
 */
export function parseRemoteUrl(url: string): RemoteRepo | undefined {
  const value = url.trim()
  let host: string
  let repoPath: string
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/(?:[^@/]*@)?([^/:]+)(?::(\d*))?(\/.*)?$/i.exec(value)
  if (scheme) {
    const [, proto = '', name = '', port = '', rest = ''] = scheme
    const kind = proto.toLowerCase()
    if (kind === 'file') return undefined
    // A port means something to a browser only for http(s); ssh/git ports are not the web's.
    host = (kind === 'https' || kind === 'http') && port !== '' ? `${name}:${port}` : name
    repoPath = rest
  } else {
    // scp-like syntax: [user@]host:path, where host has no slash (else it is a local path).
    const scp = /^(?:[^@/]+@)?([^/:]+):(?!\/\/)(.+)$/.exec(value)
    if (!scp) return undefined
    host = scp[1] as string
    repoPath = scp[2] as string
  }
  if (host.toLowerCase() === 'ssh.github.com') host = 'github.com'
  const parts = repoPath
    .replace(/\.git\/?$/, '')
    .split('/')
    .filter(p => p !== '' && p !== '.')
  if (parts.length < 2 || parts.some(p => p === '..')) return undefined
  return { host: host.toLowerCase(), repository: parts.join('/') }
}

/** A remote URL without the credentials https URLs may carry (`https://user:token@host/...`). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1')
}

/** Runs git in `cwd`; returns stdout trimmed, or undefined when git exits non-zero. */
export type Git = (args: string[], cwd: string) => string | undefined

export const runGit: Git = (args, cwd) => {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InputError('git is not installed or not on PATH: the local preview reads the checkout with git.')
    }
    return undefined
  }
}

/** What the local checkout tells about where a workflow would run. */
export interface GitInfo {
  root: string
  sha: string
  /** Current branch; undefined on a detached HEAD. */
  branch?: string
  /** Tags pointing at HEAD, the `git describe --exact-match` one first. */
  headTags: string[]
  /** Every tag of the checkout (for the `semver` latest policy). */
  allTags: string[]
  remoteUrl?: string
  remote?: RemoteRepo
  /** From `refs/remotes/origin/HEAD`; else a local `main` or `master` (then `defaultBranchGuessed`). */
  defaultBranch?: string
  defaultBranchGuessed: boolean
  /** Committer time of HEAD, ISO. */
  commitTime?: string
}

const lines = (text: string | undefined): string[] => (text ?? '').split('\n').filter(l => l.trim() !== '')

export function readGitInfo(cwd: string, git: Git = runGit): GitInfo {
  const root = git(['rev-parse', '--show-toplevel'], cwd)
  if (root === undefined) {
    throw new InputError(`${cwd} is not in a git checkout: run the preview inside your repository (or pass -C <folder>).`)
  }
  const sha = git(['rev-parse', '--verify', '-q', 'HEAD'], cwd)
  if (sha === undefined) throw new InputError(`The git checkout ${root} has no commit yet: commit once, then preview.`)
  const branch = git(['symbolic-ref', '--short', '-q', 'HEAD'], cwd) || undefined
  const exact = git(['describe', '--exact-match', '--tags', 'HEAD'], cwd)
  const pointing = lines(git(['tag', '--points-at', 'HEAD'], cwd))
  const headTags = [...new Set([...(exact ? [exact] : []), ...pointing])]
  const allTags = lines(git(['tag', '--list'], cwd))
  const rawUrl = git(['remote', 'get-url', 'origin'], cwd) || undefined
  const remoteUrl = rawUrl === undefined ? undefined : redactUrl(rawUrl)
  const remote = rawUrl === undefined ? undefined : parseRemoteUrl(rawUrl)

  let defaultBranch = git(['symbolic-ref', '-q', 'refs/remotes/origin/HEAD'], cwd)?.replace(/^refs\/remotes\/origin\//, '') || undefined
  let defaultBranchGuessed = false
  if (defaultBranch === undefined) {
    const local = lines(git(['for-each-ref', '--format=%(refname:short)', 'refs/heads/main', 'refs/heads/master'], cwd))
    defaultBranch = local.includes('main') ? 'main' : local[0]
    defaultBranchGuessed = defaultBranch !== undefined
  }
  const time = git(['show', '-s', '--format=%cI', 'HEAD'], cwd)
  const commitTime = time && !Number.isNaN(Date.parse(time)) ? new Date(time).toISOString() : undefined
  return { root, sha, branch, headTags, allTags, remoteUrl, remote, defaultBranch, defaultBranchGuessed, commitTime }
}

/** The event to preview, from the CLI flags; every field optional (then taken from git). */
export interface PreviewEvent {
  event?: string
  /** `refs/heads/x`, `refs/tags/v1`, or a bare name: a tag of the checkout, else a branch. */
  ref?: string
  pr?: number
  fork?: boolean
  sha?: string
  repository?: string
  defaultBranch?: string
  actor?: string
}

const PR_EVENTS = ['pull_request', 'pull_request_target', 'pull_request_review', 'pull_request_review_comment']

function fullRef(ref: string, info: GitInfo): string {
  if (ref.startsWith('refs/')) return ref
  return info.allTags.includes(ref) ? `refs/tags/${ref}` : `refs/heads/${ref}`
}

/**
 * A GitHubContext as the runner would give it for `preview` in this checkout: what the plan
 * code reads from GITHUB_* and the event payload, here read from git. `notes` says what was guessed.
 */
export function gitHubContextOf(info: GitInfo, preview: PreviewEvent = {}): { ctx: GitHubContext; notes: string[] } {
  const notes: string[] = []
  const eventName = preview.event ?? (preview.pr !== undefined ? 'pull_request' : 'push')
  const isPr = PR_EVENTS.includes(eventName)
  if (isPr && preview.pr === undefined) {
    throw new InputError(`--event ${eventName} needs the pull request number: add --pr N.`)
  }
  if (!isPr && preview.pr !== undefined) {
    throw new InputError(
      `--pr ${preview.pr} is only for pull request events, not "${eventName}": drop --event or use --event pull_request.`
    )
  }
  const defaultBranch = preview.defaultBranch ?? info.defaultBranch
  if (preview.defaultBranch === undefined) {
    if (info.defaultBranch === undefined) {
      notes.push(
        'The default branch is unknown (no origin/HEAD, no main or master branch): no branch gets "latest"; pass --default-branch NAME.'
      )
    } else if (info.defaultBranchGuessed) {
      notes.push(
        `The default branch is taken to be "${info.defaultBranch}" (origin/HEAD is not set here); pass --default-branch NAME to change it.`
      )
    }
  }

  let ref: string
  if (preview.ref !== undefined) {
    ref = fullRef(preview.ref, info)
  } else if (isPr) {
    ref = `refs/pull/${preview.pr}/merge`
  } else if (eventName === 'schedule') {
    if (defaultBranch === undefined)
      throw new InputError('A schedule runs on the default branch, which is unknown here: pass --default-branch NAME.')
    ref = `refs/heads/${defaultBranch}`
  } else if (eventName === 'release' || info.branch === undefined) {
    const tag = info.headTags[0]
    if (tag === undefined) {
      throw new InputError(
        eventName === 'release'
          ? 'A release is made from a tag and HEAD has none: pass --ref refs/tags/vX.Y.Z.'
          : 'HEAD is detached and not tagged: pass --ref refs/heads/NAME or --ref refs/tags/NAME.'
      )
    }
    ref = `refs/tags/${tag}`
  } else {
    ref = `refs/heads/${info.branch}`
    if (info.headTags.length > 0) {
      notes.push(`HEAD is also tagged ${info.headTags.join(', ')}: preview the tag push with --ref refs/tags/${info.headTags[0]}.`)
    }
  }

  let releaseTag: string | undefined
  if (eventName === 'release') {
    if (!ref.startsWith('refs/tags/')) throw new InputError(`A release is made from a tag, not ${ref}: pass --ref refs/tags/vX.Y.Z.`)
    releaseTag = ref.slice('refs/tags/'.length)
  }

  let repository = preview.repository ?? info.remote?.repository
  if (repository === undefined) {
    repository = `local/${path.basename(info.root)}`
    notes.push(`No GitHub remote "origin": the repository is taken to be ${repository}; pass --repository OWNER/REPO.`)
  }
  const host = info.remote?.host ?? 'github.com'
  const serverUrl = `https://${host}`
  const owner = repository.split('/')[0] ?? ''
  const ctx: GitHubContext = {
    eventName,
    ref,
    sha: preview.sha ?? info.sha,
    repository,
    actor: preview.actor ?? owner,
    serverUrl,
    defaultBranch,
    repoUrl: `${serverUrl}/${repository}`
  }
  if (isPr) ctx.pullRequest = { number: preview.pr as number, fromFork: preview.fork === true, headSha: ctx.sha }
  if (releaseTag !== undefined) ctx.releaseTag = releaseTag
  if (info.commitTime !== undefined) ctx.commitTime = info.commitTime
  return { ctx, notes }
}

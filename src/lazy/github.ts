/**
 * dist/github/index.js: @actions/github's Octokit as a bundle of its own, loaded only by the runs
 * that ask the GitHub API (step/repo-tags.ts), so that the main bundle stays small. In the bundle,
 * @actions/http-client and undici are stand-ins (src/vendor/): requests go through Node's own
 * fetch, without a proxy.
 */
import { getOctokit } from '@actions/github'

export interface TagsRequest {
  /** GITHUB_API_URL: https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise Server. */
  apiUrl: string
  /** `owner/repo`. */
  repository: string
  token: string
  /** For every page together. */
  timeoutMs: number
}

/** Every tag name of the repository: GET /repos/{owner}/{repo}/tags, page after page. */
export async function listTags(req: TagsRequest): Promise<string[]> {
  const [owner = '', repo = ''] = req.repository.split('/')
  const signal = AbortSignal.timeout(req.timeoutMs)
  const octokit = getOctokit(req.token, { baseUrl: req.apiUrl.replace(/\/+$/, ''), request: { signal } })
  try {
    return await octokit.paginate('GET /repos/{owner}/{repo}/tags', { owner, repo, per_page: 100 }, r => r.data.map(t => t.name))
  } catch (e) {
    throw new Error(signal.aborted ? `no answer within ${req.timeoutMs / 1000} s` : reason(e))
  }
}

/** `401 Bad credentials`, `404 Not Found`: the status and GitHub's message; else the network's error. */
function reason(e: unknown): string {
  const { status, response } = e as { status?: unknown; response?: unknown }
  if (typeof status === 'number' && response !== undefined)
    return `${status} ${messageOf(e).replace(/ - https:\/\/docs\.github\.com\S*$/, '')}`
  // fetch's TypeError("fetch failed"), which Octokit wraps, carries the socket's error as its cause.
  let deepest = e
  while (hasCause(deepest)) deepest = deepest.cause
  return messageOf(deepest)
}

const hasCause = (e: unknown): e is { cause: unknown } => typeof e === 'object' && e !== null && (e as { cause?: unknown }).cause != null
const messageOf = (e: unknown): string => {
  const message = (e as { message?: unknown } | null)?.message
  return typeof message === 'string' ? message : String(e)
}

// Where `latest: semver` takes the repository's tags from: the checkout, else the GitHub API
// (mocked, then the real Octokit of lazy/github.ts against a stand-in server on 127.0.0.1).
import { jest } from '@jest/globals'
import { fakeApi, unreachableUrl } from './fake-github-api.js'

const info = jest.fn<(message: string) => void>()
const notice = jest.fn<(message: string) => void>()
jest.unstable_mockModule('@actions/core', () => ({ info, notice, debug: jest.fn() }))
const { repositoryTags } = await import('../../src/step/repo-tags.js')
type ListTags = import('../../src/step/repo-tags.js').ListTags

const request = { apiUrl: 'https://ghe.example.com/api/v3', repository: 'o/r', token: ' t0ken\n', timeoutMs: 5000 }
const octokit = async (): Promise<ListTags> => (await import('../../src/lazy/github.js')).listTags

beforeEach(() => {
  info.mockClear()
  notice.mockClear()
})

describe('repositoryTags with a mocked API', () => {
  it("takes the checkout's tags when it has others than the one being built, without asking the API", async () => {
    const load = jest.fn<() => Promise<ListTags>>()
    expect(await repositoryTags(['v1.0.0', 'v2.0.0'], 'v1.0.0', request, load)).toEqual(['v1.0.0', 'v2.0.0'])
    expect(load).not.toHaveBeenCalled()
    expect(info).toHaveBeenCalledWith("latest: semver compares v1.0.0 with the checkout's 2 git tags.")
    expect(notice).not.toHaveBeenCalled()
  })

  it.each<[string, string[], string[]]>([
    ['only the tag being built', ['v1.0.0'], ['v1.0.0', 'v2.0.0']],
    ['no tag at all', [], ['v2.0.0', 'v1.0.0']]
  ])('asks the API when the checkout has %s, with the job token', async (_what, checkout, expected) => {
    const listTags = jest.fn<ListTags>().mockResolvedValue(['v2.0.0', 'v1.0.0'])
    expect(await repositoryTags(checkout, 'v1.0.0', request, async () => listTags)).toEqual(expected)
    expect(listTags).toHaveBeenCalledWith({ ...request, token: 't0ken' })
    expect(info).toHaveBeenCalledWith(
      "latest: semver compares v1.0.0 with the repository's 2 tags from the GitHub API (GET https://ghe.example.com/api/v3/repos/o/r/tags): the checkout has no other git tag."
    )
    expect(notice).not.toHaveBeenCalled()
  })

  it.each<[string, Partial<typeof request>, () => Promise<ListTags>, string]>([
    ['the API refuses', {}, async () => () => Promise.reject(new Error('401 Bad credentials')), '401 Bad credentials'],
    ['the bundle does not load', {}, () => Promise.reject(new Error('Cannot find module')), 'Cannot find module'],
    ['there is no token', { token: '' }, async () => () => Promise.resolve(['v9.0.0']), 'the "github-token" input is empty'],
    ['the repository is unknown', { repository: '' }, async () => () => Promise.resolve(['v9.0.0']), 'the repository is "", not owner/repo']
  ])("keeps the checkout's tags, with a notice, when %s", async (_what, over, load, why) => {
    expect(await repositoryTags(['v1.0.0'], 'v1.0.0', { ...request, ...over }, load)).toEqual(['v1.0.0'])
    expect(notice).toHaveBeenCalledTimes(1)
    expect(notice.mock.calls[0]?.[0]).toContain(`/repos/${over.repository ?? 'o/r'}/tags: ${why}) and the checkout has no other git tag`)
    expect(notice.mock.calls[0]?.[0]).toContain('v1.0.0 gets latest if it is a stable version')
    expect(info).not.toHaveBeenCalled()
  })
})

describe('repositoryTags against a stand-in GitHub API on 127.0.0.1', () => {
  it('reads every page of GET /repos/{owner}/{repo}/tags under GITHUB_API_URL, with the token', async () => {
    const api = await fakeApi([['v2.0.0', 'v1.1.0'], ['v1.0.0']])
    try {
      const tags = await repositoryTags(['v1.0.0'], 'v1.0.0', { ...request, apiUrl: `${api.url}/api/v3/` }, octokit)
      expect(tags.sort()).toEqual(['v1.0.0', 'v1.1.0', 'v2.0.0'])
      expect(api.requests).toEqual([
        { path: '/api/v3/repos/o/r/tags?per_page=100', authorization: 'token t0ken' },
        { path: '/api/v3/repos/o/r/tags?per_page=100&page=2', authorization: 'token t0ken' }
      ])
      expect(info.mock.calls[0]?.[0]).toContain(`3 tags from the GitHub API (GET ${api.url}/api/v3/repos/o/r/tags)`)
    } finally {
      await api.close()
    }
  })

  it.each<[string, Parameters<typeof fakeApi>[1], string]>([
    [
      '401',
      { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } },
      '401 Bad credentials'
    ],
    ['403', { status: 403, body: { message: 'Resource not accessible by integration' } }, '403 Resource not accessible by integration'],
    ['404', { status: 404, body: { message: 'Not Found' } }, '404 Not Found'],
    ['no answer', 'never', 'no answer within 0.3 s']
  ])("degrades to the checkout's tags, with a notice, on %s", async (_what, answer, why) => {
    const api = await fakeApi([], answer)
    try {
      expect(await repositoryTags(['v1.0.0'], 'v1.0.0', { ...request, apiUrl: api.url, timeoutMs: 300 }, octokit)).toEqual(['v1.0.0'])
      expect(notice.mock.calls[0]?.[0]).toContain(`(GET ${api.url}/repos/o/r/tags: ${why})`)
    } finally {
      await api.close()
    }
  })

  it("degrades to the checkout's tags, with a notice, when the API cannot be reached", async () => {
    const url = await unreachableUrl()
    expect(await repositoryTags([], undefined, { ...request, apiUrl: url }, octokit)).toEqual([])
    expect(notice.mock.calls[0]?.[0]).toMatch(
      new RegExp(`^latest: semver could not read the repository's tags from the GitHub API \\(GET ${url}/repos/o/r/tags: .*ECONNREFUSED`)
    )
    expect(notice.mock.calls[0]?.[0]).toContain('the tag being built gets latest if it is a stable version')
  })
})

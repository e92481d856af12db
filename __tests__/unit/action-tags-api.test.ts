// The built action (dist/index.js, which loads dist/main/ and then dist/github/) as the runner
// starts it, in dry-run: no engine needed. A tag push with `latest: semver` in a checkout that has
// only that tag, as actions/checkout leaves it by default, asks the GitHub API (a stand-in on
// 127.0.0.1 through GITHUB_API_URL) for the repository's tags.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { promisify } from 'node:util'
import { fakeApi, unreachableUrl } from './fake-github-api.js'

const action = path.join(process.cwd(), 'dist', 'index.js')
const dirs: string[] = []
afterAll(() => dirs.forEach(d => rmSync(d, { recursive: true, force: true })))

const run = promisify(execFile)

/** A checkout as actions/checkout leaves it on a tag push by default: one commit, that one tag (and `more`). */
async function checkout(tag: string, more: string[]): Promise<{ dir: string; sha: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tags-api-'))
  dirs.push(dir)
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n')
  const git = (...args: string[]) => run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd: dir })
  await git('init', '-q')
  await git('add', 'Dockerfile')
  await git('commit', '-q', '-m', 'one')
  for (const t of [tag, ...more]) await git('tag', t)
  return { dir, sha: (await git('rev-parse', 'HEAD')).stdout.trim() }
}

async function runAction(apiUrl: string, more: string[] = [], tag = 'v1.5.0'): Promise<{ stdout: string; tags: string }> {
  const { dir, sha } = await checkout(tag, more)
  for (const f of ['output', 'state']) writeFileSync(path.join(dir, f), '')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    RUNNER_TEMP: dir,
    GITHUB_WORKSPACE: dir,
    GITHUB_OUTPUT: path.join(dir, 'output'),
    GITHUB_STATE: path.join(dir, 'state'),
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: `refs/tags/${tag}`,
    GITHUB_SHA: sha,
    GITHUB_REPOSITORY: 'o/r',
    GITHUB_API_URL: apiUrl,
    'INPUT_DRY-RUN': 'true',
    INPUT_IMAGE: 'localhost:5000/app',
    INPUT_LATEST: 'semver',
    'INPUT_GITHUB-TOKEN': 't0ken'
  }
  const { stdout } = await run(process.execPath, [action], { cwd: dir, env })
  const output = readFileSync(path.join(dir, 'output'), 'utf8')
  const tags = /^tags<<(\S+)\n([\s\S]*?)\n\1$/m.exec(output)?.[2] ?? ''
  return { stdout, tags }
}

describe('the built action with latest: semver and a checkout without other tags', () => {
  it("compares the tag with the repository's tags from the GitHub API", async () => {
    const api = await fakeApi([['v2.0.0', 'v1.5.0']])
    try {
      const { stdout, tags } = await runAction(api.url)
      expect(tags.split('\n')).toEqual([
        'localhost:5000/app:v1.5.0',
        'localhost:5000/app:1.5.0',
        'localhost:5000/app:1.5',
        'localhost:5000/app:1'
      ])
      expect(stdout).toContain(
        `latest: semver compares v1.5.0 with the repository's 2 tags from the GitHub API (GET ${api.url}/repos/o/r/tags)`
      )
      expect(api.requests).toEqual([{ path: '/repos/o/r/tags?per_page=100', authorization: 'token t0ken' }])
    } finally {
      await api.close()
    }
  })

  it("takes the checkout's tags, and asks no API, when the checkout has others", async () => {
    const api = await fakeApi([['v1.5.0']])
    try {
      const { stdout, tags } = await runAction(api.url, ['v2.0.0'])
      expect(tags.split('\n')).not.toContain('localhost:5000/app:latest')
      expect(stdout).toContain("latest: semver compares v1.5.0 with the checkout's 2 git tags.")
      expect(api.requests).toEqual([])
    } finally {
      await api.close()
    }
  })

  it('gives latest as before, with a notice, when the API cannot be reached', async () => {
    const url = await unreachableUrl()
    const { stdout, tags } = await runAction(url)
    expect(tags.split('\n')).toContain('localhost:5000/app:latest')
    expect(stdout).toMatch(
      new RegExp(
        `^::notice::latest: semver could not read the repository's tags from the GitHub API \\(GET ${url}/repos/o/r/tags: connect ECONNREFUSED`,
        'm'
      )
    )
  })
})

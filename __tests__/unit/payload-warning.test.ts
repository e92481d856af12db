import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { readGitHubContext } from '../../src/plan/inputs/github-context.js'

const dir = mkdtempSync(path.join(tmpdir(), 'payload-warning-'))
const file = (name: string, text: string): string => {
  const f = path.join(dir, name)
  writeFileSync(f, text)
  return f
}
const base = { GITHUB_EVENT_NAME: 'push', GITHUB_REPOSITORY: 'o/r', GITHUB_SHA: 'abc' }

describe('the warning when the event payload gives no default branch', () => {
  it.each([
    ['unset', undefined, 'refs/heads/main', 'GITHUB_EVENT_PATH is not set, so there is no event payload'],
    ['null', file('null.json', 'null'), 'refs/heads/main', 'whose JSON is null, not an event payload object'],
    ['an array', file('array.json', '[]'), 'refs/heads/main', 'whose JSON is an array, not an event payload object'],
    ['a string', file('string.json', '"x"'), 'refs/heads/dev', 'whose JSON is a string, not an event payload object'],
    [
      'without a repository',
      file('bare.json', '{"schedule":"0 3 * * *"}'),
      'refs/heads/main',
      'whose payload has no repository.default_branch'
    ]
  ])('a payload that is %s: warns for a branch build, naming the file', (_n, eventPath, ref, problem) => {
    const ctx = readGitHubContext({ ...base, GITHUB_REF: ref, ...(eventPath ? { GITHUB_EVENT_PATH: eventPath } : {}) })
    expect(ctx.defaultBranch).toBeUndefined()
    expect(ctx.payloadWarning).toContain(problem)
    if (eventPath) expect(ctx.payloadWarning).toContain(`"${eventPath}"`)
    expect(ctx.payloadWarning).toContain(
      `"latest" and the other default-branch tags ({{is_default_branch}}, type=edge) are not derived for ${ref}`
    )
  })

  it.each([
    ['a payload with the default branch', file('ok.json', '{"repository":{"default_branch":"main"}}'), 'refs/heads/main'],
    ['a tag build', file('tag.json', 'null'), 'refs/tags/v1.0.0'],
    ['a pull request build', undefined, 'refs/pull/3/merge']
  ])('no warning for %s', (_n, eventPath, ref) => {
    expect(
      readGitHubContext({ ...base, GITHUB_REF: ref, ...(eventPath ? { GITHUB_EVENT_PATH: eventPath } : {}) }).payloadWarning
    ).toBeUndefined()
  })
})

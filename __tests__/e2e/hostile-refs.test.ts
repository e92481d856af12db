import { existsSync, rmSync } from 'node:fs'
import { pushPayload } from './support/payloads.js'
import { readE2EEnv, registryClient } from './support/registry.js'
import { cleanupRuns, runAction } from './support/runner.js'
import { makeWorkspace, uniqueRepo } from './support/workspace.js'

/** Branch and tag names are attacker-controlled text: they become sanitised tags and never run. */
const env = readE2EEnv()
const registry = registryClient(env, 1)
const marker = `/tmp/docker-ship-pwned-${process.pid}`

afterAll(async () => {
  rmSync(marker, { force: true })
  await cleanupRuns()
})

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/

describe.each([
  ['$() substitution', `refs/heads/$(touch ${marker})`],
  ['backticks', `refs/heads/\`touch ${marker}\``],
  ['a semicolon', `refs/heads/x;touch ${marker}`],
  ['quotes', `refs/tags/v1'";touch ${marker};"`],
  ['a newline', `refs/heads/a\ntouch ${marker}`],
  ['a pipe and ampersands', `refs/heads/a|touch ${marker}&&b`]
])('a ref with %s', (_name, ref) => {
  it('is pushed under a sanitised tag and runs nothing', async () => {
    rmSync(marker, { force: true })
    const repo = uniqueRepo('hostile')
    const r = await runAction({
      workspace: makeWorkspace({ Dockerfile: `FROM ${env.baseImage}\nRUN echo hostile > /h\n` }),
      payload: pushPayload({ ref }),
      ref,
      secrets: [env.registry.password],
      inputs: { registry: env.registry.host, image: repo, username: env.registry.user, password: env.registry.password }
    })
    expect(r.main.exitCode).toBe(0)
    const tags = (await registry.tags(repo)).filter(t => t !== 'buildcache')
    expect(tags.length).toBeGreaterThan(0)
    for (const tag of tags) expect(tag).toMatch(TAG)
    expect(r.outputs.tags.split('\n').map(t => t.slice(t.lastIndexOf(':') + 1))).toEqual(expect.arrayContaining(tags))
    expect(existsSync(marker)).toBe(false)
  })
})

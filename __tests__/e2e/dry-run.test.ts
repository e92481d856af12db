import { pullRequestPayload, pushPayload } from './support/payloads.js'
import { cleanupRuns, runAction } from './support/runner.js'
import { commandLines, makeWorkspace } from './support/workspace.js'

afterAll(cleanupRuns)

const workspace = () => makeWorkspace({ Dockerfile: 'FROM scratch\n' })

describe('dry-run, run as the runner runs dist/index.js', () => {
  it('writes the plan outputs to GITHUB_OUTPUT for a push to the default branch, running no engine', async () => {
    const r = await runAction({
      workspace: workspace(),
      eventName: 'push',
      payload: pushPayload({ ref: 'refs/heads/main', defaultBranch: 'main', timestamp: '2026-03-01T10:00:00+01:00' }),
      inputs: { 'dry-run': 'true', username: 'Bob', password: 'hunter2-secret' },
      secrets: ['hunter2-secret']
    })
    expect(r.main.exitCode).toBe(0)
    expect(r.outputs.image).toBe('bob/hello-app')
    expect(r.outputs.tags.split('\n')).toEqual(['bob/hello-app:latest', 'bob/hello-app:main', 'bob/hello-app:sha-0123456'])
    expect(r.outputs.version).toBe('main')
    expect(r.outputs.pushed).toBe('false')
    expect(r.outputs.labels).toContain('org.opencontainers.image.created=2026-03-01T09:00:00.000Z')
    const plan = JSON.parse(r.outputs.plan)
    expect(plan.push).toBe(true)
    expect(plan.logins).toEqual([{ registry: 'docker.io', username: 'Bob', passwordFrom: 'password' }])
    expect(r.outputs.plan).not.toContain('hunter2')
    expect(commandLines(r.main.log)).toEqual([])
    for (const group of ['Context', 'Image', 'Tags', 'Labels', 'Push']) expect(r.main.log).toContain(`##[group]${group}`)
    // Nothing to clean up, and post-if (failure() || cancelled()) skips the post step.
    expect(r.post).toBeUndefined()
  })

  it('plans pr-N and no push for a pull request', async () => {
    const r = await runAction({
      workspace: workspace(),
      eventName: 'pull_request',
      payload: pullRequestPayload({ number: 17 }),
      inputs: { 'dry-run': 'true', image: 'localhost:5000/team/app' }
    })
    expect(r.main.exitCode).toBe(0)
    expect(r.outputs.tags).toBe('localhost:5000/team/app:pr-17')
    expect(r.outputs.version).toBe('pr-17')
    expect(JSON.parse(r.outputs.plan).push).toBe(false)
  })

  it('fails with one line naming the input for push: maybe', async () => {
    const r = await runAction({ workspace: workspace(), inputs: { 'dry-run': 'true', image: 'localhost:5000/a', push: 'maybe' } })
    expect(r.main.exitCode).toBe(1)
    const errors = r.main.annotations.filter(a => a.level === 'error').map(a => a.message)
    expect(errors).toEqual(['Input "push" is "maybe": use one of auto, true, false.'])
  })
})

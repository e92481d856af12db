// podman's step counts in the job summary: the LABEL steps podman adds for the `--label`s (the
// image's OCI labels) are not the Dockerfile's steps, and are counted neither as steps nor as
// cache hits. A rebuild of the same commit on podman, run as the runner runs the action.
import { pushPayload } from './support/payloads.js'
import { podmanStepEnv, readE2EEnv } from './support/registry.js'
import { cleanupRuns, runAction } from './support/runner.js'
import { makeWorkspace, uniqueRepo } from './support/workspace.js'

const env = readE2EEnv()

afterAll(cleanupRuns)

describe('a rebuild on podman', () => {
  it("shows the Dockerfile's own steps in Cached steps, not podman's LABEL steps", async () => {
    const repo = uniqueRepo('faults-podman-steps')
    // A value of this test's own, so the first build is not a cache hit of another test's.
    const dockerfile = `FROM ${env.baseImage}\nRUN echo ${repo} > /repo.txt\nRUN echo two > /two.txt\n`
    const ship = () =>
      runAction({
        workspace: makeWorkspace({ Dockerfile: dockerfile }),
        secrets: [env.registry.password],
        payload: pushPayload({ ref: 'refs/heads/main', defaultBranch: 'main' }),
        env: podmanStepEnv(env),
        inputs: { registry: env.registry.host, image: repo, engine: 'podman', username: env.registry.user, password: env.registry.password }
      })
    const first = await ship()
    expect(first.main.exitCode).toBe(0)
    expect(first.summary).toContain('<th>Cached steps</th><td>0 of 3</td>')
    const again = await ship()
    expect(again.main.exitCode).toBe(0)
    expect(again.summary).toContain('<th>Cached steps</th><td>2 of 3</td>')
  }, 180_000)
})

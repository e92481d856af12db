// What a pull request controls (its compose file, its Dockerfile, its branch name) must not turn
// into workflow commands of the step, and its code must not reach the registry by surprise.
import { gunzipSync } from 'node:zlib'
import { pullRequestPayload, pushPayload, workflowRunPayload } from './support/payloads.js'
import { readE2EEnv, registryClient } from './support/registry.js'
import { annotationsOf, cleanupRuns, runAction, type RunResult } from './support/runner.js'
import { makeWorkspace, uniqueRepo } from './support/workspace.js'

const env = readE2EEnv()
const host = env.registry.host
const registry = registryClient(env, 1)

afterAll(async () => {
  await cleanupRuns()
})

const login = { registry: host, username: env.registry.user, password: env.registry.password }

/** Every trace of an injected command in a run: annotations, masks, commands. */
function injected(r: RunResult): string[] {
  return [
    // The action's own debug lines (core.debug escapes %, CR and LF, so their text cannot start a
    // command) may name a reference made from the branch; every other command counts.
    ...r.main.commands
      .filter(c => c.command !== 'debug')
      .filter(c => /injected/.test(c.message) || /injected/.test(JSON.stringify(c.properties)))
      .map(c => `::${c.command}::${c.message}`),
    ...annotationsOf(r, 'error').map(a => `error: ${a.message}`),
    ...annotationsOf(r, 'warning').map(a => `warning: ${a.message}`),
    ...r.masks.filter(m => /hostile/.test(m)).map(m => `mask: ${m}`)
  ]
}

describe('workflow commands hidden in repository text', () => {
  it('are logged as text: compose labels and args, label inputs, the branch name and RUN output register nothing', async () => {
    const repo = uniqueRepo('inject')
    const ref = 'refs/heads/x\n::warning::injected by the branch'
    const r = await runAction({
      workspace: makeWorkspace({
        'app/Dockerfile': [
          `FROM ${env.baseImage}`,
          'ARG NOTE',
          'RUN printf "::add-mask::hostile-run\\n::error::injected by RUN\\n##[add-mask]hostile-v1\\n##[error]injected v1\\n"',
          ''
        ].join('\n'),
        'compose.yml': [
          'services:',
          '  app:',
          '    build:',
          '      context: ./app',
          '      args:',
          '        NOTE: "a\\n::add-mask::hostile-arg\\n::error::injected by an arg"',
          '      labels:',
          '        evil: "x\\n::add-mask::hostile-label\\n::error file=a,line=1::injected by a label"',
          ''
        ].join('\n')
      }),
      payload: pushPayload({ ref }),
      ref,
      secrets: [env.registry.password],
      inputs: {
        ...login,
        image: repo,
        'compose-file': 'compose.yml',
        labels: 'b=y\nd=x ::error::injected by labels\nc=##[warning]injected'
      }
    })
    expect(r.main.exitCode === 0 ? '' : r.main.log).toBe('')
    expect(injected(r)).toEqual([])
    // The text is still in the log, as text.
    expect(r.main.log).toContain('injected by RUN')
    expect(r.main.log).toContain('injected by a label')
  })
})

describe("a fork's code on events that run with the secrets", () => {
  const app = (): string => makeWorkspace({ Dockerfile: `FROM ${env.baseImage}\nRUN echo fork > /f\n` })

  it.each([
    ['pull_request_target with push: true', 'pull_request_target', pullRequestPayload({ fork: true }), { push: 'true' }],
    ['workflow_run of a fork', 'workflow_run', workflowRunPayload({ fork: true }), {}]
  ])('is refused on %s, before any login, and nothing is pushed', async (_name, eventName, payload, inputs) => {
    const repo = uniqueRepo('fork')
    const r = await runAction({
      workspace: app(),
      eventName,
      payload,
      secrets: [env.registry.password],
      inputs: { ...login, image: repo, ...inputs }
    })
    expect(r.main.exitCode).toBe(1)
    expect(annotationsOf(r, 'error').map(a => a.message)).toEqual([
      expect.stringMatching(/^Refusing to push a fork's code on ".*allow-fork-push: true/)
    ])
    expect(r.main.log).not.toMatch(/Logged in to|\[command\]\S*docker (buildx build|build|login)/)
    expect(await registry.tags(repo)).toEqual([])
  })

  it('is pushed with allow-fork-push: true', async () => {
    const repo = uniqueRepo('fork-allowed')
    const r = await runAction({
      workspace: app(),
      eventName: 'workflow_run',
      payload: workflowRunPayload({ fork: true }),
      secrets: [env.registry.password],
      inputs: { ...login, image: repo, 'allow-fork-push': true }
    })
    expect(r.main.exitCode === 0 ? '' : r.main.log).toBe('')
    expect((await registry.tags(repo)).filter(t => t !== 'buildcache').length).toBeGreaterThan(0)
  })
})

describe("the job's token that actions/checkout leaves in .git/config", () => {
  const header = Buffer.from('x-access-token:ghs_e2eCheckoutTokenInGitConfig').toString('base64')
  const checkout = (files: Record<string, string>): string =>
    makeWorkspace({
      Dockerfile: `FROM ${env.baseImage}\nCOPY . /src\n`,
      'app.txt': 'app\n',
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.git/config': `[core]\n\trepositoryformatversion = 0\n[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic ${header}\n`,
      ...files
    })

  async function layerTexts(repo: string, tag: string): Promise<string[]> {
    const m = await registry.imageManifest(repo, tag, 'linux/amd64')
    const blobs = await Promise.all((m.body.layers ?? []).map(l => registry.blob(repo, l.digest)))
    return blobs.map(b => (b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b).toString('latin1'))
  }

  it('refuses a context that would COPY it, before login, and pushes nothing', async () => {
    const repo = uniqueRepo('git-token')
    const r = await runAction({
      workspace: checkout({}),
      payload: pushPayload(),
      secrets: [env.registry.password],
      inputs: { ...login, image: repo }
    })
    expect(r.main.exitCode).toBe(1)
    expect(annotationsOf(r, 'error').map(a => a.message)).toEqual([
      expect.stringMatching(
        /\.git\/config holds a credential .*add \.git to \S*\.dockerignore, or check out with persist-credentials: false\.$/
      )
    ])
    expect(r.main.log).not.toMatch(/Logged in to|\[command\]\S*docker (buildx build|build|login)/)
    expect(await registry.tags(repo)).toEqual([])
  })

  it('builds and pushes with .git in the .dockerignore, and no layer holds the token', async () => {
    const repo = uniqueRepo('git-ignored')
    const r = await runAction({
      workspace: checkout({ '.dockerignore': '.git\n' }),
      payload: pushPayload(),
      secrets: [env.registry.password],
      inputs: { ...login, image: repo }
    })
    expect(r.main.exitCode === 0 ? '' : r.main.log).toBe('')
    const layers = await layerTexts(repo, 'latest')
    expect(layers.some(t => t.includes('src/app.txt'))).toBe(true)
    expect(layers.filter(t => t.includes(header) || t.includes('extraheader'))).toEqual([])
  })
})

describe('a secret in a build arg', () => {
  it('gets a warning naming the build arg, never its value, and pointing to secrets', async () => {
    const repo = uniqueRepo('secret-arg')
    const r = await runAction({
      workspace: makeWorkspace({ Dockerfile: `FROM ${env.baseImage}\nARG TOKEN\nARG PORT\nRUN test -n "$TOKEN"\n` }),
      payload: pushPayload(),
      secrets: [env.registry.password],
      inputs: { ...login, image: repo, 'build-args': `TOKEN=${env.registry.password}\nPORT=8080` }
    })
    expect(r.main.exitCode === 0 ? '' : r.main.log).toBe('')
    const warnings = annotationsOf(r, 'warning')
    expect(warnings.map(w => w.message)).toEqual([expect.stringMatching(/^Build arg TOKEN holds a secret input's value.*"secrets"/)])
    expect(JSON.stringify(r.main.commands.filter(c => c.command === 'warning'))).not.toContain(env.registry.password)
  })
})

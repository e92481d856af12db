// What a pull request controls (its compose file, its Dockerfile, its branch name) must not turn
// into workflow commands of the step, and its code must not reach the registry by surprise.
import { pushPayload } from './support/payloads.js'
import { readE2EEnv } from './support/registry.js'
import { annotationsOf, cleanupRuns, runAction, type RunResult } from './support/runner.js'
import { makeWorkspace, uniqueRepo } from './support/workspace.js'

const env = readE2EEnv()
const host = env.registry.host

afterAll(async () => {
  await cleanupRuns()
})

const login = { registry: host, username: env.registry.user, password: env.registry.password }

/** Every trace of an injected command in a run: annotations, masks, commands. */
function injected(r: RunResult): string[] {
  return [
    ...r.main.commands
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

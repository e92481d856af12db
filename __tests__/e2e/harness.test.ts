// Self-tests of the runner emulation (support/runner.ts). Need neither dist/ nor Docker: they run
// a throwaway script written to a temp dir outside the repository.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parse as parseYaml } from 'yaml'
import {
  REPO_ROOT,
  annotationsOf,
  cleanupRuns,
  inputEnvName,
  maskSecrets,
  maskVariants,
  parseFileCommands,
  parseWorkflowCommand,
  pullRequestPayload,
  postCondition,
  pushPayload,
  releasePayload,
  runAction,
  schedulePayload,
  workflowDispatchPayload,
  type RunResult
} from './support/runner.js'
import { parseEnvFile, platformMatches, readE2EEnv } from './support/registry.js'

// The fake action. It reports what it saw in <workspace>/seen-<stage>.json.
const SCRIPT = String.raw`
import fs from 'node:fs'
import { randomUUID } from 'node:crypto'
const stage = process.env.STATE_isPost ? 'post' : 'main'
const out = (s) => process.stdout.write(s + '\n')
const mode = process.env.HARNESS_MODE || 'default'
fs.writeFileSync(process.env.GITHUB_WORKSPACE + '/seen-' + stage + '.json', JSON.stringify({
  env: process.env,
  cwd: process.cwd(),
  stateFileSize: fs.statSync(process.env.GITHUB_STATE).size,
  outputFileSize: fs.statSync(process.env.GITHUB_OUTPUT).size
}))
const heredoc = (file, name, value) => {
  const d = 'ghadelimiter_' + randomUUID()
  fs.appendFileSync(file, name + '<<' + d + '\n' + value + '\n' + d + '\n')
}
if (mode === 'sleep') {
  out('sleeping')
  setTimeout(() => out('woke up'), 60000)
} else if (mode === 'badfile') {
  fs.appendFileSync(process.env.GITHUB_OUTPUT, 'a<<EOF\nno end\n')
} else if (stage === 'main') {
  out('early s3cret')
  out('::add-mask::s3cret')
  out('value s3cret')
  process.stderr.write('err s3cret\n')
  out('::error file=src/a.ts,line=3,title=Bad%2C really::boom%0Asecond line')
  out('  ::warning::careful')
  out('::group::Details')
  out('inside')
  out('::endgroup::')
  out('::debug::hidden debug')
  out('::notacommand::kept')
  out('partial line without newline then CR\rafter-cr')
  heredoc(process.env.GITHUB_OUTPUT, 'a', 'line1\nline2')
  fs.appendFileSync(process.env.GITHUB_OUTPUT, 'b=plain=value\n')
  heredoc(process.env.GITHUB_STATE, 'isPost', 'true')
  heredoc(process.env.GITHUB_STATE, 'x', '1')
  heredoc(process.env.GITHUB_ENV, 'FROM_MAIN', 'yes')
  fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, '# Summary\n')
  process.stdout.write('no trailing newline')
  process.exitCode = Number(process.env.MAIN_EXIT || 0)
} else {
  out('post got x=' + process.env.STATE_x + ' dry-run=' + process.env['INPUT_DRY-RUN'])
  out('post s3cret')
  process.exitCode = Number(process.env.POST_EXIT || 0)
}
`

let scratch: string
let script: string
const runs: RunResult[] = []

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'docker-ship-harness-'))
  script = path.join(scratch, 'fake-action.mjs')
  fs.writeFileSync(script, SCRIPT)
})

afterEach(async () => {
  await Promise.all(runs.splice(0).map(r => r.cleanup()))
})

afterAll(async () => {
  await cleanupRuns()
  fs.rmSync(scratch, { recursive: true, force: true })
})

type Seen = { env: Record<string, string>; cwd: string; stateFileSize: number; outputFileSize: number }
function seen(r: RunResult, stage: 'main' | 'post'): Seen {
  return JSON.parse(fs.readFileSync(path.join(r.dirs.workspace, `seen-${stage}.json`), 'utf8')) as Seen
}

async function run(opts: Parameters<typeof runAction>[0] = {}): Promise<RunResult> {
  // The fake action wants its post step every time, whatever the real action.yml's post-if says,
  // and with the real action.yml (whose post entry is the action's own) runs its script there too.
  const postEntry = opts.actionYml === undefined ? script : undefined
  const r = await runAction({ entry: script, postEntry, timeoutMs: 30_000, postIf: 'always()', ...opts })
  runs.push(r)
  return r
}

describe('inputs', () => {
  test('every action.yml input becomes INPUT_<NAME>: given value, else its default; hyphens kept', async () => {
    const r = await run({ inputs: { 'dry-run': 'true', tags: 'edge' } })
    const env = seen(r, 'main').env
    const manifest = parseYaml(fs.readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as {
      inputs: Record<string, { default?: string }>
    }
    const names = Object.keys(manifest.inputs)
    expect(names.length).toBeGreaterThan(5)
    const inputVars = Object.keys(env)
      .filter(k => k.startsWith('INPUT_'))
      .sort()
    expect(inputVars).toEqual(names.map(n => `INPUT_${n.toUpperCase()}`).sort())
    expect(env.INPUT_REGISTRY).toBe('docker.io')
    expect(env.INPUT_PUSH).toBe('auto')
    expect(env.INPUT_CONTEXT).toBe('.')
    expect(env['INPUT_DRY-RUN']).toBe('true')
    expect(env.INPUT_TAGS).toBe('edge')
    expect(env['INPUT_BUILD-ARGS']).toBe('')
    expect(env.INPUT_DRY_RUN).toBeUndefined()
    // ${{ github.token }} default -> the fake token, which is masked
    expect(env['INPUT_GITHUB-TOKEN']).toBe(r.token)
    expect(r.token).toMatch(/^ghs_[A-Za-z0-9_-]{36}$/)
    expect(r.masks).toContain(r.token)
  })

  test('spaces become underscores, github.* defaults are evaluated, unknown inputs warn', async () => {
    const yml = path.join(scratch, 'custom-action.yml')
    fs.writeFileSync(
      yml,
      [
        'name: custom',
        'inputs:',
        '  my input:',
        "    default: 'repo=${{ github.repository }} ref=${{ github.ref_name }}'",
        '  secretish:',
        "    default: '${{ secrets.SOMETHING }}'",
        '  no-default:',
        '    description: none',
        'runs:',
        "  using: 'node24'",
        "  main: 'index.js'",
        ''
      ].join('\n')
    )
    const r = await run({ actionYml: yml, inputs: { Bogus: 'x' }, ref: 'refs/heads/dev' })
    const env = seen(r, 'main').env
    expect(inputEnvName('my input')).toBe('INPUT_MY_INPUT')
    expect(env.INPUT_MY_INPUT).toBe('repo=octo-org/Hello-App ref=dev')
    expect(env.INPUT_SECRETISH).toBe('')
    expect(env['INPUT_NO-DEFAULT']).toBe('')
    expect(env.INPUT_BOGUS).toBe('x')
    const warnings = annotationsOf(r.main, 'warning').filter(a => a.source === 'runner')
    expect(warnings.map(w => w.message)).toEqual([expect.stringContaining("Unexpected input(s) 'Bogus'")])
    // no runs.post in this action.yml: no post step
    expect(r.post).toBeUndefined()
  })
})

describe('environment', () => {
  test('GITHUB_*/RUNNER_* of a push, cwd = workspace, HOME = run home, event file = payload', async () => {
    const payload = pushPayload({ ref: 'refs/heads/main', sha: 'abababababababababababababababababababab' })
    const r = await run({ payload, env: { DOCKER_HOST: 'unix:///tmp/x.sock' } })
    const s = seen(r, 'main')
    const env = s.env
    expect(s.cwd).toBe(r.dirs.workspace)
    expect(env.GITHUB_WORKSPACE).toBe(r.dirs.workspace)
    expect(env.HOME).toBe(r.dirs.home)
    expect(env.HOME).not.toBe(os.homedir())
    expect(env.DOCKER_HOST).toBe('unix:///tmp/x.sock')
    expect(env).toMatchObject({
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_TEMP: r.dirs.runnerTemp,
      RUNNER_TOOL_CACHE: r.dirs.toolCache,
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_REF_NAME: 'main',
      GITHUB_REF_TYPE: 'branch',
      GITHUB_SHA: 'abababababababababababababababababababab',
      GITHUB_REPOSITORY: 'octo-org/Hello-App',
      GITHUB_REPOSITORY_OWNER: 'octo-org',
      GITHUB_ACTOR: 'octocat',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: 'http://127.0.0.1:9/fake-github-api',
      GITHUB_HEAD_REF: '',
      GITHUB_BASE_REF: ''
    })
    for (const k of ['GITHUB_RUN_ID', 'GITHUB_RUN_NUMBER', 'GITHUB_JOB', 'GITHUB_ACTION']) expect(env[k]).toMatch(/\S/)
    expect(env.PATH).toBe(process.env.PATH)
    for (const k of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_ENV', 'GITHUB_STEP_SUMMARY', 'GITHUB_PATH']) {
      expect(env[k]).toContain(path.join(r.dirs.runnerTemp, '_runner_file_commands'))
    }
    expect(s.outputFileSize).toBe(0)
    expect(JSON.parse(fs.readFileSync(env.GITHUB_EVENT_PATH!, 'utf8'))).toEqual(payload)
    expect(env.GITHUB_EVENT_PATH).toBe(r.dirs.files.eventPath)
    // realistic push payload shape
    expect(payload).toMatchObject({
      repository: { name: 'Hello-App', full_name: 'octo-org/Hello-App', owner: { login: 'octo-org' }, default_branch: 'main' },
      head_commit: { id: 'abababababababababababababababababababab' }
    })
    expect(typeof (payload.repository as { created_at: unknown }).created_at).toBe('number')
  })

  test('pull_request: refs/pull/N/merge, N/merge, head/base refs; fork payload', async () => {
    const payload = pullRequestPayload({ number: 12, fork: true, headRef: 'fix/x', baseRef: 'main' })
    const r = await run({ eventName: 'pull_request', payload, post: false })
    const env = seen(r, 'main').env
    expect(env).toMatchObject({
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_REF: 'refs/pull/12/merge',
      GITHUB_REF_NAME: '12/merge',
      GITHUB_REF_TYPE: 'branch',
      GITHUB_HEAD_REF: 'fix/x',
      GITHUB_BASE_REF: 'main'
    })
    const pr = payload.pull_request as {
      head: { sha: string; repo: { fork: boolean; full_name: string } }
      base: { repo: { full_name: string } }
    }
    expect(env.GITHUB_SHA).not.toBe(pr.head.sha) // GITHUB_SHA is the merge commit
    expect(pr.head.repo).toMatchObject({ fork: true, full_name: 'octo-contributor/Hello-App' })
    expect(pr.base.repo.full_name).toBe('octo-org/Hello-App')
  })

  test('release and tag push give refs/tags/<tag> with ref_type tag; other payload builders', async () => {
    const r = await run({ eventName: 'release', payload: releasePayload({ tag: 'v2.0.0-rc.1', prerelease: true }), post: false })
    expect(seen(r, 'main').env).toMatchObject({
      GITHUB_REF: 'refs/tags/v2.0.0-rc.1',
      GITHUB_REF_NAME: 'v2.0.0-rc.1',
      GITHUB_REF_TYPE: 'tag'
    })
    const t = await run({ payload: pushPayload({ ref: 'refs/tags/v1.0.0' }), post: false })
    expect(seen(t, 'main').env).toMatchObject({ GITHUB_REF_NAME: 'v1.0.0', GITHUB_REF_TYPE: 'tag' })
    expect(schedulePayload({ minimal: true })).toEqual({ schedule: '0 3 * * *' })
    expect(workflowDispatchPayload({ inputs: { a: '1' } })).toMatchObject({ inputs: { a: '1' }, ref: 'refs/heads/main' })
    const s = await run({ eventName: 'schedule', post: false })
    expect(seen(s, 'main').env).toMatchObject({ GITHUB_EVENT_NAME: 'schedule', GITHUB_REF: 'refs/heads/main' })
  })

  test('eventPath null leaves GITHUB_EVENT_PATH unset; a given path is used as is', async () => {
    const a = await run({ eventPath: null, post: false })
    expect(seen(a, 'main').env.GITHUB_EVENT_PATH).toBeUndefined()
    const missing = path.join(scratch, 'does-not-exist.json')
    const b = await run({ eventPath: missing, post: false })
    expect(seen(b, 'main').env.GITHUB_EVENT_PATH).toBe(missing)
    expect(fs.existsSync(missing)).toBe(false)
  })

  test("the test process's INPUT_/STATE_/GITHUB_/RUNNER_ variables and NODE_OPTIONS do not leak", async () => {
    const leak = {
      INPUT_LEAKED: 'x',
      'INPUT_DRY-RUN': 'leaked',
      STATE_isPost: 'leaked',
      GITHUB_LEAKED: 'x',
      RUNNER_LEAKED: 'x',
      NODE_OPTIONS: '--no-warnings',
      SOME_RANDOM_VAR: 'x'
    }
    const saved: Record<string, string | undefined> = {}
    for (const [k, v] of Object.entries(leak)) {
      saved[k] = process.env[k]
      process.env[k] = v
    }
    let r: RunResult
    try {
      r = await run({ inputs: { 'dry-run': 'false' } })
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
      }
    }
    const main = seen(r, 'main').env
    for (const k of ['INPUT_LEAKED', 'GITHUB_LEAKED', 'RUNNER_LEAKED', 'NODE_OPTIONS', 'SOME_RANDOM_VAR', 'STATE_isPost']) {
      expect(main[k]).toBeUndefined()
    }
    expect(main['INPUT_DRY-RUN']).toBe('false')
    expect(r.main.stdout).toContain('value s3cret') // STATE_isPost did not leak: the main branch ran
  })
})

describe('post-if', () => {
  test.each<[string, 'success' | 'failure', boolean]>([
    ['always()', 'success', true],
    ['', 'failure', true],
    ['success()', 'failure', false],
    ['failure()', 'failure', true],
    ['failure() || cancelled()', 'success', false],
    ['failure() || cancelled()', 'failure', true],
    ['cancelled()', 'failure', false]
  ])('%s after a main that ended in %s: %s', (expr, conclusion, expected) => {
    expect(postCondition(expr, conclusion)).toBe(expected)
  })

  test('refuses what it cannot evaluate instead of guessing', () => {
    expect(() => postCondition("github.event_name == 'push'", 'success')).toThrow(/knows only/)
  })

  test("the action's own post-if skips the post step after a successful main and runs it after a failed one", async () => {
    const ok = await run({ postIf: undefined, inputs: { 'dry-run': 'false' } })
    expect(ok.main.conclusion).toBe('success')
    expect(ok.post).toBeUndefined()
    const failed = await run({ postIf: undefined, env: { MAIN_EXIT: '3' } })
    expect(failed.post?.log).toContain('post got x=1')
  })
})

describe('file commands and post', () => {
  test('outputs/state/env parsed; post gets STATE_*, GITHUB_ENV of main and fresh files', async () => {
    const r = await run({ inputs: { 'dry-run': 'true' } })
    expect(r.main.exitCode).toBe(0)
    expect(r.main.conclusion).toBe('success')
    expect(r.outputs).toEqual({ a: 'line1\nline2', b: 'plain=value' })
    expect(r.state).toEqual({ isPost: 'true', x: '1' })
    expect(r.envFile).toEqual({ FROM_MAIN: 'yes' })
    expect(r.summary).toBe('# Summary\n')
    expect(r.post).toBeDefined()
    const post = seen(r, 'post')
    expect(post.env.STATE_x).toBe('1')
    expect(post.env.STATE_isPost).toBe('true')
    expect(post.env.FROM_MAIN).toBe('yes')
    expect(post.env['INPUT_DRY-RUN']).toBe('true')
    expect(post.env.INPUT_REGISTRY).toBe('docker.io')
    expect(post.env.GITHUB_STATE).not.toBe(r.dirs.files.state)
    expect(post.env.GITHUB_OUTPUT).not.toBe(r.dirs.files.output)
    expect(post.stateFileSize).toBe(0)
    expect(post.outputFileSize).toBe(0)
    expect(seen(r, 'main').env.STATE_x).toBeUndefined()
    expect(r.post!.stdout).toContain('post got x=1 dry-run=true')
  })

  test('a malformed GITHUB_OUTPUT fails the step like the runner', async () => {
    const r = await run({ env: { HARNESS_MODE: 'badfile' }, post: false })
    expect(r.main.exitCode).toBe(0)
    expect(r.main.conclusion).toBe('failure')
    expect(r.main.fileCommandErrors).toEqual([expect.stringContaining("Matching delimiter not found 'EOF'")])
    expect(r.main.log).toContain("##[error]Unable to process file command 'output' successfully.")
  })

  test('parseFileCommands: heredoc, plain, empty value, errors', () => {
    expect(parseFileCommands('a<<X\n1\n2\nX\nb=c=d\n\ne<<Y\nY\n')).toEqual({ a: '1\n2', b: 'c=d', e: '' })
    // on Linux the runner splits on \n only: CRLF files keep a \r in names, delimiters and values
    expect(parseFileCommands('a<<X\r\nv\r\nX\r\n')).toEqual({ a: 'v\r' })
    expect(() => parseFileCommands('a<<X\nv\n')).toThrow(/Matching delimiter not found 'X'/)
    expect(parseFileCommands('a<<X\nv\nX')).toEqual({ a: 'v' }) // delimiter at EOF needs no newline
    expect(() => parseFileCommands('a<<X\nv')).toThrow(/EOF marker missing new line/)
    expect(() => parseFileCommands('justtext\n')).toThrow(/Invalid format/)
  })
})

describe('output, commands and masks', () => {
  test('log masks add-mask values from then on (also stderr, also in post), raw output kept', async () => {
    const r = await run()
    const log = r.main.log
    expect(r.masks).toContain('s3cret')
    expect(log).toContain('early s3cret') // printed before the mask: not masked
    expect(log).toContain('value ***')
    expect(log).toContain('err ***')
    expect(log).not.toMatch(/value s3cret|err s3cret/)
    expect(log).not.toContain('add-mask') // never echoed
    expect(r.main.stdout).toContain('value s3cret')
    expect(r.main.stderr).toContain('err s3cret')
    expect(r.post!.log).toContain('post ***')
    expect(r.post!.log).not.toContain('s3cret')
  })

  test('workflow commands are parsed and rendered like the runner', async () => {
    const r = await run({ post: false })
    const cmds = r.main.commands.map(c => c.command)
    expect(cmds).toEqual(['add-mask', 'error', 'warning', 'group', 'endgroup', 'debug'])
    const err = r.main.commands.find(c => c.command === 'error')!
    expect(err.properties).toEqual({ file: 'src/a.ts', line: '3', title: 'Bad, really' })
    expect(err.message).toBe('boom\nsecond line')
    expect(r.main.commands.find(c => c.command === 'add-mask')!.stream).toBe('stdout')
    const lines = r.main.log.split('\n')
    expect(lines).toEqual(
      expect.arrayContaining([
        '##[error]boom\nsecond line'.split('\n')[0]!,
        '##[warning]careful',
        '##[group]Details',
        'inside',
        '##[endgroup]',
        '::notacommand::kept'
      ])
    )
    expect(r.main.log).not.toContain('hidden debug')
    // lone CR splits lines like .NET ReadLine; a last line without newline is kept
    expect(lines).toEqual(expect.arrayContaining(['partial line without newline then CR', 'after-cr', 'no trailing newline']))
    expect(annotationsOf(r.main, 'error')).toEqual([
      expect.objectContaining({ level: 'error', message: 'boom\nsecond line', source: 'action' })
    ])
    const dbg = await run({ post: false, debug: true })
    expect(dbg.main.log).toContain('##[debug]hidden debug')
  })

  test('pure helpers: command parsing, mask encodings and range merging', () => {
    expect(parseWorkflowCommand('::ERROR title=a%3Ab::x%25y')).toEqual({ command: 'error', properties: { title: 'a:b' }, message: 'x%y' })
    expect(parseWorkflowCommand('::unknown::x')).toBeNull()
    expect(parseWorkflowCommand('text ##[warning]old style')).toEqual({ command: 'warning', properties: {}, message: 'old style' })
    expect(parseWorkflowCommand('no command here')).toBeNull()
    expect(maskSecrets('ab s3crets3cret cd', ['s3cret'])).toBe('ab *** cd')
    expect(maskSecrets('xx', ['s3cret'])).toBe('xx')
    const v = maskVariants('p@ss"w0rd')
    expect(v).toEqual(expect.arrayContaining(['p@ss"w0rd', Buffer.from('p@ss"w0rd').toString('base64'), 'p%40ss%22w0rd', 'p@ss\\"w0rd']))
    expect(maskSecrets(`auth=${Buffer.from('p@ss"w0rd').toString('base64')}`, v)).toBe('auth=***')
  })

  test('secrets option masks from the start', async () => {
    const r = await run({ secrets: ['early'], post: false })
    expect(r.main.log).toContain('*** s3cret')
    expect(r.main.log).not.toContain('early')
  })
})

describe('exit codes and post condition', () => {
  test('exit codes are kept and post still runs after a failed main (post-if: always())', async () => {
    const r = await run({ env: { MAIN_EXIT: '3', POST_EXIT: '5' } })
    expect(r.main.exitCode).toBe(3)
    expect(r.main.conclusion).toBe('failure')
    expect(r.post).toBeDefined()
    expect(r.post!.exitCode).toBe(5)
    expect(r.post!.stdout).toContain('post got x=1')
  })

  test('post: false skips the post step', async () => {
    const r = await run({ post: false })
    expect(r.post).toBeUndefined()
    expect(fs.existsSync(path.join(r.dirs.workspace, 'seen-post.json'))).toBe(false)
  })

  test('a step running past its timeout is killed', async () => {
    const r = await run({ env: { HARNESS_MODE: 'sleep' }, timeoutMs: 1500, post: false })
    expect(r.main.timedOut).toBe(true)
    expect(r.main.conclusion).toBe('failure')
    expect(r.main.stdout).toContain('sleeping')
    expect(r.main.stdout).not.toContain('woke up')
    expect(r.main.durationMs).toBeLessThan(15_000)
  })

  test('cleanup removes the temp dirs of a run', async () => {
    const r = await runAction({ entry: script, post: false })
    expect(fs.existsSync(r.dirs.root!)).toBe(true)
    await r.cleanup()
    expect(fs.existsSync(r.dirs.root!)).toBe(false)
  })
})

describe('registry support (no registry needed)', () => {
  test('readE2EEnv parses the env file and explains a missing one', () => {
    const saved = process.env.E2E_STATE_DIR
    const dir = fs.mkdtempSync(path.join(scratch, 'state-'))
    try {
      process.env.E2E_STATE_DIR = path.join(dir, 'nope')
      expect(() => readE2EEnv()).toThrow(/npm run e2e:env/)
      process.env.E2E_STATE_DIR = dir
      fs.writeFileSync(
        path.join(dir, 'env'),
        'E2E_REGISTRY=127.0.0.1:5000\nE2E_REGISTRY_USER=ci-user\nE2E_REGISTRY_PASSWORD=a=b\nE2E_REGISTRY2=127.0.0.1:5001\n' +
          'E2E_REGISTRY2_USER=u2\nE2E_REGISTRY2_PASSWORD=p2\nE2E_BASE_IMAGE=e2e/busybox:latest\n'
      )
      const env = readE2EEnv()
      expect(env.registry).toEqual({ host: '127.0.0.1:5000', user: 'ci-user', password: 'a=b' })
      expect(env.registry2).toEqual({ host: '127.0.0.1:5001', user: 'u2', password: 'p2' })
      expect(env.baseImage).toBe('e2e/busybox:latest')
      expect(env.remoteDockerHost).toBeUndefined()
    } finally {
      if (saved === undefined) delete process.env.E2E_STATE_DIR
      else process.env.E2E_STATE_DIR = saved
    }
    expect(parseEnvFile('# c\nA=1\n\nB= x \n')).toEqual({ A: '1', B: ' x ' })
    expect(platformMatches({ os: 'linux', architecture: 'arm64' }, 'linux/arm64/v8')).toBe(true)
    expect(platformMatches({ os: 'linux', architecture: 'arm', variant: 'v7' }, 'linux/arm/v6')).toBe(false)
  })
})

describe('RegistryClient against a stub registry', () => {
  test('tags, catalog, manifest digest, index -> image config, platforms, Basic auth', async () => {
    const { createServer } = await import('node:http')
    const { createHash } = await import('node:crypto')
    const { RegistryClient } = await import('./support/registry.js')
    const sha = (s: string): string => `sha256:${createHash('sha256').update(s).digest('hex')}`
    const config = JSON.stringify({ architecture: 'arm64', os: 'linux', config: { Labels: { a: 'b' } } })
    const image = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: []
    })
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: sha('att'),
          size: 3,
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: { 'vnd.docker.reference.type': 'attestation-manifest' }
        },
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: sha(image),
          size: image.length,
          platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }
        }
      ]
    })
    const auth = `Basic ${Buffer.from('u:p').toString('base64')}`
    const server = createServer((req, res) => {
      if (req.headers.authorization !== auth) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}')
        return
      }
      const url = req.url ?? ''
      const send = (type: string, body: string, digest?: string): void => {
        res.writeHead(200, { 'content-type': type, ...(digest ? { 'docker-content-digest': digest } : {}) }).end(body)
      }
      if (url.startsWith('/v2/_catalog')) return send('application/json', '{"repositories":["team/app"]}')
      if (url.startsWith('/v2/team/app/tags/list')) return send('application/json', '{"name":"team/app","tags":["v1","edge"]}')
      if (url === '/v2/team/app/manifests/v1') {
        expect(req.headers.accept).toContain('application/vnd.oci.image.index.v1+json')
        return send('application/vnd.oci.image.index.v1+json', index, sha(index))
      }
      if (url === `/v2/team/app/manifests/${sha(image)}`) return send('application/vnd.oci.image.manifest.v1+json', image, sha(image))
      if (url === `/v2/team/app/blobs/${sha(config)}`) return send('application/octet-stream', config)
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"NAME_UNKNOWN"}]}')
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    try {
      const port = (server.address() as { port: number }).port
      const reg = new RegistryClient({ host: `127.0.0.1:${port}`, user: 'u', password: 'p' })
      expect(await reg.catalog()).toEqual(['team/app'])
      expect(await reg.tags('team/app')).toEqual(['edge', 'v1'])
      expect(await reg.tags('team/missing')).toEqual([])
      const m = await reg.manifest('team/app', 'v1')
      expect(m).toMatchObject({ digest: sha(index), isIndex: true, mediaType: 'application/vnd.oci.image.index.v1+json' })
      expect(m.computedDigest).toBe(m.digest)
      expect((await reg.imageConfig('team/app', 'v1')).config?.Labels).toEqual({ a: 'b' })
      expect((await reg.imageConfig('team/app', 'v1', 'linux/arm64')).architecture).toBe('arm64')
      await expect(reg.imageConfig('team/app', 'v1', 'linux/amd64')).rejects.toThrow(/no image for linux\/amd64 \(has: linux\/arm64\/v8\)/)
      expect(await reg.platforms('team/app', 'v1')).toEqual(['linux/arm64/v8'])
      expect(await reg.exists('team/app', 'v1')).toBe(true)
      const anon = new RegistryClient({ host: `127.0.0.1:${port}` })
      await expect(anon.tags('team/app')).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' })
    } finally {
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  })
})

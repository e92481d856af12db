// The action as the runner runs it: dist/index.js's main step with INPUT_*, GITHUB_* and fresh
// file-command files, then its post step (when action.yml's post-if says so) with main's STATE_*;
// and the workspaces (build contexts) it runs in.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { ENTRY, REPO, fail } from './common.mjs'
import { BASE_ENV, engineEnv, must, rmrf, run, tempDir, wallNs } from './proc.mjs'

export function makeWorkspace(files) {
  const dir = tempDir('ws')
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content)
  return dir
}

export const smallFiles = (ctx, tag) => ({
  Dockerfile: [
    `FROM ${ctx.base}`,
    `RUN echo ${tag} > /bench-id`,
    'RUN i=0; s=0; while [ $i -lt 20000 ]; do s=$(( (s + i * i) % 1000003 )); i=$((i+1)); done; echo $s > /sum',
    'COPY app.txt /app.txt',
    ''
  ].join('\n'),
  'app.txt': `hello from ${tag}\n`
})

/**
 * Whether the runner runs the post step after a main that succeeded or not: action.yml's
 * `post-if`, status functions joined by `||` (no job of the bench is ever cancelled).
 */
function postRuns(mainSucceeded) {
  const text = fs.readFileSync(path.join(REPO, 'action.yml'), 'utf8')
  const expr =
    /^ {2}post-if:\s*(.*)$/m
      .exec(text)?.[1]
      ?.trim()
      .replace(/^(['"])(.*)\1$/, '$2') ?? 'always()'
  const status = { 'always()': true, 'success()': mainSucceeded, 'failure()': !mainSucceeded, 'cancelled()': false }
  return expr.split('||').some(t => {
    const v = status[t.replace(/\s+/g, '')]
    if (v === undefined) fail(`action.yml post-if "${expr}": the bench knows only ${Object.keys(status).join(', ')} joined by ||`)
    return v
  })
}

/** Inputs of action.yml with the default each gets from the runner (every input gets an INPUT_*). */
export async function actionInputs() {
  const text = fs.readFileSync(path.join(REPO, 'action.yml'), 'utf8')
  let inputs = {}
  try {
    const YAML = (await import('yaml')).default
    for (const [name, spec] of Object.entries(YAML.parse(text).inputs ?? {})) inputs[name] = String(spec?.default ?? '')
  } catch {
    // No yaml package: the flat layout of action.yml is enough for a small reader.
    inputs = {}
    const block = text.split(/^inputs:\s*$/m)[1]?.split(/^\S/m)[0] ?? ''
    for (const m of block.matchAll(/^ {2}([A-Za-z0-9_-]+):\s*\n((?: {4}.*\n?)*)/gm)) {
      const d = /^ {4}default:\s*(.*)$/m.exec(m[2])?.[1]?.trim() ?? ''
      inputs[m[1]] = d.startsWith("'") ? d.slice(1, -1).replace(/''/g, "'") : d.startsWith('"') ? JSON.parse(d) : d
    }
  }
  for (const need of ['registry', 'username', 'password', 'image', 'build-args']) {
    if (!(need in inputs)) fail(`action.yml has no input ${need}: is this the Docker Ship repo?`)
  }
  return inputs
}

/** `NAME<<DELIM` ... `DELIM` and `NAME=value` lines of a GITHUB_OUTPUT / GITHUB_STATE file. */
function parseFileCommands(file) {
  const out = {}
  let text = ''
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    return out
  }
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i])
    if (heredoc) {
      const value = []
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i])
      out[heredoc[1]] = value.join('\n')
    } else if (lines[i].includes('=')) {
      out[lines[i].slice(0, lines[i].indexOf('='))] = lines[i].slice(lines[i].indexOf('=') + 1)
    }
  }
  return out
}

/** Event payload of a push to the default branch; no label value it yields holds a space. */
function pushPayload(sha, ref) {
  return {
    ref,
    before: '0'.repeat(40),
    after: sha,
    repository: {
      name: 'app',
      full_name: 'bench/app',
      default_branch: 'main',
      html_url: 'https://github.com/bench/app',
      description: 'docker-ship-bench',
      license: { spdx_id: 'MIT' }
    },
    // A fixed commit time: the `created` label, so the image config, is the same on every run.
    head_commit: { id: sha, timestamp: '2026-01-01T00:00:00Z' }
  }
}

/**
 * Runs dist/index.js as the runner runs a node action: main with INPUT_* (hyphens kept) for every
 * input, GITHUB_* variables and fresh file-command files, then post with STATE_* from main's
 * GITHUB_STATE file and fresh files. `shim` puts a docker shim first on PATH; `env` is the step's
 * own environment (e.g. DOCKER_HOST); `ref` the pushed ref (a git tag: refs/tags/v1.0.0).
 */
export async function runAction(ctx, { workspace, inputs, shim, env: stepEnv = {}, timeoutMs = 180_000, ref = 'refs/heads/main' }) {
  const job = tempDir('job')
  const home = path.join(job, 'home')
  const runnerTemp = path.join(job, 'temp')
  fs.mkdirSync(home)
  fs.mkdirSync(runnerTemp)
  const sha = ctx.sha
  const eventPath = path.join(job, 'event.json')
  fs.writeFileSync(eventPath, JSON.stringify(pushPayload(sha, ref)))
  const base = BASE_ENV()
  if (shim) base.PATH = `${shim.dir}:${base.PATH}`
  Object.assign(base, engineEnv(ctx), stepEnv)
  const github = {
    HOME: home,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: runnerTemp,
    GITHUB_WORKSPACE: workspace,
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REF: ref,
    GITHUB_REF_NAME: ref.replace(/^refs\/(heads|tags)\//, ''),
    GITHUB_REF_TYPE: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    GITHUB_SHA: sha,
    GITHUB_REPOSITORY: 'bench/app',
    GITHUB_REPOSITORY_OWNER: 'bench',
    GITHUB_ACTOR: 'bench',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_ACTION: 'docker-ship',
    GITHUB_RUN_ID: '1',
    GITHUB_JOB: 'bench'
  }
  const inputEnv = {}
  for (const [name, def] of Object.entries(ctx.inputDefaults)) {
    const value = name in inputs ? inputs[name] : def === '${{ github.token }}' ? ctx.fakeToken : def
    inputEnv[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = String(value)
  }
  const stepFiles = stage => {
    const dir = path.join(job, `files-${stage}`)
    fs.mkdirSync(dir)
    const f = {}
    for (const k of ['OUTPUT', 'STATE', 'ENV', 'PATH', 'STEP_SUMMARY']) {
      f[`GITHUB_${k}`] = path.join(dir, k.toLowerCase())
      fs.writeFileSync(f[`GITHUB_${k}`], '')
    }
    return f
  }
  try {
    const mainFiles = stepFiles('main')
    const main = await run(process.execPath, [ENTRY], { env: { ...base, ...inputEnv, ...github, ...mainFiles }, cwd: workspace, timeoutMs })
    const state = parseFileCommands(mainFiles.GITHUB_STATE)
    const outputs = parseFileCommands(mainFiles.GITHUB_OUTPUT)
    const stateEnv = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]))
    // The runner skips the post step when post-if says so (main cleaned up after itself).
    const post = postRuns(main.code === 0 && !main.timedOut)
      ? await run(process.execPath, [ENTRY], {
          env: { ...base, ...stateEnv, ...inputEnv, ...github, ...stepFiles('post') },
          cwd: workspace,
          timeoutMs: 60_000
        })
      : {
          code: 0,
          signal: null,
          stdout: '',
          stderr: '',
          ms: 0,
          wallStartNs: wallNs(),
          timedOut: false,
          skipped: true,
          cmd: 'post (skipped)'
        }
    const ok = main.code === 0 && post.code === 0 && !main.timedOut && !post.timedOut
    const log = `${main.stdout}\n${main.stderr}`
    const buildLine = log.split('\n').find(l => /^\[command\]\S*docker buildx build /.test(l)) ?? ''
    return { ok, main, post, ms: main.ms + post.ms, outputs, log, buildLine, postLog: `${post.stdout}\n${post.stderr}` }
  } finally {
    rmrf(job)
  }
}

export function mustAction(r, what) {
  if (r.ok) return r
  const failed = r.main.code !== 0 || r.main.timedOut ? r.main : r.post
  must(failed, `${what} (${failed === r.main ? 'main' : 'post'} step)`)
  return r
}

// Benchmarks of the Docker Ship action on this machine, against the raw docker CLI doing the same
// work. Needs the engine and registry of scripts/e2e-env.sh (run it first) and a built dist/.
//
//   node scripts/bench/main.mjs                      every section, full counts (~5-8 min on 2 cores)
//   node scripts/bench/main.mjs --quick              fewer runs: a smoke check of the bench itself
//   node scripts/bench/main.mjs --only startup,large some sections: overhead, rebuild, startup, large
//   node scripts/bench/main.mjs --out FILE           where the JSON goes (default bench/results.json for a
//                                                    full run, bench/results-partial.json otherwise)
//
// Sections (each figure is printed with its target; exit code 0 even when a target is missed,
// 2 when the bench itself failed):
//   overhead  the whole action (main + post, run as the runner runs it) vs `docker login
//             --password-stdin` + the action's exact `buildx build --push` argv + `docker logout`,
//             on a fully cached build: interleaved pairs, medians, ratio (target <= 1.5).
//   rebuild   cold build + push, wipe the engine (bench images, base image, the whole build cache,
//             as a fresh runner has none), rebuild the unchanged context with default inputs:
//             warm/cold time (target <= 0.2) and layer blobs uploaded by the warm run, from the
//             registry log (target 0). Each cycle also does the same with the raw CLI and the
//             action's argv on a twin repository: the ratio the engine alone reaches with this
//             Dockerfile. Medians of 3 cycles, the action and the raw CLI in turn. When
//             scripts/e2e-env.sh ran with --classic-engine, the same again on a dockerd with the
//             classic image store (GitHub-hosted runners' Docker): inline cache there.
//   startup   dist/ size (target <= 1 MB) and the time from spawning node to the first request
//             to the engine (target <= 100 ms): a docker command, seen by a `docker` shim first on
//             PATH, or an API request of the action itself (its GET /info probe), seen by a proxy
//             socket given as DOCKER_HOST; the first docker command apart, and a breakdown.
//   large     >= 200 MB of layers, cache busted per run, interleaved pairs: the median of the pairs'
//             (action - raw CLI) over the raw CLI's median (target < 2 %), and the difference of the
//             medians beside it; both sides run docker through the same shim, which times the
//             build itself, so the action's own time (everything but its build) is also given
//             apart from build noise. The disks are synced between runs.
//
// Progress goes to stderr, the table to stdout. The action's argv is taken from the `docker` shim
// (NUL-separated argv, exact whatever the label values hold) and checked against the
// `[command]...` line that the action logs. Timings on a shared machine are noisy: the JSON keeps
// every run and the load average; compare medians of runs taken together, not across runs.
import { Buffer } from 'node:buffer'
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { clearTimeout, setTimeout } from 'node:timers'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const DIST = path.join(REPO, 'dist')
const ENTRY = path.join(DIST, 'index.js')
const SECTIONS = ['overhead', 'rebuild', 'startup', 'large']
const STATE_DIR = process.env.E2E_STATE_DIR || '/var/tmp/docker-ship-e2e'
const ENV_FILE = path.join(STATE_DIR, 'env')
/** Pause after removing a large image, before the next timed run. */
const LARGE_SETTLE_MS = 2_000
/** The whole run is killed past this, whatever is running. */
const DEADLINE_MS = 20 * 60_000

const TARGETS = {
  overheadRatio: 1.5,
  rebuildRatio: 0.2,
  rebuildLayerUploads: 0,
  distBytes: 1_000_000,
  firstCommandMs: 100,
  largeOverheadPct: 2,
  largeLayerBytes: 200_000_000
}

// ------------------------------------------------------------------------------------------ args

function usage() {
  const lines = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n')
  const header = lines.slice(
    0,
    lines.findIndex(l => !l.startsWith('//'))
  )
  return header.map(l => l.replace(/^\/\/ ?/, '')).join('\n')
}

function parseArgs(argv) {
  const opts = { quick: false, only: [...SECTIONS], out: undefined }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--quick') opts.quick = true
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a === '--only' ? argv[++i] : a.slice('--only='.length)
      const names = String(v ?? '')
        .split(',')
        .map(s => s.trim())
        .filter(Boolean)
      const bad = names.filter(n => !SECTIONS.includes(n))
      if (names.length === 0 || bad.length > 0) fail(`--only takes a comma list of ${SECTIONS.join(', ')} (got ${v ?? 'nothing'})`)
      opts.only = SECTIONS.filter(s => names.includes(s))
    } else if (a === '--out' || a.startsWith('--out=')) {
      opts.out = a === '--out' ? argv[++i] : a.slice('--out='.length)
      if (!opts.out) fail('--out needs a file name')
    } else if (a === '-h' || a === '--help') {
      console.log(usage())
      process.exit(0)
    } else fail(`unknown argument ${a} (see --help)`)
  }
  return opts
}

function fail(message) {
  console.error(`bench: ${message}`)
  process.exit(2)
}

const OPTS = parseArgs(process.argv.slice(2))
const COUNTS = OPTS.quick
  ? { overheadPairs: 3, rebuildCycles: 1, startupRuns: 3, refRuns: 5, largePairs: 1 }
  : { overheadPairs: 7, rebuildCycles: 3, startupRuns: 8, refRuns: 8, largePairs: 4 }
const T0 = performance.now()

function progress(message) {
  const s = ((performance.now() - T0) / 1000).toFixed(1).padStart(6)
  process.stderr.write(`[bench ${s}s] ${message}\n`)
}

// ------------------------------------------------------------------------------------------ stats

const median = xs => {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const round = (x, d = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x)
const summary = xs => ({ median: round(median(xs)), min: round(Math.min(...xs)), max: round(Math.max(...xs)), n: xs.length })
const ms = x => `${round(x, 0)} ms`

// ------------------------------------------------------------------------------------------ processes and temp files

const CHILDREN = new Set()
let TMP_ROOT

/**
 * Runs a program without a shell, every one with a timeout (its whole process group is killed on
 * expiry). Returns exit code, output, wall time in ms, and the wall clock (ns) just before spawn.
 */
function run(cmd, args, { env, cwd, input, timeoutMs = 120_000 } = {}) {
  return new Promise(resolve => {
    let stdout = ''
    let stderr = ''
    let timedOut = false
    const wallStartNs = wallNs()
    const t0 = performance.now()
    const child = spawn(cmd, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true })
    CHILDREN.add(child)
    const timer = setTimeout(() => {
      timedOut = true
      killGroup(child)
    }, timeoutMs)
    child.stdout.setEncoding('utf8').on('data', d => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', d => (stderr += d))
    child.stdin.on('error', () => {})
    child.on('error', e => {
      stderr += `\nspawn ${cmd}: ${e.message}`
    })
    child.on('close', (code, signal) => {
      const elapsed = performance.now() - t0
      clearTimeout(timer)
      CHILDREN.delete(child)
      resolve({
        code: code ?? -1,
        signal,
        stdout,
        stderr,
        ms: elapsed,
        wallStartNs,
        timedOut,
        cmd: `${path.basename(cmd)} ${args.join(' ')}`
      })
    })
    child.stdin.end(input ?? '')
  })
}

function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    try {
      child.kill('SIGKILL')
    } catch {
      /* gone */
    }
  }
}

/** Wall clock in ns (same clock as `date +%s%N`), to microsecond precision. */
function wallNs() {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n
}

function must(r, what) {
  if (r.code === 0 && !r.timedOut) return r
  const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-25).join('\n')
  throw new Error(`${what} failed (${r.timedOut ? 'timed out' : `exit ${r.code}`}): ${r.cmd.slice(0, 300)}\n${tail}`)
}

function tempDir(prefix) {
  return fs.mkdtempSync(path.join(TMP_ROOT, `${prefix}-`))
}

function rmrf(p) {
  try {
    fs.rmSync(p, { recursive: true, force: true })
  } catch {
    /* best effort */
  }
}

/** A unique, lowercase, registry-safe id for this bench run. */
const RUN_ID = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`

// ------------------------------------------------------------------------------------------ environment

function readEnvFile() {
  let text
  try {
    text = fs.readFileSync(ENV_FILE, 'utf8')
  } catch {
    fail(`${ENV_FILE} is missing: run \`bash scripts/e2e-env.sh\` (as root) first`)
  }
  const env = {}
  for (const line of text.split('\n')) {
    const i = line.indexOf('=')
    if (i > 0 && !line.startsWith('#')) env[line.slice(0, i).trim()] = line.slice(i + 1)
  }
  for (const k of ['E2E_REGISTRY', 'E2E_REGISTRY_USER', 'E2E_REGISTRY_PASSWORD', 'E2E_REGISTRY_LOG', 'E2E_BASE_IMAGE']) {
    if (!env[k]) fail(`${ENV_FILE} has no ${k}: rerun \`bash scripts/e2e-env.sh\``)
  }
  return {
    host: env.E2E_REGISTRY,
    user: env.E2E_REGISTRY_USER,
    password: env.E2E_REGISTRY_PASSWORD,
    log: env.E2E_REGISTRY_LOG,
    baseImage: env.E2E_BASE_IMAGE,
    // scripts/e2e-env.sh --classic-engine: a dockerd on the classic image store.
    classicHost: env.E2E_CLASSIC_DOCKER_HOST || null
  }
}

/** The real docker binary: the first `docker` on PATH that is not one of our shims. */
function realDocker() {
  for (const dir of (process.env.PATH || '').split(':')) {
    if (!dir || (TMP_ROOT && dir.startsWith(TMP_ROOT))) continue
    const p = path.join(dir, 'docker')
    try {
      fs.accessSync(p, fs.constants.X_OK)
      if (fs.statSync(p).isFile()) return p
    } catch {
      /* not here */
    }
  }
  fail('no docker on PATH')
}

/** Inputs of action.yml with the default each gets from the runner (every input gets an INPUT_*). */
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

async function actionInputs() {
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

// ------------------------------------------------------------------------------------------ registry HTTP API

const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json'
].join(', ')

function registryRequest(reg, method, urlPath) {
  return new Promise((resolve, reject) => {
    const [hostname, port] = reg.host.split(':')
    const req = http.request(
      {
        hostname,
        port: Number(port || 80),
        path: urlPath,
        method,
        timeout: 30_000,
        headers: {
          Accept: MANIFEST_ACCEPT,
          Authorization: `Basic ${Buffer.from(`${reg.user}:${reg.password}`).toString('base64')}`
        }
      },
      res => {
        const chunks = []
        res.on('data', c => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      }
    )
    req.on('timeout', () => req.destroy(new Error(`registry ${method} ${urlPath} timed out`)))
    req.on('error', reject)
    req.end()
  })
}

/** The image manifest at repo:ref (an index's first image entry that is not an attestation). */
async function imageManifest(reg, repo, ref) {
  const get = async r => {
    const res = await registryRequest(reg, 'GET', `/v2/${repo}/manifests/${r}`)
    if (res.status !== 200) throw new Error(`GET /v2/${repo}/manifests/${r}: HTTP ${res.status} ${res.body.slice(0, 200)}`)
    return JSON.parse(res.body)
  }
  const m = await get(ref)
  if (!Array.isArray(m.manifests)) return m
  const image = m.manifests.find(
    d => d.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest' && d.platform?.os !== 'unknown'
  )
  if (!image) throw new Error(`${repo}:${ref} is an index with no image`)
  return get(image.digest)
}

/** Digests of the blobs uploaded to `repo` (PUT ...digest=sha256%3A<hex> answered 201) after byte `from` of the registry log. */
function uploadsSince(logFile, from, repo) {
  const size = fs.statSync(logFile).size
  const fd = fs.openSync(logFile, 'r')
  const buf = Buffer.alloc(Math.max(0, size - from))
  try {
    fs.readSync(fd, buf, 0, buf.length, from)
  } finally {
    fs.closeSync(fd)
  }
  const esc = repo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const re = new RegExp(`"PUT /v2/${esc}/blobs/uploads/[^ ]*digest=sha256%3A([0-9a-f]{64})[^"]*" 201`, 'g')
  return [...buf.toString('utf8').matchAll(re)].map(m => `sha256:${m[1]}`)
}

// ------------------------------------------------------------------------------------------ workspaces, shims, the action as the runner runs it

function makeWorkspace(files) {
  const dir = tempDir('ws')
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content)
  return dir
}

/**
 * A `docker` shim: notes the wall clock (ns) and the exact argv (NUL-separated) of every call in
 * its own file `<calls>/<ns>.<pid>`, runs the real docker, then notes when it ended
 * (`<ns>.<pid>.end`) and exits with its code. The shell costs a few ms per call.
 */
function makeShim(real) {
  const dir = tempDir('shim')
  const calls = path.join(dir, 'calls')
  fs.mkdirSync(calls)
  const q = s => `'${s.replace(/'/g, `'\\''`)}'`
  fs.writeFileSync(
    path.join(dir, 'docker'),
    [
      '#!/bin/sh',
      't=$(date +%s%N)',
      `f=${q(calls)}/"$t.$$"`,
      `printf '%s\\0' "$@" > "$f"`,
      `${q(real)} "$@"`,
      'rc=$?',
      'date +%s%N > "$f.end"',
      'exit $rc',
      ''
    ].join('\n'),
    { mode: 0o755 }
  )
  return {
    dir,
    docker: path.join(dir, 'docker'),
    reset() {
      for (const f of fs.readdirSync(calls)) fs.rmSync(path.join(calls, f))
    },
    /** Calls in start order: { ns, endNs (null while running), ms, name, argv }. */
    calls() {
      return fs
        .readdirSync(calls)
        .filter(f => !f.endsWith('.end'))
        .map(f => {
          const argv = fs.readFileSync(path.join(calls, f), 'utf8').split('\0')
          argv.pop()
          const ns = BigInt(f.split('.')[0])
          let endNs = null
          try {
            endNs = BigInt(fs.readFileSync(path.join(calls, `${f}.end`), 'utf8').trim())
          } catch {
            /* still running, or killed */
          }
          return { ns, endNs, ms: endNs === null ? null : Number(endNs - ns) / 1e6, name: commandName(argv), argv }
        })
        .sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0))
    }
  }
}

/**
 * A unix socket in front of the engine's, for DOCKER_HOST: notes when each connection opens and
 * its first request line, so that an engine request the action makes without the docker CLI (its
 * `GET /info` probe) is timed like a CLI command is by the shim. Bytes are passed on untouched.
 */
async function startEngineProxy() {
  const host = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock'
  if (!host.startsWith('unix://')) throw new Error(`the startup section needs a unix:// engine (DOCKER_HOST is ${host})`)
  const target = host.slice('unix://'.length)
  const dir = tempDir('engine-proxy')
  const socket = path.join(dir, 'engine.sock')
  const connections = []
  const server = net.createServer(client => {
    const record = { ns: wallNs(), request: null }
    connections.push(record)
    const upstream = net.connect(target)
    client.once('data', d => (record.request = d.toString('latin1').split('\r\n')[0]))
    client.pipe(upstream)
    upstream.pipe(client)
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
  })
  await new Promise((resolve, reject) => server.once('error', reject).listen(socket, resolve))
  return {
    address: `unix://${socket}`,
    /** Connections in open order: { ns, request }. */
    connections: () => [...connections].sort((a, b) => (a.ns < b.ns ? -1 : 1)),
    reset: () => (connections.length = 0),
    close: async () => {
      await new Promise(resolve => server.close(resolve))
      rmrf(dir)
    }
  }
}

/**
 * Where one step's time went, from the shim's calls: spawn -> first command, each command, the
 * gaps between them, last command's end -> exit. `outsideMs` is everything but the commands.
 */
function stepTimeline(calls, startNs, elapsedMs) {
  const endNs = startNs + BigInt(Math.round(elapsedMs * 1e6))
  const d = (x, y) => round(Number(y - x) / 1e6)
  const commands = calls.map(c => ({ name: c.name, ms: round(c.ms ?? d(c.ns, endNs)) }))
  const gaps = calls.slice(1).map((c, i) => d(calls[i].endNs ?? calls[i].ns, c.ns))
  const last = calls.at(-1)
  const commandMs = commands.reduce((s, c) => s + c.ms, 0)
  return {
    firstCommandMs: last ? d(startNs, calls[0].ns) : null,
    commands,
    gapsMs: gaps,
    tailMs: last ? d(last.endNs ?? last.ns, endNs) : null,
    commandMs: round(commandMs),
    outsideMs: round(elapsedMs - commandMs)
  }
}

/** The timelines of an action run (main and post) from its shim. */
function actionTimeline(shim, a) {
  const calls = shim.calls()
  const postStart = a.post.wallStartNs
  return {
    main: stepTimeline(
      calls.filter(c => c.ns < postStart),
      a.main.wallStartNs,
      a.main.ms
    ),
    post: stepTimeline(
      calls.filter(c => c.ns >= postStart),
      postStart,
      a.post.ms
    )
  }
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
function pushPayload(sha) {
  return {
    ref: 'refs/heads/main',
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

const BASE_ENV = () => {
  const env = { PATH: process.env.PATH }
  for (const k of ['LANG', 'LC_ALL', 'TZ', 'USER', 'LOGNAME']) if (process.env[k]) env[k] = process.env[k]
  return env
}

/**
 * Runs dist/index.js as the runner runs a node action: main with INPUT_* (hyphens kept) for every
 * input, GITHUB_* variables and fresh file-command files, then post with STATE_* from main's
 * GITHUB_STATE file and fresh files. `shim` puts a docker shim first on PATH; `env` is the step's
 * own environment (e.g. DOCKER_HOST).
 */
async function runAction(ctx, { workspace, inputs, shim, env: stepEnv = {}, timeoutMs = 180_000 }) {
  const job = tempDir('job')
  const home = path.join(job, 'home')
  const runnerTemp = path.join(job, 'temp')
  fs.mkdirSync(home)
  fs.mkdirSync(runnerTemp)
  const sha = ctx.sha
  const eventPath = path.join(job, 'event.json')
  fs.writeFileSync(eventPath, JSON.stringify(pushPayload(sha)))
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
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_REF_TYPE: 'branch',
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

function mustAction(r, what) {
  if (r.ok) return r
  const failed = r.main.code !== 0 || r.main.timedOut ? r.main : r.post
  must(failed, `${what} (${failed === r.main ? 'main' : 'post'} step)`)
  return r
}

/** What every A/B pair records first: the order, the action's times, and both runs' steps. */
function pairHead(a, r, actionFirst) {
  return {
    aSteps: runSteps(a.log),
    rSteps: runSteps(r.log),
    head: {
      order: actionFirst ? 'action,raw' : 'raw,action',
      actionMs: round(a.ms),
      actionMainMs: round(a.main.ms),
      actionPostMs: round(a.post.ms)
    }
  }
}

/** RUN, COPY and ADD steps of a BuildKit plain log and whether each came from cache. */
function runSteps(log) {
  const steps = [...log.matchAll(/^#(\d+) \[(?:[^\]]* )?\d+\/\d+\] ((?:RUN|COPY|ADD) .*)$/gm)]
  return [...new Map(steps.map(m => [m[1], m[2]])).entries()].map(([id, name]) => ({
    name,
    cached: new RegExp(`^#${id} CACHED$`, 'm').test(log)
  }))
}

/** Seconds of each BuildKit vertex that says `#N DONE x.ys`, by its name (RUN ..., exporting ...). */
function stepSeconds(log) {
  const names = new Map()
  for (const m of log.matchAll(/^#(\d+) (\S.*)$/gm))
    if (!names.has(m[1])) names.set(m[1], m[2].replace(/^\[(?:[^\]]* )?\d+\/\d+\] /, '').slice(0, 60))
  const out = {}
  for (const m of log.matchAll(/^#(\d+) DONE (\d+(?:\.\d+)?)s$/gm)) out[names.get(m[1]) ?? `#${m[1]}`] = Number(m[2])
  return out
}

/** The argv (after `docker`) of the one `buildx build` the shim saw, checked against the action's `[command]` line. */
function capturedBuildArgv(shim, action) {
  const builds = shim.calls().filter(c => c.argv[0] === 'buildx' && c.argv[1] === 'build')
  if (builds.length !== 1) throw new Error(`expected one buildx build call, the shim saw ${builds.length}`)
  const argv = builds[0].argv
  const expected = `[command]${shim.docker} ${argv.join(' ')}`
  if (action.buildLine !== expected) {
    throw new Error(`the shim's argv does not match the action's log line:\n  log:  ${action.buildLine}\n  shim: ${expected}`)
  }
  return argv
}

/** `argv` with the value after each flag of `values` replaced (a flag that is missing is an error). */
function withFlags(argv, values) {
  const out = [...argv]
  for (const [flag, value] of Object.entries(values)) {
    const i = out.indexOf(flag)
    if (i < 0 || i === out.length - 1) throw new Error(`the action's argv has no ${flag}`)
    out[i + 1] = value
  }
  return out
}

/** `login`, `logout`, `buildx build`, `buildx inspect`, `version`: what a docker call is, for a breakdown. */
const commandName = argv =>
  (argv[0] === 'buildx' || argv[0] === 'image' || argv[0] === 'builder' ? argv.slice(0, 2) : argv.slice(0, 1)).join(' ')

/** The action's `[command]` build line with its run-dir paths blanked, to compare runs. */
const normalisedLine = line =>
  line
    .replace(/^\[command\]\S+ /, '')
    .replace(/--iidfile \S+/, '--iidfile X')
    .replace(/--metadata-file \S+/, '--metadata-file X')

/**
 * The raw CLI doing the action's work: its own temp DOCKER_CONFIG, `docker login
 * --password-stdin`, the given buildx argv with its own --iidfile/--metadata-file, `docker logout`.
 */
/** Raw runs redone after a registry 5xx (see runRaw); listed in the notes. */
const REDONE = []

/**
 * The raw CLI has no retries: when the registry answers a 5xx (distribution 2.8 sometimes races a
 * tag's HEAD with its PUT: 500 "invalid checksum digest format"), the whole raw run is done again
 * once, so one registry hiccup does not end the bench. The timing is the second run's.
 */
async function runRaw(ctx, opts) {
  try {
    return await runRawOnce(ctx, opts)
  } catch (e) {
    const status = / (5\d\d) [A-Z][a-z]/.exec(String(e?.message))?.[1]
    if (!status) throw e
    REDONE.push(`a raw run was redone after the registry answered ${status}`)
    progress(`raw run: the registry answered ${status}; doing it again`)
    return await runRawOnce(ctx, opts)
  }
}

async function runRawOnce(ctx, { workspace, argv, timeoutMs = 180_000, replace = {}, docker = ctx.docker }) {
  const cfg = tempDir('raw')
  const config = path.join(cfg, 'config')
  fs.mkdirSync(config, { mode: 0o700 })
  const env = { ...BASE_ENV(), ...engineEnv(ctx), HOME: path.join(cfg), DOCKER_CONFIG: config, DOCKER_BUILDKIT: '1' }
  const args = withFlags(argv, { '--iidfile': path.join(cfg, 'iid'), '--metadata-file': path.join(cfg, 'metadata.json'), ...replace })
  try {
    const t0 = performance.now()
    const login = await run(docker, ['login', '--username', ctx.reg.user, '--password-stdin', ctx.reg.host], {
      env,
      cwd: workspace,
      input: ctx.reg.password
    })
    must(login, 'raw docker login')
    const build = await run(docker, args, { env, cwd: workspace, timeoutMs })
    must(build, 'raw docker buildx build')
    const logout = await run(docker, ['logout', ctx.reg.host], { env, cwd: workspace })
    must(logout, 'raw docker logout')
    const elapsed = performance.now() - t0
    return { ms: elapsed, login: login.ms, build: build.ms, logout: logout.ms, log: `${build.stdout}\n${build.stderr}` }
  } finally {
    rmrf(cfg)
  }
}

// ------------------------------------------------------------------------------------------ engine housekeeping

/** DOCKER_HOST of the engine a section runs on (ctx.dockerHost), none for the default engine. */
const engineEnv = ctx => (ctx.dockerHost ? { DOCKER_HOST: ctx.dockerHost } : {})

/** The bench's own docker (its own config, logged in once) for setup and clean-up. */
function adminDocker(ctx, args, opts = {}) {
  return run(ctx.docker, args, {
    env: { ...BASE_ENV(), ...engineEnv(ctx), HOME: ctx.adminDir, DOCKER_CONFIG: ctx.adminConfig },
    timeoutMs: 180_000,
    ...opts
  })
}

async function localImages(ctx, repo) {
  const r = await adminDocker(ctx, ['images', '--format', '{{.Repository}}:{{.Tag}}', `${ctx.reg.host}/${repo}`])
  return r.stdout
    .split('\n')
    .map(s => s.trim())
    .filter(s => s && !s.endsWith(':<none>'))
}

async function removeImages(ctx, refs) {
  for (const ref of refs) await adminDocker(ctx, ['rmi', '--force', ref])
}

async function pruneBuildCache(ctx) {
  must(await adminDocker(ctx, ['builder', 'prune', '--all', '--force'], { timeoutMs: 300_000 }), 'docker builder prune')
}

/** `<registry>/bench/base:busybox`: the e2e base image pushed once, so a wiped engine pulls it like a runner would. */
async function ensureBase(ctx) {
  const head = await registryRequest(ctx.reg, 'HEAD', '/v2/bench/base/manifests/busybox')
  if (head.status === 200) return
  progress(`pushing ${ctx.reg.baseImage} as ${ctx.base} (once)`)
  must(await adminDocker(ctx, ['tag', ctx.reg.baseImage, ctx.base]), 'docker tag of the base image')
  must(await adminDocker(ctx, ['push', ctx.base]), 'docker push of the base image')
  await adminDocker(ctx, ['rmi', ctx.base])
}

/** Bytes under the registry's storage folder (scripts/e2e-env.sh layout), or null. */
async function registryDiskBytes(ctx) {
  const dir = path.join(path.dirname(ctx.reg.log), path.basename(ctx.reg.log, '.log'), 'data')
  if (!fs.existsSync(dir)) return null
  const r = await run('du', ['-sb', dir], { env: BASE_ENV(), timeoutMs: 60_000 })
  return r.code === 0 ? Number(r.stdout.split(/\s/)[0]) : null
}

function loadavg() {
  return os.loadavg().map(x => round(x, 2))
}

// ------------------------------------------------------------------------------------------ sections

const smallFiles = (ctx, tag) => ({
  Dockerfile: [
    `FROM ${ctx.base}`,
    `RUN echo ${tag} > /bench-id`,
    'RUN i=0; s=0; while [ $i -lt 20000 ]; do s=$(( (s + i * i) % 1000003 )); i=$((i+1)); done; echo $s > /sum',
    'COPY app.txt /app.txt',
    ''
  ].join('\n'),
  'app.txt': `hello from ${tag}\n`
})

/** 1. The whole action vs the raw CLI on a fully cached build. */
async function overhead(ctx) {
  const repo = `bench/overhead-${RUN_ID}`
  const workspace = makeWorkspace(smallFiles(ctx, repo))
  const inputs = { registry: ctx.reg.host, username: ctx.reg.user, password: ctx.reg.password, image: repo }
  const shim = makeShim(ctx.docker)
  progress(`overhead: warm-up (cold build of ${repo}, argv taken by the docker shim)`)
  const warm = mustAction(await runAction(ctx, { workspace, inputs, shim }), 'action warm-up')
  const argv = capturedBuildArgv(shim, warm)
  rmrf(shim.dir)
  mustAction(await runAction(ctx, { workspace, inputs }), 'action second warm-up')
  await runRaw(ctx, { workspace, argv })
  const pairs = []
  for (let i = 0; i < COUNTS.overheadPairs; i++) {
    const actionFirst = i % 2 === 0
    let a, r
    for (const which of actionFirst ? ['action', 'raw'] : ['raw', 'action']) {
      if (which === 'action') a = mustAction(await runAction(ctx, { workspace, inputs }), 'action')
      else r = await runRaw(ctx, { workspace, argv })
    }
    if (normalisedLine(a.buildLine) !== normalisedLine(`[command]x ${argv.join(' ')}`)) {
      throw new Error(`the action ran another argv than the captured one:\n  ${a.buildLine}\n  ${argv.join(' ')}`)
    }
    const { aSteps, rSteps, head } = pairHead(a, r, actionFirst)
    const pair = {
      ...head,
      rawMs: round(r.ms),
      rawLoginMs: round(r.login),
      rawBuildMs: round(r.build),
      rawLogoutMs: round(r.logout),
      actionAllCached: aSteps.length > 0 && aSteps.every(s => s.cached),
      rawAllCached: rSteps.length > 0 && rSteps.every(s => s.cached)
    }
    pairs.push(pair)
    progress(
      `overhead pair ${i + 1}/${COUNTS.overheadPairs} (${pair.order}): action ${ms(a.ms)} (main ${ms(a.main.ms)} + post ${ms(a.post.ms)}), raw ${ms(r.ms)} (login ${ms(r.login)}, build ${ms(r.build)}, logout ${ms(r.logout)})`
    )
  }
  await removeImages(ctx, await localImages(ctx, repo))
  rmrf(workspace)
  const actionMedian = median(pairs.map(p => p.actionMs))
  const rawMedian = median(pairs.map(p => p.rawMs))
  const ratio = actionMedian / rawMedian
  const notes = []
  if (!pairs.every(p => p.actionAllCached && p.rawAllCached)) notes.push('overhead: not every timed build was fully cached')
  return {
    repo,
    argv: argv.map(a => a.replace(ctx.reg.password, '***')),
    pairs,
    action: summary(pairs.map(p => p.actionMs)),
    actionMain: summary(pairs.map(p => p.actionMainMs)),
    actionPost: summary(pairs.map(p => p.actionPostMs)),
    raw: summary(pairs.map(p => p.rawMs)),
    rawLogin: summary(pairs.map(p => p.rawLoginMs)),
    rawBuild: summary(pairs.map(p => p.rawBuildMs)),
    rawLogout: summary(pairs.map(p => p.rawLogoutMs)),
    actionMedianMs: round(actionMedian),
    rawMedianMs: round(rawMedian),
    diffMs: round(actionMedian - rawMedian),
    pairedDiffMedianMs: round(median(pairs.map(p => p.actionMs - p.rawMs))),
    ratio: round(ratio, 3),
    target: TARGETS.overheadRatio,
    pass: ratio <= TARGETS.overheadRatio,
    loadavg: loadavg(),
    notes
  }
}

/** 2. Cold build + push, wipe the engine, rebuild the unchanged context with default inputs. */
async function rebuild(ctx) {
  const base = `bench/rebuild-${RUN_ID}`
  const files = repo => ({
    Dockerfile: [
      `FROM ${ctx.base}`,
      // Unique per bench run, cycle and side: no other build's cache can match.
      `RUN echo ${repo} > /bench-id`,
      'RUN i=0; s=0; while [ $i -lt 700000 ]; do s=$(( (s + i * i) % 1000003 )); i=$((i+1)); done; echo $s > /loop-sum',
      'RUN dd if=/dev/urandom bs=1M count=320 2>/dev/null | sha256sum > /random.sha256',
      'RUN dd if=/dev/urandom of=/data.bin bs=1M count=8 2>/dev/null && sha256sum /data.bin > /data.sha256',
      'COPY app.txt /app.txt',
      ''
    ].join('\n'),
    'app.txt': `hello from ${repo}\n`
  })
  /** Removes the images of `repo` and the base image, and the whole build cache: a fresh runner. */
  const wipe = async repo => {
    await removeImages(ctx, [...(await localImages(ctx, repo)), ctx.base])
    await pruneBuildCache(ctx)
    return localImages(ctx, repo)
  }
  const buildOf = t => t.main.commands.find(c => c.name === 'buildx build')?.ms ?? null
  let actionArgv = null

  /** The action: cold build + push, wipe, warm rebuild with default inputs. */
  const actionCycle = async repo => {
    const workspace = makeWorkspace(files(repo))
    const inputs = { registry: ctx.reg.host, username: ctx.reg.user, password: ctx.reg.password, image: repo }
    const shim = makeShim(ctx.docker)
    await removeImages(ctx, [ctx.base])
    const cold = mustAction(await runAction(ctx, { workspace, inputs, shim, timeoutMs: 300_000 }), 'cold build')
    const coldTimeline = actionTimeline(shim, cold)
    const argv = shim.calls().find(c => c.name === 'buildx build')?.argv
    if (!argv) throw new Error('rebuild: the docker shim saw no buildx build')
    actionArgv ??= { argv, workspace, repo }
    shim.reset()
    const left = await wipe(repo)
    const mark = fs.statSync(ctx.reg.log).size
    const warm = mustAction(await runAction(ctx, { workspace, inputs, shim, timeoutMs: 300_000 }), 'warm rebuild')
    const warmTimeline = actionTimeline(shim, warm)
    rmrf(shim.dir)
    await sleep(300) // the registry's last log lines
    const uploaded = uploadsSince(ctx.reg.log, mark, repo)
    const manifest = await imageManifest(ctx.reg, repo, warm.outputs.digest || 'latest')
    const layers = (manifest.layers ?? []).map(l => l.digest)
    const layerUploads = uploaded.filter(d => layers.includes(d))
    await removeImages(ctx, await localImages(ctx, repo))
    rmrf(workspace)
    const c = { repo, cold, warm, coldTimeline, warmTimeline, left, uploaded, layers, layerUploads, ratio: warm.ms / cold.ms }
    progress(
      `rebuild (action) ${repo}: cold ${ms(cold.ms)}, warm ${ms(warm.ms)} (its buildx build ${ms(buildOf(warmTimeline))}), ratio ${round(c.ratio, 3)}, blobs uploaded ${uploaded.length}, of them layers ${layerUploads.length}`
    )
    return c
  }

  /** The floor: the raw CLI (login, the action's own build argv, logout), the same cycle. */
  const rawCycle = async repo => {
    const workspace = makeWorkspace(files(repo))
    const argv = actionArgv.argv.map(a => a.split(actionArgv.workspace).join(workspace).split(actionArgv.repo).join(repo))
    await removeImages(ctx, [ctx.base])
    const cold = await runRaw(ctx, { workspace, argv, timeoutMs: 300_000 })
    await wipe(repo)
    const warm = await runRaw(ctx, { workspace, argv, timeoutMs: 300_000 })
    await removeImages(ctx, await localImages(ctx, repo))
    rmrf(workspace)
    const c = { repo, cold, warm, ratio: warm.ms / cold.ms }
    progress(`rebuild (raw CLI) ${repo}: cold ${ms(cold.ms)}, warm ${ms(warm.ms)}, ratio ${round(c.ratio, 3)}`)
    return c
  }

  // Cycles, the action and the raw CLI in turn (the raw CLI needs the action's argv: action first).
  const actions = []
  const raws = []
  for (let i = 0; i < COUNTS.rebuildCycles; i++) {
    progress(`rebuild cycle ${i + 1}/${COUNTS.rebuildCycles}`)
    if (i % 2 === 0) {
      actions.push(await actionCycle(`${base}-${i}`))
      raws.push(await rawCycle(`${base}-${i}-raw`))
    } else {
      raws.push(await rawCycle(`${base}-${i}-raw`))
      actions.push(await actionCycle(`${base}-${i}`))
    }
  }

  const first = actions[0]
  const ratio = median(actions.map(c => c.ratio))
  const rawRatio = median(raws.map(c => c.ratio))
  const maxLayerUploads = Math.max(...actions.map(c => c.layerUploads.length))
  const notes = []
  for (const c of actions) {
    if (runSteps(c.cold.log).some(s => s.cached)) notes.push(`rebuild: the cold build of ${c.repo} had cached RUN steps`)
    if (!runSteps(c.warm.log).every(s => s.cached)) notes.push(`rebuild: the warm build of ${c.repo} ran steps again (not CACHED)`)
    if (c.left.length > 0) notes.push(`rebuild: images left after the wipe: ${c.left.join(', ')}`)
  }
  for (const c of raws)
    if (!runSteps(c.warm.log).every(s => s.cached)) notes.push(`rebuild: the raw warm build of ${c.repo} ran steps again`)
  return {
    cycles: COUNTS.rebuildCycles,
    actionCycles: actions.map(c => ({
      repo: c.repo,
      coldMs: round(c.cold.ms),
      warmMs: round(c.warm.ms),
      ratio: round(c.ratio, 3),
      coldBuildMs: buildOf(c.coldTimeline),
      warmBuildMs: buildOf(c.warmTimeline),
      blobsUploadedOnWarm: c.uploaded.length,
      layerUploadsOnWarm: c.layerUploads.length
    })),
    rawCycles: raws.map(c => ({ repo: c.repo, coldMs: round(c.cold.ms), warmMs: round(c.warm.ms), ratio: round(c.ratio, 3) })),
    coldMs: round(median(actions.map(c => c.cold.ms))),
    warmMs: round(median(actions.map(c => c.warm.ms))),
    ratio: round(ratio, 3),
    ratioTarget: TARGETS.rebuildRatio,
    ratioPass: ratio <= TARGETS.rebuildRatio,
    buildRatio: round(median(actions.map(c => buildOf(c.warmTimeline) / buildOf(c.coldTimeline))), 3),
    rawColdMs: round(median(raws.map(c => c.cold.ms))),
    rawWarmMs: round(median(raws.map(c => c.warm.ms))),
    rawRatio: round(rawRatio, 3),
    // The first cycle in detail.
    coldTimeline: first.coldTimeline,
    warmTimeline: first.warmTimeline,
    coldStepSeconds: stepSeconds(first.cold.log),
    warmStepSeconds: stepSeconds(first.warm.log),
    coldSteps: runSteps(first.cold.log),
    warmSteps: runSteps(first.warm.log),
    // BuildKit's own lines of the warm build (what it imported, what it found CACHED).
    warmBuildLog: first.warm.log
      .split('\n')
      .filter(l => /^#\d+ /.test(l) && !/^#\d+ (sha256:|writing|preparing|pushing layer)/.test(l))
      .slice(0, 150),
    blobsUploadedOnWarm: first.uploaded,
    layers: first.layers,
    layerUploadsOnWarm: maxLayerUploads,
    layerUploadsTarget: TARGETS.rebuildLayerUploads,
    layerUploadsPass: maxLayerUploads <= TARGETS.rebuildLayerUploads && actions.every(c => c.layers.length > 0),
    loadavg: loadavg(),
    notes
  }
}

function distSize() {
  const files = []
  const walk = dir => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else files.push({ file: path.relative(REPO, p), bytes: fs.lstatSync(p).size })
    }
  }
  walk(DIST)
  return { bytes: files.reduce((s, f) => s + f.bytes, 0), files }
}

/** 3. dist/ size; time from spawning node to the first engine request; where the time goes. */
async function startup(ctx) {
  const dist = distSize()
  const repo = `bench/startup-${RUN_ID}`
  const workspace = makeWorkspace(smallFiles(ctx, repo))
  const inputs = { registry: ctx.reg.host, username: ctx.reg.user, password: ctx.reg.password, image: repo }
  const shim = makeShim(ctx.docker)
  // The engine behind a proxy socket too: the action's first engine request may be an API call.
  const proxy = await startEngineProxy()
  const env = { DOCKER_HOST: proxy.address }
  progress(`startup: warm-up of ${repo}`)
  mustAction(await runAction(ctx, { workspace, inputs, shim, env }), 'startup warm-up')
  const runs = []
  for (let i = 0; i < COUNTS.startupRuns; i++) {
    shim.reset()
    proxy.reset()
    const a = mustAction(await runAction(ctx, { workspace, inputs, shim, env }), 'startup run')
    const t = actionTimeline(shim, a)
    const api = proxy.connections().filter(c => c.ns >= a.main.wallStartNs && c.ns < a.post.wallStartNs)[0]
    const apiMs = api ? round(Number(api.ns - a.main.wallStartNs) / 1e6) : null
    const cliFirst = apiMs === null || (t.main.firstCommandMs !== null && t.main.firstCommandMs <= apiMs)
    const commandsMs = {}
    for (const c of [...t.main.commands, ...t.post.commands]) commandsMs[c.name] = round((commandsMs[c.name] ?? 0) + c.ms)
    const row = {
      // The first thing asked of the engine, by the docker CLI or by the action itself.
      firstEngine: cliFirst ? `docker ${t.main.commands[0]?.name ?? '-'}` : api.request,
      firstEngineMs: cliFirst ? t.main.firstCommandMs : apiMs,
      firstApiRequest: api?.request ?? null,
      firstApiMs: apiMs,
      firstCommand: t.main.commands[0]?.name ?? null,
      firstCommandMs: t.main.firstCommandMs,
      mainGapsMs: round(t.main.gapsMs.reduce((x, y) => x + y, 0)),
      mainTailMs: t.main.tailMs,
      mainOutsideMs: t.main.outsideMs,
      postFirstCommandMs: t.post.firstCommandMs,
      postTailMs: t.post.tailMs,
      postOutsideMs: t.post.outsideMs,
      commandsMs,
      mainMs: round(a.main.ms),
      postMs: round(a.post.ms),
      calls: [...t.main.commands, ...t.post.commands].map(c => c.name)
    }
    runs.push(row)
    const cmdText = Object.entries(commandsMs)
      .map(([k, v]) => `${k} ${ms(v)}`)
      .join(', ')
    progress(
      `startup run ${i + 1}/${COUNTS.startupRuns}: first engine request (${row.firstEngine}) after ${ms(row.firstEngineMs)}; first docker command (${row.firstCommand}) after ${ms(row.firstCommandMs)}; main ${ms(row.mainMs)} (outside commands ${ms(row.mainOutsideMs)}: gaps ${ms(row.mainGapsMs)}, after the last ${ms(row.mainTailMs)}), post ${ms(row.postMs)} (first command after ${ms(row.postFirstCommandMs)}, after the last ${ms(row.postTailMs)}); commands: ${cmdText}`
    )
  }
  rmrf(shim.dir)
  await proxy.close()
  await removeImages(ctx, await localImages(ctx, repo))
  rmrf(workspace)

  // References: node's bare start, loading the bundle (it stops at the first input check), the probe.
  const refs = { nodeBareMs: [], bundleLoadMs: [], buildxInspectMs: [], dockerVersionMs: [] }
  const bundleNotes = new Set()
  const refHome = tempDir('ref')
  const refEnv = { ...BASE_ENV(), HOME: refHome, DOCKER_CONFIG: refHome }
  for (let i = 0; i < COUNTS.refRuns; i++) {
    refs.nodeBareMs.push((await run(process.execPath, ['-e', '0'], { env: refEnv, cwd: REPO, timeoutMs: 30_000 })).ms)
    const b = await run(process.execPath, ['-e', "import('./dist/index.js')"], { env: refEnv, cwd: REPO, timeoutMs: 30_000 })
    if (b.timedOut || !/::error::/.test(b.stdout))
      bundleNotes.add(`startup: the bundle without inputs did not stop at an input error (exit ${b.code})`)
    refs.bundleLoadMs.push(b.ms)
    refs.buildxInspectMs.push(must(await run(ctx.docker, ['buildx', 'inspect'], { env: refEnv, timeoutMs: 30_000 }), 'buildx inspect').ms)
    refs.dockerVersionMs.push(must(await run(ctx.docker, ['version'], { env: refEnv, timeoutMs: 30_000 }), 'docker version').ms)
  }
  rmrf(refHome)
  const firstMs = median(runs.map(r => r.firstEngineMs))
  const col = k => summary(runs.map(r => r[k]).filter(x => x !== null))
  return {
    dist,
    distTarget: TARGETS.distBytes,
    distPass: dist.bytes <= TARGETS.distBytes,
    runs,
    firstEngineMedianMs: round(firstMs),
    firstEngineRequests: [...new Set(runs.map(r => r.firstEngine))],
    firstCommandMedianMs: round(median(runs.map(r => r.firstCommandMs).filter(x => x !== null))),
    firstCommandTarget: TARGETS.firstCommandMs,
    firstCommandPass: firstMs <= TARGETS.firstCommandMs,
    breakdown: {
      firstEngineMs: col('firstEngineMs'),
      firstCommandMs: col('firstCommandMs'),
      mainGapsMs: col('mainGapsMs'),
      mainTailMs: col('mainTailMs'),
      mainOutsideMs: col('mainOutsideMs'),
      mainMs: col('mainMs'),
      postFirstCommandMs: col('postFirstCommandMs'),
      postTailMs: col('postTailMs'),
      postOutsideMs: col('postOutsideMs'),
      postMs: col('postMs'),
      // command -> its own time (start to exit, through the shim), summed over main and post
      commandsMs: Object.fromEntries(
        [...new Set(runs.flatMap(r => Object.keys(r.commandsMs)))].map(k => [
          k,
          summary(runs.map(r => r.commandsMs[k]).filter(x => x !== undefined))
        ])
      )
    },
    reference: Object.fromEntries(Object.entries(refs).map(([k, v]) => [k, summary(v)])),
    loadavg: loadavg(),
    notes: [...bundleNotes]
  }
}

/** 4. >= 200 MB of layers, cache busted per run: the action's time over the raw CLI's. */
async function large(ctx) {
  const repo = `bench/large-${RUN_ID}`
  const workspace = makeWorkspace({
    Dockerfile: [
      `FROM ${ctx.base}`,
      'ARG NONCE',
      'RUN echo "$NONCE" > /nonce && dd if=/dev/urandom of=/big1.bin bs=1M count=110 2>/dev/null',
      'RUN dd if=/dev/urandom of=/big2.bin bs=1M count=110 2>/dev/null',
      ''
    ].join('\n')
  })
  const inputs = n => ({
    registry: ctx.reg.host,
    username: ctx.reg.user,
    password: ctx.reg.password,
    image: repo,
    'build-args': `NONCE=${n}`
  })
  const nonce = tag => `${tag}-${randomBytes(6).toString('hex')}`
  // Both sides run docker through the same shim (a few ms a call each): it times every command,
  // so the engine's build can be told apart from what is around it.
  const shim = makeShim(ctx.docker)
  const timeoutMs = 600_000
  const registryBytesBefore = await registryDiskBytes(ctx)
  const pairs = []
  let layerBytes = 0
  let argv = []
  try {
    progress(`large: warm-up of ${repo} (argv taken by the docker shim)`)
    const warm = mustAction(await runAction(ctx, { workspace, inputs: inputs(nonce('warm')), shim, timeoutMs }), 'large warm-up')
    argv = capturedBuildArgv(shim, warm)
    const manifest = await imageManifest(ctx.reg, repo, warm.outputs.digest || 'latest')
    layerBytes = (manifest.layers ?? []).reduce((s, l) => s + l.size, 0)
    progress(`large: warm-up ${ms(warm.ms)}, ${round(layerBytes / 1e6)} MB of layers`)
    if (!argv.some(a => a.startsWith('NONCE='))) {
      throw new Error('the action argv has no --build-arg NONCE=...')
    }
    await removeImages(ctx, await localImages(ctx, repo))
    const buildMs = () => {
      const b = shim.calls().filter(c => c.name === 'buildx build')
      if (b.length !== 1 || b[0].ms === null) throw new Error(`expected one finished buildx build, the shim saw ${b.length}`)
      return b[0].ms
    }
    for (let i = 0; i < COUNTS.largePairs; i++) {
      const actionFirst = i % 2 === 0
      let a, r, aBuild, rBuild, aTimeline
      for (const which of actionFirst ? ['action', 'raw'] : ['raw', 'action']) {
        shim.reset()
        if (which === 'action') {
          a = mustAction(await runAction(ctx, { workspace, inputs: inputs(nonce('a')), shim, timeoutMs }), 'large action')
          aBuild = buildMs()
          aTimeline = actionTimeline(shim, a)
        } else {
          const n = nonce('r')
          const rawArgv = argv.map(x => (x.startsWith('NONCE=') ? `NONCE=${n}` : x))
          r = await runRaw(ctx, { workspace, argv: rawArgv, timeoutMs, docker: shim.docker })
          rBuild = buildMs()
        }
        // Outside the timing: do not let the engine's store grow by 220 MB a run, let the engine
        // delete that content, and write the last run's data to disk (the registry's and the
        // engine's), before the next run (else the next run pays for it).
        await removeImages(ctx, await localImages(ctx, repo))
        await sleep(LARGE_SETTLE_MS)
        await run('sync', [], { timeoutMs: 120_000 })
      }
      const { aSteps, rSteps, head } = pairHead(a, r, actionFirst)
      const pair = {
        ...head,
        actionBuildMs: round(aBuild),
        actionOutsideBuildMs: round(a.ms - aBuild),
        actionCommandsMs: Object.fromEntries(
          [...aTimeline.main.commands, ...aTimeline.post.commands].map((c, j) => [`${j + 1}. ${c.name}`, c.ms])
        ),
        rawMs: round(r.ms),
        rawBuildMs: round(rBuild),
        rawOutsideBuildMs: round(r.ms - rBuild),
        actionSteps: stepSeconds(a.log),
        rawSteps: stepSeconds(r.log),
        actionRanAllSteps: aSteps.length > 0 && aSteps.every(s => !s.cached),
        rawRanAllSteps: rSteps.length > 0 && rSteps.every(s => !s.cached),
        loadavg1: round(os.loadavg()[0], 2)
      }
      pairs.push(pair)
      progress(
        `large pair ${i + 1}/${COUNTS.largePairs} (${pair.order}): action ${ms(a.ms)} (build ${ms(aBuild)} + the rest ${ms(a.ms - aBuild)}), raw ${ms(r.ms)} (build ${ms(rBuild)} + the rest ${ms(r.ms - rBuild)}), diff ${ms(a.ms - r.ms)} (${round(((a.ms - r.ms) / r.ms) * 100, 2)} %), load ${pair.loadavg1}`
      )
    }
  } finally {
    rmrf(shim.dir)
    rmrf(workspace)
    progress('large: removing the large images and the build cache')
    await removeImages(ctx, await localImages(ctx, repo))
    await pruneBuildCache(ctx)
  }
  const col = k => pairs.map(p => p[k])
  const actionMedian = median(col('actionMs'))
  const rawMedian = median(col('rawMs'))
  const pct = ((actionMedian - rawMedian) / rawMedian) * 100
  // The same argv on the same engine: the builds should cost the same; what differs is around them.
  const buildRatio = median(col('actionBuildMs')) / median(col('rawBuildMs'))
  const ownMs = median(col('actionOutsideBuildMs')) - median(col('rawOutsideBuildMs'))
  const ownPct = (ownMs / rawMedian) * 100
  const notes = []
  const registryBytesAfter = await registryDiskBytes(ctx)
  const grown = registryBytesAfter !== null && registryBytesBefore !== null ? registryBytesAfter - registryBytesBefore : null
  if (grown !== null)
    notes.push(`large: the registry's storage grew by ${round(grown / 1e6)} MB (blobs stay until the registry's garbage-collect)`)
  if (layerBytes < TARGETS.largeLayerBytes) notes.push(`large: only ${round(layerBytes / 1e6)} MB of layers`)
  if (!pairs.every(p => p.actionRanAllSteps && p.rawRanAllSteps)) notes.push('large: a timed build reused cached RUN steps')
  const spread = (Math.max(...col('rawBuildMs')) - Math.min(...col('rawBuildMs'))) / median(col('rawBuildMs'))
  if (pairs.length > 1 && spread > (TARGETS.largeOverheadPct / 100) * 2)
    notes.push(
      `large: the raw builds alone spread over ${round(spread * 100, 1)} % of their median (machine load): the direct (action - raw) figure is within that noise; "action's own time" is the steadier one`
    )
  const pairedDiff = median(pairs.map(p => p.actionMs - p.rawMs))
  const pairedPct = (pairedDiff / rawMedian) * 100
  return {
    repo,
    argv: argv.map(x => x.replace(ctx.reg.password, '***')),
    layerBytes,
    registryGrowthBytes: grown,
    pairs,
    action: summary(col('actionMs')),
    raw: summary(col('rawMs')),
    actionBuild: summary(col('actionBuildMs')),
    rawBuild: summary(col('rawBuildMs')),
    actionOutsideBuild: summary(col('actionOutsideBuildMs')),
    rawOutsideBuild: summary(col('rawOutsideBuildMs')),
    actionMedianMs: round(actionMedian),
    rawMedianMs: round(rawMedian),
    diffMs: round(actionMedian - rawMedian),
    pairedDiffMedianMs: round(pairedDiff),
    // Interleaved A/B pairs: the median of each pair's difference is the direct figure; the
    // difference of the two medians is kept beside it (it takes each side's noise whole).
    pairedPct: round(pairedPct, 2),
    overheadPct: round(pct, 2),
    buildRatio: round(buildRatio, 3),
    ownMs: round(ownMs),
    ownPct: round(ownPct, 2),
    target: TARGETS.largeOverheadPct,
    pass: pairedPct < TARGETS.largeOverheadPct,
    ownPass: ownPct < TARGETS.largeOverheadPct,
    loadavg: loadavg(),
    notes
  }
}

// ------------------------------------------------------------------------------------------ report

async function machineFacts(ctx) {
  const env = { ...BASE_ENV(), HOME: ctx.adminDir, DOCKER_CONFIG: ctx.adminConfig }
  const server = await run(ctx.docker, ['version', '--format', '{{.Server.Version}}'], { env, timeoutMs: 30_000 })
  const client = await run(ctx.docker, ['version', '--format', '{{.Client.Version}}'], { env, timeoutMs: 30_000 })
  const buildx = await run(ctx.docker, ['buildx', 'version'], { env, timeoutMs: 30_000 })
  const driver = await run(ctx.docker, ['info', '--format', '{{.Driver}}'], { env, timeoutMs: 30_000 })
  const git = await run('git', ['-C', REPO, 'rev-parse', 'HEAD'], { env, timeoutMs: 30_000 })
  const newestSrc = Math.max(
    ...fs
      .readdirSync(path.join(REPO, 'src'), { recursive: true })
      .map(f => path.join(REPO, 'src', f))
      .filter(f => fs.statSync(f).isFile())
      .map(f => fs.statSync(f).mtimeMs)
  )
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpu: os.cpus()[0]?.model ?? '?',
    memoryBytes: os.totalmem(),
    kernel: os.release(),
    node: process.version,
    dockerServer: server.stdout.trim(),
    dockerClient: client.stdout.trim(),
    buildx: buildx.stdout.trim(),
    storageDriver: driver.stdout.trim(),
    gitHead: git.stdout.trim(),
    distIndexSha256: createHash('sha256').update(fs.readFileSync(ENTRY)).digest('hex'),
    distOlderThanSrc: fs.statSync(ENTRY).mtimeMs < newestSrc,
    loadavgAtStart: loadavg()
  }
}

function figures(results) {
  const f = []
  const add = (section, name, value, target, pass) => f.push({ section, name, value, target, pass })
  const o = results.overhead
  if (o) {
    add('overhead', 'action (main+post), median', ms(o.actionMedianMs), '', null)
    add('overhead', 'raw CLI (login+build+logout), median', ms(o.rawMedianMs), '', null)
    add('overhead', 'action - raw, medians', ms(o.diffMs), '', null)
    add('overhead', 'action / raw ratio', String(o.ratio), `<= ${o.target}`, o.pass)
  }
  for (const [section, r] of [
    ['rebuild', results.rebuild],
    ['rebuild (classic store)', results.rebuildClassic]
  ]) {
    if (!r) continue
    add(section, `cold build + push, median of ${r.cycles}`, ms(r.coldMs), '', null)
    add(section, 'warm rebuild on a wiped engine, median', ms(r.warmMs), '', null)
    add(section, 'warm / cold ratio, median', String(r.ratio), `<= ${r.ratioTarget}`, r.ratioPass)
    add(section, 'warm / cold, the buildx build alone', String(r.buildRatio), '', null)
    add(section, 'raw CLI: cold, warm (same argv), medians', `${ms(r.rawColdMs)}, ${ms(r.rawWarmMs)}`, '', null)
    add(section, 'raw CLI warm / cold (the engine floor)', String(r.rawRatio), '', null)
    add(section, 'layer blobs uploaded on warm, most', String(r.layerUploadsOnWarm), `${r.layerUploadsTarget}`, r.layerUploadsPass)
  }
  const s = results.startup
  if (s) {
    add('startup', 'dist/ total size', `${s.dist.bytes} B`, `<= ${s.distTarget} B`, s.distPass)
    add(
      'startup',
      `spawn node -> first engine request, median`,
      `${ms(s.firstEngineMedianMs)} (${s.firstEngineRequests.join(', ')})`,
      `<= ${s.firstCommandTarget} ms`,
      s.firstCommandPass
    )
    add('startup', 'spawn node -> first docker CLI command, median', ms(s.firstCommandMedianMs), '', null)
    add('startup', 'node -e 0, median (reference)', ms(s.reference.nodeBareMs.median), '', null)
    add('startup', 'bundle load to input error, median (ref)', ms(s.reference.bundleLoadMs.median), '', null)
    add('startup', 'docker buildx inspect, median (reference)', ms(s.reference.buildxInspectMs.median), '', null)
  }
  const l = results.large
  if (l) {
    add(
      'large',
      `layers pushed per run`,
      `${round(l.layerBytes / 1e6)} MB`,
      `>= ${TARGETS.largeLayerBytes / 1e6} MB`,
      l.layerBytes >= TARGETS.largeLayerBytes
    )
    add('large', 'action / raw CLI, medians', `${ms(l.actionMedianMs)} / ${ms(l.rawMedianMs)}`, '', null)
    add('large', '(action - raw) / raw: median of the pairs', `${l.pairedPct} %`, `< ${l.target} %`, l.pass)
    add('large', '(action - raw) / raw: difference of medians', `${l.overheadPct} %`, '', null)
    add('large', 'same build argv: action / raw build time', String(l.buildRatio), '', null)
    add('large', "action's own time (outside build) - raw's", `${ms(l.ownMs)} (${l.ownPct} %)`, `< ${l.target} %`, l.ownPass)
    add(
      'large',
      'raw build spread (max - min) / median',
      `${round(((l.rawBuild.max - l.rawBuild.min) / l.rawBuild.median) * 100, 1)} %`,
      '',
      null
    )
    if (o) add('large', 'overhead diff (1) / raw median (4)', `${round((o.diffMs / l.rawMedianMs) * 100, 2)} %`, `< ${l.target} %`, null)
  }
  return f
}

function table(rows) {
  const head = ['section', 'figure', 'value', 'target', 'result']
  const cells = rows.map(r => [r.section, r.name, r.value, r.target, r.pass === null ? '' : r.pass ? 'pass' : 'FAIL'])
  const w = head.map((h, i) => Math.max(h.length, ...cells.map(c => c[i].length)))
  const line = c =>
    c
      .map((x, i) => x.padEnd(w[i]))
      .join('  ')
      .trimEnd()
  return [line(head), line(w.map(n => '-'.repeat(n))), ...cells.map(line)].join('\n')
}

async function writeJson(file, data) {
  let text = `${JSON.stringify(data, null, 2)}\n`
  try {
    // Keep the file as the repo's Prettier would write it, so `prettier --check .` does not trip.
    const prettier = await import('prettier')
    const config = (await prettier.resolveConfig(file)) ?? {}
    text = await prettier.format(text, { ...config, parser: 'json' })
  } catch {
    /* plain JSON */
  }
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, text)
}

// ------------------------------------------------------------------------------------------ main

async function cleanupAll(ctx) {
  for (const c of CHILDREN) killGroup(c)
  if (ctx?.adminConfig && fs.existsSync(ctx.adminConfig)) {
    await run(ctx.docker, ['logout', ctx.reg.host], {
      env: { ...BASE_ENV(), HOME: ctx.adminDir, DOCKER_CONFIG: ctx.adminConfig },
      timeoutMs: 15_000
    })
  }
  if (TMP_ROOT) rmrf(TMP_ROOT)
}

async function main() {
  if (!fs.existsSync(ENTRY)) fail(`${path.relative(REPO, ENTRY)} is missing: run \`npm run build\` first`)
  const reg = readEnvFile()
  TMP_ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'docker-ship-bench-'))
  const adminDir = fs.mkdtempSync(path.join(TMP_ROOT, 'admin-'))
  const ctx = {
    reg,
    docker: realDocker(),
    adminDir,
    adminConfig: path.join(adminDir, 'config'),
    base: `${reg.host}/bench/base:busybox`,
    sha: createHash('sha1').update(RUN_ID).digest('hex'),
    fakeToken: `ghs_${randomBytes(18).toString('hex')}`,
    inputDefaults: await actionInputs()
  }
  fs.mkdirSync(ctx.adminConfig, { mode: 0o700 })

  let interrupted = false
  const onSignal = sig => {
    if (interrupted) return
    interrupted = true
    progress(`${sig}: stopping, cleaning up`)
    cleanupAll(ctx).finally(() => process.exit(130))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const deadline = setTimeout(() => {
    progress(`deadline of ${DEADLINE_MS / 60_000} min passed: stopping`)
    cleanupAll(ctx).finally(() => process.exit(2))
  }, DEADLINE_MS)
  deadline.unref()

  const results = { sections: OPTS.only, quick: OPTS.quick, counts: COUNTS, runId: RUN_ID }
  let exitCode = 0
  try {
    const ping = await adminDocker(ctx, ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 30_000 })
    must(ping, 'docker version (is the engine up? bash scripts/e2e-env.sh)')
    must(
      await adminDocker(ctx, ['login', '--username', reg.user, '--password-stdin', reg.host], { input: reg.password, timeoutMs: 60_000 }),
      'docker login of the bench'
    )
    results.machine = await machineFacts(ctx)
    if (results.machine.distOlderThanSrc) progress('note: dist/index.js is older than a file in src/ (npm run build?)')
    progress(
      `${results.machine.nproc} cores, node ${results.machine.node}, engine ${results.machine.dockerServer}, sections ${OPTS.only.join(', ')}${OPTS.quick ? ' (quick)' : ''}`
    )
    await ensureBase(ctx)
    const sections = { overhead, rebuild, startup, large }
    for (const name of OPTS.only) {
      const t = performance.now()
      progress(`== ${name}`)
      results[name] = await sections[name](ctx)
      results[name].sectionSeconds = round((performance.now() - t) / 1000)
      if (name === 'rebuild' && reg.classicHost) {
        // GitHub-hosted runners' Docker keeps images in the classic store: inline cache there.
        const t2 = performance.now()
        progress(`== rebuild on the classic image store (${reg.classicHost})`)
        results.rebuildClassic = await rebuild({ ...ctx, dockerHost: reg.classicHost })
        results.rebuildClassic.sectionSeconds = round((performance.now() - t2) / 1000)
      }
    }
  } catch (e) {
    progress(`FAILED: ${e instanceof Error ? e.stack || e.message : String(e)}`)
    results.error = e instanceof Error ? e.message : String(e)
    exitCode = 2
  } finally {
    await cleanupAll(ctx)
    clearTimeout(deadline)
  }
  results.totalSeconds = round((performance.now() - T0) / 1000)
  if (results.machine && fs.existsSync(ENTRY)) {
    results.machine.loadavgAtEnd = loadavg()
    const sha = createHash('sha256').update(fs.readFileSync(ENTRY)).digest('hex')
    if (sha !== results.machine.distIndexSha256) {
      results.machine.distIndexSha256AtEnd = sha
      progress('note: dist/index.js changed during the run (someone rebuilt it): the figures mix two bundles')
    }
  }
  results.notes = [...OPTS.only.flatMap(s => results[s]?.notes ?? []), ...(results.rebuildClassic?.notes ?? []), ...REDONE]
  if (results.machine?.distOlderThanSrc)
    results.notes.push('dist/index.js is older than a file in src/: the bundle measured may not be the current source')
  if (results.machine?.distIndexSha256AtEnd) results.notes.push('dist/index.js changed during the run: the figures mix two bundles')
  if (results.machine && Math.max(...results.machine.loadavgAtStart, ...results.machine.loadavgAtEnd) > (results.machine.nproc ?? 1)) {
    results.notes.push(
      `load average above the core count (start ${results.machine.loadavgAtStart.join(' ')}, end ${results.machine.loadavgAtEnd.join(' ')}): other work shared the machine`
    )
  }
  results.figures = figures(results)
  const out = path.resolve(
    OPTS.out ?? path.join(REPO, 'bench', OPTS.quick || OPTS.only.length < SECTIONS.length ? 'results-partial.json' : 'results.json')
  )
  await writeJson(out, results)
  console.log(table(results.figures))
  for (const n of results.notes) console.log(`note: ${n}`)
  if (results.error) console.log(`error: ${results.error}`)
  progress(`done in ${results.totalSeconds} s; results in ${path.relative(process.cwd(), out) || out}`)
  process.exitCode = exitCode
}

await main()

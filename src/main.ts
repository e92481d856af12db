import * as path from 'node:path'
import * as core from '@actions/core'
import { planCache } from './cache.js'
import { DockerCli } from './engine/docker.js'
import { BuildError, type BuildOutcome, type Engine, PushError } from './engine/engine.js'
import { checkPlatforms } from './engine/platforms.js'
import { PodmanCli } from './engine/podman.js'
import { probeEngine } from './engine/select.js'
import { type EarlyProbe, probeKey } from './early-probe.js'
import { CommandError } from './exec.js'
import { InputError } from './errors.js'
import { checkBuildFiles, gatherFacts } from './facts.js'
import { runnerDockerConfig } from './runner.js'
import { readGitHubContext } from './github-context.js'
import type { Login } from './plan.js'
import { logPlan, setPlanOutputs, setResultOutputs } from './report.js'
import { makeTargets, type Target } from './targets.js'
import { createRunDir, type RunDir, writeSecretFiles } from './run-dir.js'
import { readSettings, type Settings } from './settings.js'
import type { Builder } from './shared/builder.js'
import { cleanUp } from './post.js'
import { markMainStarted, type PostState, savePostState } from './state.js'
import { writeFailureSummary, writeSummary } from './summary.js'
import { setYamlParser, YAML_INPUTS } from './yaml.js'

const SECRET_INPUTS = ['password', 'github-token', 'secrets', 'registries']

/** Masks every secret input before anything else can print it. */
function maskSecretInputs(): void {
  const values = new Set<string>()
  for (const name of SECRET_INPUTS) {
    const raw = core.getInput(name, { trimWhitespace: false })
    if (raw.trim() === '') continue
    if (name !== 'registries') values.add(raw.trim())
    for (const line of raw.split(/\r?\n/)) {
      // secrets: `id=value` lines; registries: `password: value` keys of its YAML.
      const value =
        name === 'secrets' && line.includes('=')
          ? line.slice(line.indexOf('=') + 1).trim()
          : name === 'registries'
            ? (/^\s*-?\s*password:\s*(.*)$/.exec(line)?.[1] ?? '').trim().replace(/^(["'])(.*)\1$/, '$2')
            : ''
      if (value !== '') values.add(value)
    }
  }
  // The runner masks per line: a multi-line value is masked line by line.
  for (const v of values) for (const line of v.split(/\r?\n/)) if (line.trim() !== '') core.setSecret(line.trim())
}

async function main(early?: EarlyProbe): Promise<void> {
  const started = Date.now()
  markMainStarted()
  maskSecretInputs()
  if (YAML_INPUTS.some(name => core.getInput(name) !== '')) {
    // dist/yaml/index.js, its own bundle (see the build script), loaded only here.
    const bundle: string = '../yaml/index.js'
    setYamlParser(((await import(/* webpackIgnore: true */ bundle)) as typeof import('./yaml-bundle.js')).parse)
  }
  const { settings, notices } = readSettings(name => core.getInput(name, { trimWhitespace: false }))
  const ctx = readGitHubContext(process.env)
  const targets = makeTargets(settings, ctx, await gatherFacts(settings, ctx, process.env))
  for (const t of targets) logPlan(t.plan, ctx, t.service, t === targets[0] ? [...notices, ...t.plan.notices] : t.plan.notices)
  setPlanOutputs(targets)
  for (const t of targets) checkBuildFiles(t.settings)
  if (settings.dryRun) {
    core.info('dry-run: no login, no build, no push.')
    return
  }
  await execute(settings, targets, started, early)
}

function passwordFor(s: Settings, login: Login): string {
  if (login.passwordFrom === 'github-token') return s.githubToken
  if (login.passwordFrom === 'registries') return s.registries[login.entry ?? -1]?.password ?? ''
  return s.password
}

/** The environment every engine command of this run gets: its own credentials, the engine to use. */
function engineEnv(settings: Settings, dir: RunDir): Record<string, string> {
  return {
    DOCKER_CONFIG: dir.configDir,
    DOCKER_BUILDKIT: '1',
    REGISTRY_AUTH_FILE: path.join(dir.configDir, 'auth.json'),
    ...(settings.dockerHost ? { DOCKER_HOST: settings.dockerHost } : {})
  }
}

function makeEngine(builder: Builder, env: Record<string, string>, settings: Settings): Engine {
  const policy = { retries: settings.retries, delayMs: settings.retryDelayMs }
  return builder.engine === 'podman' ? new PodmanCli(env, policy) : new DockerCli(env, builder, policy)
}

/** Once per run, when cache was asked for: podman has no inline or registry cache (BuildKit's). */
function logPodmanCache(s: Settings): void {
  const asked = [
    s.cacheExplicit ? `cache (${s.cache})` : '',
    s.cacheFrom.length > 0 ? 'cache-from' : '',
    s.cacheTo.length > 0 ? 'cache-to' : ''
  ].filter(Boolean)
  if (asked.length === 0) return
  const inputs = asked.length > 1 ? `Inputs ${asked.slice(0, -1).join(', ')} and ${asked[asked.length - 1]} do` : `Input ${asked[0]} does`
  core.info(`${inputs} not apply to podman (inline and registry cache are BuildKit features); podman builds with its local layer cache.`)
}

/** The plan carried out in this run's own folder, then the folder logged out of and deleted. */
async function execute(settings: Settings, targets: Target[], started: number, early?: EarlyProbe): Promise<void> {
  const dir = createRunDir(process.env.RUNNER_TEMP, runnerDockerConfig(process.env))
  const state: PostState = { root: dir.root, configDir: dir.configDir, registries: [] }
  savePostState(state)
  try {
    await loginBuildPush(settings, targets, started, dir, state, early)
  } finally {
    // Credentials and secret files go as soon as the work is done, not at the end of the job; the
    // post step is left only what this could not do.
    const out = { info: (m: string) => core.info(m), warning: (m: string) => core.warning(m) }
    if (await cleanUp(state, process.env, out)) savePostState({ registries: [] })
  }
}

/** Login, build, push, outputs; `state` grows as it goes, for the clean-up. */
async function loginBuildPush(
  settings: Settings,
  targets: Target[],
  started: number,
  dir: RunDir,
  state: PostState,
  early?: EarlyProbe
): Promise<void> {
  const env = engineEnv(settings, dir)
  const matching = early?.key === probeKey(settings.builder, settings.dockerHost) ? early.result : undefined
  const builder = await probeEngine(settings.engine, env, settings.builder || undefined, matching)
  for (const t of targets) checkPlatforms(t.plan, builder)
  const engine = makeEngine(builder, env, settings)
  state.engine = engine.name === 'podman' ? 'podman' : 'docker'
  state.env = env
  savePostState(state)
  const logins = [...new Map(targets.flatMap(t => t.plan.logins).map(l => [l.registry, l])).values()]
  if (logins.length > 0) {
    await core.group('Login', async () => {
      for (const login of logins) {
        const password = passwordFor(settings, login)
        // docker stores base64(user:password) in its config: mask that form too.
        core.setSecret(Buffer.from(`${login.username}:${password}`).toString('base64'))
        await engine.login(login.registry, login.username, password)
        state.registries.push(login.registry)
        savePostState(state)
        core.info(`Logged in to ${login.registry} as ${login.username}.`)
      }
    })
  }
  if (builder.engine === 'podman') logPodmanCache(settings)
  const secretFiles = writeSecretFiles(dir, settings.secrets)
  const outcomes: BuildOutcome[] = []
  for (const [i, { plan }] of targets.entries()) {
    const cache = planCache({ mode: settings.cache, from: settings.cacheFrom, to: settings.cacheTo }, plan, builder)
    const files = { iidFile: path.join(dir.root, `iid-${i}`), metadataFile: path.join(dir.root, `metadata-${i}.json`), secretFiles }
    try {
      outcomes.push(await engine.build(plan, files, cache))
    } catch (e) {
      if (e instanceof PushError) await writeFailureSummary(plan, e.pushed, e.notPushed, e.message)
      throw e
    }
  }
  await core.group('Outputs', async () => setResultOutputs(targets, outcomes))
  for (const [i, t] of targets.entries()) await writeSummary(t.plan, outcomes[i] as BuildOutcome, (Date.now() - started) / 1000)
}

/** The user-facing message of any failure: one line for bad input, the whole story otherwise. */
export function failureMessage(e: unknown): string {
  if (e instanceof InputError) return e.message
  if (e instanceof CommandError) return `${e.message}\n${e.stderr.trim() || e.stdout.trim()}`
  return e instanceof Error ? e.message : String(e)
}

/** The main step (the post step is post.ts). The only place that fails the step. */
export async function run(early?: EarlyProbe): Promise<void> {
  try {
    await runStep(early)
  } finally {
    early?.dispose()
  }
}

async function runStep(early?: EarlyProbe): Promise<void> {
  try {
    await main(early)
  } catch (e) {
    if (e instanceof BuildError) {
      // An annotation on the Dockerfile line BuildKit named, carrying the whole useful output.
      core.error(e.message, { title: 'Docker build failed', file: e.file, startLine: e.line })
      process.exitCode = 1
      return
    }
    core.setFailed(failureMessage(e))
  }
}

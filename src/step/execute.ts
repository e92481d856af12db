/**
 * The executing half of the main step, in this run's own folder: probe the engine, log in, build and
 * push every target, set the result outputs and the summary, then clean up.
 */
import * as path from 'node:path'
import * as core from '@actions/core'
import { maskLines } from '../shared/mask.js'
import { planCache } from '../plan/cache.js'
import { type EarlyProbe, probeKey } from '../engine/probe/early-probe.js'
import { DockerCli } from '../engine/docker.js'
import { type BuildOutcome, type Engine, PushError } from '../engine/engine.js'
import { checkPlatforms } from '../engine/platforms.js'
import { checkBuildInputs, checkSecretSources } from '../engine/capabilities.js'
import { PodmanCli } from '../engine/podman.js'
import { probeEngine } from '../engine/probe/select.js'
import type { Login, Plan } from '../plan/plan.js'
import { cleanUp } from './post.js'
import { chooseBuilder, setUpPlatforms } from './platform-setup.js'
import { indexToolFor, mergeIndexes } from './merge.js'
import { setResultOutputs } from './outputs.js'
import { createRunDir, type RunDir, writeSecretFiles } from './run-dir.js'
import { runnerDockerConfig } from '../shared/runner-env.js'
import type { BuildSecret, Settings } from '../plan/inputs/settings.js'
import type { Builder } from '../shared/builder.js'
import { type PostState, savePostState } from './state.js'
import { writeFailureSummary, writeLoginFailureSummary, writeSummary } from './summary.js'
import type { Target } from '../plan/targets.js'
import { promoteThenBuild } from './promote.js'
import { checkMovedTags } from './moved-tags.js'
import { testedBuilds, type TestedBuildsContext } from './tested-build.js'

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

/**
 * secret-envs for the engines that read secrets from files only (classic docker, podman): the
 * variable's value, masked, for a 0600 file of the run folder. buildx reads the variable itself.
 */
function envSecrets(s: Settings, builder: Builder): BuildSecret[] {
  if (builder.engine === 'buildx') return []
  return s.secretEnvs.map(({ id, env }) => {
    const value = process.env[env] ?? ''
    for (const mask of maskLines(value)) core.setSecret(mask)
    return { id, value }
  })
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

/** Adds `refs` to the references the post state lists as pushed. */
function recordPushed(state: PostState, refs: string[]): void {
  state.pushed = [...new Set([...(state.pushed ?? []), ...refs])]
  savePostState(state)
}

/** The plan carried out in this run's own folder, then the folder logged out of and deleted. */
export async function execute(settings: Settings, targets: Target[], started: number, early?: EarlyProbe): Promise<void> {
  const dir = createRunDir(process.env.RUNNER_TEMP, runnerDockerConfig(process.env))
  const state: PostState = { root: dir.root, configDir: dir.configDir, registries: [] }
  savePostState(state)
  try {
    await loginBuildPush(settings, targets, started, dir, state, early)
  } finally {
    // Main got to its end and reports what it pushed itself; only a main that never gets here
    // (cancelled, killed) leaves the post step the list.
    delete state.pushed
    savePostState(state)
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
  const probed = await probeEngine(settings.engine, env, settings.builder || undefined, matching)
  // A merge job builds nothing: no builder or emulator to set up, no platform, input or secret to check.
  const merging = settings.role === 'merge'
  const builder = merging ? probed : chooseBuilder(settings, targets, probed)
  for (const t of merging ? [] : targets) {
    checkPlatforms(t.plan, builder)
    checkBuildInputs(t.plan, builder)
    checkSecretSources(t.plan, process.env)
  }
  const engine = makeEngine(builder, env, settings)
  const indexTool = merging ? indexToolFor(builder, env, { retries: settings.retries, delayMs: settings.retryDelayMs }) : undefined
  state.engine = engine.name === 'podman' ? 'podman' : 'docker'
  state.env = env
  state.pushed = []
  savePostState(state)
  if (!merging) await setUpPlatforms(settings, targets, builder, probed, env, state)
  const logins = [...new Map(targets.flatMap(t => t.plan.logins).map(l => [l.registry, l])).values()]
  if (logins.length > 0) {
    await core.group('Login', async () => {
      for (const login of logins) {
        const password = passwordFor(settings, login)
        // docker stores base64(user:password) in its config: mask that form too.
        core.setSecret(Buffer.from(`${login.username}:${password}`).toString('base64'))
        try {
          await engine.login(login.registry, login.username, password)
        } catch (e) {
          await writeLoginFailureSummary(
            targets.map(t => t.plan),
            login.registry,
            e instanceof Error ? e.message : String(e)
          )
          throw e
        }
        state.registries.push(login.registry)
        savePostState(state)
        core.info(`Logged in to ${login.registry} as ${login.username}.`)
      }
    })
  }
  if (indexTool) return mergeIndexes(targets[0] as Target, indexTool, started, process.env.GITHUB_SHA ?? '')
  if (builder.engine === 'podman') logPodmanCache(settings)
  const secretFiles = writeSecretFiles(dir, [...settings.secrets, ...envSecrets(settings, builder)])
  const cacheOf = (plan: Plan) => planCache({ mode: settings.cache, from: settings.cacheFrom, to: settings.cacheTo }, plan, builder)
  const filesOf = (i: number) => ({
    iidFile: path.join(dir.root, `iid-${i}`),
    metadataFile: path.join(dir.root, `metadata-${i}.json`),
    secretFiles
  })
  const builds = { engine, settings, targets, files: filesOf, cache: cacheOf, onPushed: (refs: string[]) => recordPushed(state, refs) }
  const credentialsFor = (plan: Plan, registry: string) => {
    const l = plan.logins.find(x => x.registry === registry)
    return l ? { username: l.username, password: passwordFor(settings, l) } : undefined
  }
  const outcomes = await promoteThenBuild(builds, credentialsFor, c => (settings.test ? testedBuilds(c) : buildEach(c)))
  await checkMovedTags(targets, outcomes, credentialsFor)
  await core.group('Outputs', async () => setResultOutputs(targets, outcomes))
  for (const [i, t] of targets.entries()) await writeSummary(t.plan, outcomes[i] as BuildOutcome, (Date.now() - started) / 1000)
}

/** Each target built and pushed in turn (no `test`); a failed push writes what it left. */
async function buildEach(c: TestedBuildsContext): Promise<BuildOutcome[]> {
  const outcomes: BuildOutcome[] = []
  for (const [i, { plan }] of c.targets.entries()) {
    try {
      outcomes.push(await c.engine.build(plan, c.files(i), c.cache(plan), c.onPushed))
    } catch (e) {
      if (e instanceof PushError) await writeFailureSummary(plan, e.pushed, e.notPushed, e.message)
      throw e
    }
  }
  return outcomes
}

/**
 * One step for any platforms: before the login, the emulators the platforms need are registered
 * (emulator-install.ts) and, when the engine's builder cannot build several platforms into one
 * image, a docker-container builder is made for this step (step-builder.ts), recorded in the
 * post state first so that the clean-up removes it however the step ends (remove-builder.ts).
 */
import { randomBytes } from 'node:crypto'
import * as core from '@actions/core'
import { engineIsLocal, platformArch } from '../engine/emulation.js'
import { ensureEmulators, type EmulatorHost, localHost } from '../engine/emulator-install.js'
import { lastErrorLine } from '../engine/engine.js'
import { CommandError, run } from '../engine/exec.js'
import { createBuilderArgs, needsStepBuilder, stepBuilder, stepBuilderName } from '../engine/step-builder.js'
import { InputError } from '../shared/errors.js'
import { plain } from '../shared/log-text.js'
import type { Builder } from '../shared/builder.js'
import { childEnv } from '../shared/runner-env.js'
import { CommandTimeout, TIMEOUT_ENV, timeoutMs } from '../shared/timeouts.js'
import type { Settings } from '../plan/inputs/settings.js'
import type { Target } from '../plan/targets.js'
import { type PostState, savePostState } from './state.js'

/** Every platform the targets build, once. */
function allPlatforms(targets: readonly Target[]): string[] {
  return [...new Set(targets.flatMap(t => t.plan.build.platforms))]
}

/** The builder the build runs on: the probed one, or this step's own docker-container builder. */
export function chooseBuilder(settings: Settings, targets: readonly Target[], probed: Builder): Builder {
  const most = Math.max(0, ...targets.map(t => t.plan.build.platforms.length))
  return needsStepBuilder(most, probed, settings.builder) ? stepBuilder(stepBuilderName(randomBytes(4).toString('hex'))) : probed
}

/** Registers the missing emulators, then makes this step's builder when `builder` is one (not the probed). */
export async function setUpPlatforms(
  settings: Settings,
  targets: readonly Target[],
  builder: Builder,
  probed: Builder,
  env: Record<string, string>,
  state: PostState,
  host: EmulatorHost = localHost(env)
): Promise<void> {
  const platforms = allPlatforms(targets)
  const engine = builder.engine === 'podman' ? 'podman' : 'docker'
  // A remote engine, or a remote/kubernetes builder, emulates with its own kernel's registrations.
  const local = engineIsLocal(engine, childEnv(process.env, env)) && !['remote', 'kubernetes'].includes(builder.driver ?? '')
  if (platforms.length > 0 && local) {
    await core.group('Emulators', async () => {
      const needs = await ensureEmulators({ engine, platforms, hostArch: platformArch(process.arch), image: settings.qemuImage }, host)
      if (needs.length === 0) core.info(`Every platform of ${platforms.join(', ')} runs natively or has an emulator registered.`)
    })
  }
  if (builder === probed || !builder.name) return
  const name = builder.name
  state.builder = name
  savePostState(state)
  await core.group('Builder', async () => {
    core.info(
      `The buildx "${probed.driver ?? 'docker'}" driver on the classic image store cannot build ${platforms.join(', ')} into one image: creating the docker-container builder ${name} for this step (input "buildkit-image"); it is removed when the step ends.`
    )
    const args = createBuilderArgs(name, settings.buildkitImage)
    let why = ''
    try {
      const r = await run('docker', args, { env, allowFailure: true, timeoutMs: timeoutMs('setup', process.env) })
      if (r.exitCode !== 0) why = lastErrorLine(`${r.stdout}\n${r.stderr}`) || `exit code ${r.exitCode}`
    } catch (e) {
      if (e instanceof CommandTimeout) why = `it did not finish in ${e.ms / 1000} s and was stopped; ${TIMEOUT_ENV} sets a longer bound`
      else if (e instanceof CommandError) why = lastErrorLine(`${e.stdout}\n${e.stderr}`) || e.message
      else throw e
    }
    if (why) {
      throw new InputError(
        `Input "buildkit-image" is "${plain(settings.buildkitImage)}", but "docker ${args.join(' ')}" could not start it (${plain(why)}): give a BuildKit image the engine can pull, or enable the containerd image store in the Docker engine (its own builder then builds several platforms), or create a builder before this step (docker/setup-buildx-action) and name it in builder.`
      )
    }
  })
}

/**
 * The main step (dist/main/): mask the secrets, read the inputs and the GitHub context, plan, log
 * the plan and set its outputs, then execute it unless it is a dry run. The one place that fails
 * the step.
 */
import * as core from '@actions/core'
import { type EarlyProbe } from '../engine/probe/early-probe.js'
import { BuildError } from '../engine/engine.js'
import { annotationFile } from './annotation-file.js'
import { CommandError } from '../engine/exec.js'
import { InputError } from '../shared/errors.js'
import { plain } from '../shared/log-text.js'
import { execute } from './execute.js'
import { checkBuildFiles, gatherFacts } from './facts.js'
import { readGitHubContext } from '../plan/inputs/github-context.js'
import { logPlan } from './log-plan.js'
import { setPlanOutputs } from './outputs.js'
import { readSettings } from '../plan/inputs/settings.js'
import { markMainStarted } from './state.js'
import { secretInputMasks } from './masks.js'
import { makeTargets } from '../plan/targets.js'
import { targetsForRole } from '../plan/distribute.js'
import { secretBuildArgs } from '../plan/secret-args.js'
import { setYamlParser, YAML_INPUTS } from '../plan/inputs/yaml-parser.js'

/** Masks every secret input before anything else can print it. */
function maskSecretInputs(): void {
  for (const mask of secretInputMasks(name => core.getInput(name, { trimWhitespace: false }))) core.setSecret(mask)
}

async function main(early?: EarlyProbe): Promise<void> {
  const started = Date.now()
  markMainStarted()
  maskSecretInputs()
  if (YAML_INPUTS.some(name => core.getInput(name) !== '')) {
    // dist/yaml/index.js, its own bundle (see the build script), loaded only here.
    const bundle: string = '../yaml/index.js'
    setYamlParser(((await import(/* webpackIgnore: true */ bundle)) as typeof import('../lazy/yaml.js')).parse)
  }
  const { settings, notices } = readSettings(name => core.getInput(name, { trimWhitespace: false }))
  const ctx = readGitHubContext(process.env)
  if (ctx.payloadWarning) core.warning(plain(ctx.payloadWarning), { title: 'Default branch unknown' })
  const targets = targetsForRole(makeTargets(settings, ctx, await gatherFacts(settings, ctx, process.env)), settings.role, ctx.sha)
  for (const t of targets) logPlan(t.plan, ctx, t.service, t === targets[0] ? [...notices, ...t.plan.notices] : t.plan.notices)
  setPlanOutputs(targets)
  for (const t of targets) {
    // A merge job builds nothing and needs no checkout.
    if (settings.role !== 'merge') checkBuildFiles(t.settings)
    for (const name of secretBuildArgs(t.settings, process.env)) {
      core.warning(
        `Build arg ${name} holds a secret input's value, which stays in the image's history for anyone who pulls it: pass it with "secrets" (id=value, read by RUN --mount=type=secret,id=...) instead.`,
        { title: 'Secret in a build arg' }
      )
    }
  }
  if (settings.dryRun) {
    core.info('dry-run: no login, no build, no push.')
    return
  }
  await execute(settings, targets, started, early)
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
      core.error(e.message, { title: 'Docker build failed', file: annotationFile(e.file, process.env.GITHUB_WORKSPACE), startLine: e.line })
      process.exitCode = 1
      return
    }
    core.setFailed(failureMessage(e))
  }
}

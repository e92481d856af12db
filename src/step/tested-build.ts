/**
 * The builds of a step with a `test` input: every target built and loaded into the engine, then the
 * one test (IMAGE: the first image, IMAGE_<SERVICE> for each compose service), then, only when it
 * passed, the push (test-plan.ts decides how). A failing test pushes nothing, for any target.
 */
import * as core from '@actions/core'
import type { CachePlan } from '../plan/cache.js'
import type { BuildFiles } from '../engine/argv.js'
import { type BuildOutcome, type Engine, PushError } from '../engine/engine.js'
import type { Plan } from '../plan/plan.js'
import type { Settings } from '../plan/inputs/settings.js'
import type { Target } from '../plan/targets.js'
import { runnerPlatform, testedBuild, testEnv } from '../plan/test-plan.js'
import { plain } from '../shared/log-text.js'
import { runImageTest, TestFailed } from './image-test.js'
import { setTestResult } from './outputs.js'
import { writeFailureSummary, writeTestFailureSummary } from './summary.js'

/** What a step's builds need: the engine, the settings, the targets, each one's run files and cache plan. */
export interface TestedBuildsContext {
  engine: Engine
  settings: Settings
  targets: Target[]
  files: (index: number) => BuildFiles
  cache: (plan: Plan) => CachePlan
  /** Told each reference once it is pushed (main records them for the post step). */
  onPushed?: (references: string[]) => void
}

/** Build and load every target, test, then push: the outcomes, in the order of the targets. */
export async function testedBuilds(c: TestedBuildsContext): Promise<BuildOutcome[]> {
  const runner = runnerPlatform(process.arch)
  const run = process.env.GITHUB_RUN_ID || String(process.pid)
  const tested = c.targets.map((t, i) => testedBuild(t.plan, c.engine.name, runner, `docker-ship-test/run-${run}:${i}`))
  const built: BuildOutcome[] = []
  for (const [i, tb] of tested.entries()) {
    const plan = (c.targets[i] as Target).plan
    if (tb.load.build.platforms.length < plan.build.platforms.length) {
      core.info(`Building ${tb.platform} alone first, loaded for the test; the other platforms are built after it passed.`)
    }
    // The cache is written by the build that pushes: this one when the loaded image is pushed.
    built.push(await c.engine.build(tb.load, c.files(i), c.cache(tb.then === 'push-loaded' ? plan : tb.load)))
  }
  const images = tested.map((tb, i) => ({ service: (c.targets[i] as Target).service, image: tb.image, references: tb.load.references }))
  core.info(plain(`Testing ${images.map(m => m.image).join(', ')} with the "test" input.`))
  try {
    await runImageTest({
      script: c.settings.test,
      env: testEnv(images, c.settings.dockerHost),
      unset: c.settings.secretEnvs.map(s => s.env),
      cwd: process.env.GITHUB_WORKSPACE || undefined
    })
  } catch (e) {
    if (e instanceof TestFailed) {
      setTestResult(false)
      for (const t of c.targets) await writeTestFailureSummary(t.plan, e.message)
    }
    throw e
  }
  setTestResult(true)
  const outcomes: BuildOutcome[] = []
  for (const [i, tb] of tested.entries()) {
    const plan = (c.targets[i] as Target).plan
    try {
      if (tb.then === 'push-loaded') outcomes.push(await c.engine.pushLoaded(plan, c.files(i), built[i] as BuildOutcome, c.onPushed))
      else if (tb.then === 'rebuild') outcomes.push(await c.engine.build(plan, c.files(i), c.cache(plan), c.onPushed))
      else outcomes.push(built[i] as BuildOutcome)
    } catch (e) {
      if (e instanceof PushError) await writeFailureSummary(plan, e.pushed, e.notPushed, e.message)
      throw e
    }
  }
  return outcomes.map(o => ({ ...o, tested: true }))
}

/**
 * Runs the `test` input on the runner: bash -e in the workspace, through the exec wrapper (its
 * output streamed between stop-commands markers: it comes from the repository), in a "Test" group.
 * No time bound of its own: the job's timeout-minutes bounds it, as it bounds a `run:` step.
 */
import * as core from '@actions/core'
import { CommandError, run } from '../engine/exec.js'
import { lastLines, testArgv } from '../plan/test-plan.js'

/** The test failed: nothing was pushed; the message carries its last lines. */
export class TestFailed extends Error {
  constructor(
    message: string,
    readonly exitCode: number
  ) {
    super(message)
    this.name = 'TestFailed'
  }
}

export interface TestRun {
  script: string
  /** Added to the runner's environment (IMAGE, IMAGE_TAGS, ...). */
  env: Record<string, string>
  /** Variables of the runner's environment the test does not get (secret-envs). */
  unset: string[]
  cwd: string | undefined
}

/** Runs the test; a failure throws TestFailed with the test's own last lines. */
export async function runImageTest(t: TestRun): Promise<void> {
  const [command, args] = testArgv(t.script)
  const started = Date.now()
  const result = await core.group('Test', async () => {
    try {
      return await run(command, args, { env: t.env, unset: t.unset, cwd: t.cwd, allowFailure: true })
    } catch (e) {
      // bash itself could not be started.
      if (e instanceof CommandError) return { exitCode: e.exitCode, stdout: '', stderr: e.stderr, output: e.stderr }
      throw e
    }
  })
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  if (result.exitCode === 0) {
    core.info(`Test passed in ${seconds} s.`)
    return
  }
  const tail = lastLines(result.output ?? `${result.stdout}\n${result.stderr}`)
  throw new TestFailed(
    [
      `Input "test" failed with exit code ${result.exitCode} after ${seconds} s, so nothing was pushed. Its last lines (the whole output is in the "Test" group of the log):`,
      ...tail.map(l => `  ${l}`)
    ].join('\n'),
    result.exitCode
  )
}

/**
 * The job summary (GITHUB_STEP_SUMMARY): what was built and pushed, or what a failed push left.
 */
import * as core from '@actions/core'
import type { BuildOutcome } from '../engine/engine.js'
import type { Plan } from '../plan/plan.js'
import { movedTagLine } from '../engine/tag-check.js'

/** The job summary: what was built and pushed, where, how fast, how much came from cache. */
export async function writeSummary(plan: Plan, outcome: BuildOutcome, seconds: number): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  const rows = [
    [{ data: 'Image', header: true }, plan.image],
    [
      { data: 'Pushed', header: true },
      outcome.pushed.length > 0 ? outcome.pushed.map(r => `<code>${r}</code>`).join('<br>') : `nothing (${plan.pushReason})`
    ],
    [{ data: 'Digest', header: true }, outcome.digest ? `<code>${outcome.digest}</code>` : '-'],
    ...(outcome.promotedFrom ? [[{ data: 'Promoted from', header: true }, `<code>${outcome.promotedFrom}</code> (no build)`]] : []),
    [{ data: 'Engine', header: true }, outcome.engine],
    [{ data: 'Duration', header: true }, `${seconds.toFixed(1)} s`],
    [{ data: 'Cached steps', header: true }, `${outcome.steps.cached} of ${outcome.steps.steps}`],
    ...(outcome.tested ? [[{ data: 'Test', header: true }, 'passed']] : []),
    ...(outcome.moved?.length
      ? [[{ data: 'Tags moved', header: true }, outcome.moved.map(m => movedTagLine(m, outcome.digest)).join('<br>')]]
      : [])
  ]
  await writeOrWarn(() => core.summary.addHeading(`Docker image ${plan.version}`, 3).addTable(rows).write())
}

/**
 * The summary is reporting: one that cannot be written (GITHUB_STEP_SUMMARY missing, a folder,
 * read-only) is a warning, never the failure of a job whose image is already pushed.
 */
async function writeOrWarn(write: () => Promise<unknown>): Promise<void> {
  try {
    await write()
  } catch (e) {
    core.summary.emptyBuffer()
    core.warning(`Could not write the job summary (GITHUB_STEP_SUMMARY): ${e instanceof Error ? e.message : String(e)}`)
  }
}

/** A failed push: which references made it and which did not, so nothing half-done looks done. */
export async function writeFailureSummary(plan: Plan, pushed: string[], notPushed: string[], reason: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  const list = (refs: string[]) => (refs.length > 0 ? refs.map(r => `<code>${r}</code>`).join('<br>') : 'none')
  await writeOrWarn(() =>
    core.summary
      .addHeading(`Docker image ${plan.version}: push failed`, 3)
      .addTable([
        [{ data: 'Image', header: true }, plan.image],
        [{ data: 'Pushed', header: true }, list(pushed)],
        [{ data: 'Not pushed', header: true }, list(notPushed)],
        [{ data: 'Reason', header: true }, reason]
      ])
      .write()
  )
}

/** A failed `test`: nothing pushed, and the test's last lines. */
export async function writeTestFailureSummary(plan: Plan, reason: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  const escaped = reason.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  await writeOrWarn(() =>
    core.summary
      .addHeading(`Docker image ${plan.version}: test failed, nothing pushed`, 3)
      .addTable([
        [{ data: 'Image', header: true }, plan.image],
        [{ data: 'Pushed', header: true }, 'none'],
        [{ data: 'Not pushed', header: true }, plan.references.map(r => `<code>${r}</code>`).join('<br>') || '-']
      ])
      .addCodeBlock(escaped)
      .write()
  )
}

/** A refused login: which registry, why, and that nothing was built or pushed (logins come first). */
export async function writeLoginFailureSummary(plans: Plan[], registry: string, reason: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  const first = plans[0]
  await writeOrWarn(() =>
    core.summary
      .addHeading(`Docker image ${first?.version ?? ''}: login to ${registry} failed`, 3)
      .addTable([
        [{ data: 'Image', header: true }, plans.map(p => p.image).join('<br>')],
        [{ data: 'Login failed', header: true }, `<code>${registry}</code>`],
        [{ data: 'Pushed', header: true }, 'nothing (the login failed before any build or push)'],
        [{ data: 'Reason', header: true }, reason]
      ])
      .write()
  )
}

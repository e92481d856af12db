/**
 * The merge job's summary: each platform image that went into the index, and the final tags.
 */
import * as core from '@actions/core'
import type { Plan } from '../plan/plan.js'
import type { PlatformImage } from '../plan/distribute.js'

export async function writeMergeSummary(plan: Plan, images: PlatformImage[], digests: string[], seconds: number): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  const code = (s: string) => `<code>${s.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</code>`
  const rows = [
    [{ data: 'Image', header: true }, plan.image],
    [{ data: 'Index', header: true }, [...new Set(digests)].map(code).join('<br>')],
    [{ data: 'Tags', header: true }, plan.references.map(code).join('<br>')],
    [{ data: 'Platforms', header: true }, images.map(i => `${i.platform}: ${code(`${i.reference}@${i.digest}`)}`).join('<br>')],
    [{ data: 'Duration', header: true }, `${seconds.toFixed(1)} s`]
  ]
  try {
    await core.summary.addHeading(`Docker image ${plan.version}: merged`, 3).addTable(rows).write()
  } catch (e) {
    core.summary.emptyBuffer()
    core.warning(`Could not write the job summary (GITHUB_STEP_SUMMARY): ${e instanceof Error ? e.message : String(e)}`)
  }
}

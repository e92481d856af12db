/**
 * What the post step says when main did not get to its end (a cancel, a kill): which references
 * were already pushed, in the log and in the job summary. Node built-ins only, like post.ts.
 */
import { appendFileSync } from 'node:fs'
import type { PostState } from './state.js'

/** The one line for the log: what is in the registry although the step did not finish. */
export function unfinishedLine(pushed: string[]): string {
  return pushed.length > 0
    ? `The main step did not finish (cancelled or stopped) after pushing ${pushed.join(', ')}: those references are in the registry; the rest of the plan was not pushed.`
    : 'The main step did not finish (cancelled or stopped) before any push: nothing was pushed.'
}

/** A job summary section naming the pushed references (HTML as @actions/core's summary writes it). */
export function unfinishedSummary(pushed: string[]): string {
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  const list = pushed.length > 0 ? pushed.map(r => `<code>${escape(r)}</code>`).join('<br>') : 'none'
  return `<h3>Docker image: the step did not finish</h3>\n<table><tr><th>Pushed before it stopped</th><td>${list}</td></tr></table>\n`
}

/**
 * Says what a main that did not finish had pushed: `state.pushed`, which main sets once it has an
 * engine and removes when it gets to its end (then it has said so itself).
 */
export function reportUnfinished(state: PostState, env: NodeJS.ProcessEnv, warn: (message: string) => void): void {
  const pushed = state.pushed
  if (pushed === undefined) return
  warn(unfinishedLine(pushed))
  const file = env.GITHUB_STEP_SUMMARY
  if (!file) return
  try {
    appendFileSync(file, unfinishedSummary(pushed))
  } catch (e) {
    warn(`Could not write the job summary (GITHUB_STEP_SUMMARY): ${(e as Error).message}`)
  }
}

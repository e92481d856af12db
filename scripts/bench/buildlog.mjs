// What the bench reads in build logs: BuildKit's steps (cached or not, their seconds), the
// action's `[command]` build line, and the head that every action/raw pair records.
import { round } from './common.mjs'

/** RUN, COPY and ADD steps of a BuildKit plain log and whether each came from cache. */
export function runSteps(log) {
  const steps = [...log.matchAll(/^#(\d+) \[(?:[^\]]* )?\d+\/\d+\] ((?:RUN|COPY|ADD) .*)$/gm)]
  return [...new Map(steps.map(m => [m[1], m[2]])).entries()].map(([id, name]) => ({
    name,
    cached: new RegExp(`^#${id} CACHED$`, 'm').test(log)
  }))
}

/** Seconds of each BuildKit vertex that says `#N DONE x.ys`, by its name (RUN ..., exporting ...). */
export function stepSeconds(log) {
  const names = new Map()
  for (const m of log.matchAll(/^#(\d+) (\S.*)$/gm))
    if (!names.has(m[1])) names.set(m[1], m[2].replace(/^\[(?:[^\]]* )?\d+\/\d+\] /, '').slice(0, 60))
  const out = {}
  for (const m of log.matchAll(/^#(\d+) DONE (\d+(?:\.\d+)?)s$/gm)) out[names.get(m[1]) ?? `#${m[1]}`] = Number(m[2])
  return out
}

/** The action's `[command]` build line with its run-dir paths blanked, to compare runs. */
export const normalisedLine = line =>
  line
    .replace(/^\[command\]\S+ /, '')
    .replace(/--iidfile \S+/, '--iidfile X')
    .replace(/--metadata-file \S+/, '--metadata-file X')

/** What every A/B pair records first: the order, the action's times, and both runs' steps. */
export function pairHead(a, r, actionFirst) {
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

// What every bench module shares: the repo's paths, the section names, the targets, the run id,
// progress lines on stderr, fatal usage errors, and the small statistics of the figures.
import { randomBytes } from 'node:crypto'
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const DIST = path.join(REPO, 'dist')
export const ENTRY = path.join(DIST, 'index.js')
export const SECTIONS = ['overhead', 'rebuild', 'startup', 'large', 'distribute', 'testinput', 'promote']

export const TARGETS = {
  overheadRatio: 1.5,
  rebuildRatio: 0.2,
  rebuildLayerUploads: 0,
  distBytes: 1_000_000,
  firstCommandMs: 100,
  largeOverheadPct: 2,
  largeLayerBytes: 200_000_000,
  promoteMs: 2_000
}

export function fail(message) {
  console.error(`bench: ${message}`)
  process.exit(2)
}

/** When the bench started: progress lines and the total time count from here. */
export const T0 = performance.now()

export function progress(message) {
  const s = ((performance.now() - T0) / 1000).toFixed(1).padStart(6)
  process.stderr.write(`[bench ${s}s] ${message}\n`)
}

/** A unique, lowercase, registry-safe id for this bench run. */
export const RUN_ID = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`

// ------------------------------------------------------------------------------------------ stats

export const median = xs => {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
export const round = (x, d = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x)
export const summary = xs => ({ median: round(median(xs)), min: round(Math.min(...xs)), max: round(Math.max(...xs)), n: xs.length })
export const ms = x => `${round(x, 0)} ms`

// The bench's command line: --quick, --only, --out, --help, and the run counts of each mode.
import * as fs from 'node:fs'
import { SECTIONS, fail } from './common.mjs'

/** The leading `//` comment of `file` (the entry's), as the --help text. */
function usage(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n')
  const header = lines.slice(
    0,
    lines.findIndex(l => !l.startsWith('//'))
  )
  return header.map(l => l.replace(/^\/\/ ?/, '')).join('\n')
}

/** --quick, --only LIST, --out FILE, --help (which prints the header comment of `usageFile`). */
export function parseArgs(argv, usageFile) {
  const opts = { quick: false, only: [...SECTIONS], out: undefined }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--quick') opts.quick = true
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a === '--only' ? argv[++i] : a.slice('--only='.length)
      const names = String(v ?? '')
        .split(',')
        .map(s => s.trim())
        .filter(Boolean)
      const bad = names.filter(n => !SECTIONS.includes(n))
      if (names.length === 0 || bad.length > 0) fail(`--only takes a comma list of ${SECTIONS.join(', ')} (got ${v ?? 'nothing'})`)
      opts.only = SECTIONS.filter(s => names.includes(s))
    } else if (a === '--out' || a.startsWith('--out=')) {
      opts.out = a === '--out' ? argv[++i] : a.slice('--out='.length)
      if (!opts.out) fail('--out needs a file name')
    } else if (a === '-h' || a === '--help') {
      console.log(usage(usageFile))
      process.exit(0)
    } else fail(`unknown argument ${a} (see --help)`)
  }
  return opts
}

/** How many runs, pairs and cycles each section takes: fewer with --quick. */
export const countsFor = quick =>
  quick
    ? {
        overheadPairs: 3,
        rebuildCycles: 1,
        startupRuns: 3,
        refRuns: 5,
        largePairs: 1,
        distributeRounds: 1,
        distributeLoops: 100000,
        testinputCycles: 1,
        promoteCycles: 1
      }
    : {
        overheadPairs: 7,
        rebuildCycles: 3,
        startupRuns: 8,
        refRuns: 8,
        largePairs: 4,
        distributeRounds: 3,
        distributeLoops: 300000,
        testinputCycles: 3,
        promoteCycles: 3
      }

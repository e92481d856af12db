import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { reportUnfinished } from '../../src/step/post-report.js'

describe('reportUnfinished', () => {
  const run = (pushed: string[] | undefined) => {
    const summary = path.join(mkdtempSync(path.join(tmpdir(), 'post-report-')), 'summary.md')
    const warnings: string[] = []
    reportUnfinished({ registries: [], ...(pushed ? { pushed } : {}) }, { GITHUB_STEP_SUMMARY: summary }, m => void warnings.push(m))
    let text = ''
    try {
      text = readFileSync(summary, 'utf8')
    } catch {
      // not written
    }
    return { warnings, text }
  }

  it('names what a main that did not finish pushed, in a warning and the summary', () => {
    const { warnings, text } = run(['r/a:1', 'r/a:main'])
    expect(warnings).toEqual([
      'The main step did not finish (cancelled or stopped) after pushing r/a:1, r/a:main: those references are in the registry; the rest of the plan was not pushed.'
    ])
    expect(text).toContain('<th>Pushed before it stopped</th><td><code>r/a:1</code><br><code>r/a:main</code></td>')
  })

  it('says nothing was pushed when main stopped before a push', () => {
    expect(run([]).warnings).toEqual(['The main step did not finish (cancelled or stopped) before any push: nothing was pushed.'])
  })

  it('is silent when main got to its end (it removes the list)', () => {
    expect(run(undefined)).toEqual({ warnings: [], text: '' })
  })
})

import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'

// scripts/check-cycles.mjs (npm run check:cycles, part of npm run lint) on tiny trees of its own.
const script = path.join(process.cwd(), 'scripts', 'check-cycles.mjs')
const roots: string[] = []
afterAll(() => roots.forEach(r => rmSync(r, { recursive: true, force: true })))

function check(files: Record<string, string>): { status: number | null; output: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'cycles-'))
  roots.push(root)
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true })
    writeFileSync(path.join(root, name), text)
  }
  const r = spawnSync(process.execPath, [script, root], { encoding: 'utf8' })
  return { status: r.status, output: `${r.stdout}${r.stderr}` }
}

describe('check-cycles', () => {
  it('passes a tree whose imports only go one way', () => {
    const r = check({
      'shared/words.ts': 'export const WORDS = 1\n',
      'plan/plan.ts': "import { WORDS } from '../shared/words.js'\nexport const plan = WORDS\n",
      'engine/argv.ts': "import type { plan } from '../plan/plan.js'\nexport type P = typeof plan\n"
    })
    expect(r).toEqual({ status: 0, output: expect.stringContaining('no cycle between files or folders') })
  })

  it.each<[string, Record<string, string>, string]>([
    [
      'value imports',
      { 'a.ts': "import { b } from './b.js'\nexport const a = b\n", 'b.ts': "import { a } from './a.js'\nexport const b = a\n" },
      'import cycle: a.ts -> b.ts -> a.ts'
    ],
    [
      'a type import',
      { 'a.ts': "import type { B } from './b.js'\nexport type A = B\n", 'b.ts': "export type { A as B } from './a.js'\n" },
      'import cycle: a.ts -> b.ts -> a.ts'
    ],
    [
      'typeof import()',
      { 'a.ts': "export type B = typeof import('./b.js')\n", 'b.ts': "export const b = import('./a.js')\n" },
      'import cycle: a.ts -> b.ts -> a.ts'
    ],
    [
      'folders importing each other without a file cycle',
      {
        'plan/plan.ts': "import { run } from '../engine/run.js'\nexport const plan = run\n",
        'engine/run.ts': 'export const run = 1\n',
        'engine/argv.ts': "import { plan } from '../plan/plan.js'\nexport const argv = plan\n"
      },
      'folder cycle: engine -> plan -> engine\n  engine/argv.ts imports plan/plan.ts\n  plan/plan.ts imports engine/run.ts'
    ]
  ])('fails on a cycle through %s, naming it', (_what, files, message) => {
    const r = check(files)
    expect(r.status).toBe(1)
    expect(r.output).toContain(message)
  })

  it('passes src/', () => {
    const r = spawnSync(process.execPath, [script, path.join(process.cwd(), 'src')], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
  })
})

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'

/** A checkout-like folder holding the given files (path -> content). */
export function makeWorkspace(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ws-'))
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name)
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, content)
  }
  return dir
}

/** A unique repository path per test, so cases never see each other's tags. */
export function uniqueRepo(prefix: string): string {
  return `e2e/${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`
}

/** Lines of the runner-visible log that are command lines the action ran (`[command]...`). */
export function commandLines(log: string): string[] {
  return log.split('\n').filter(l => l.startsWith('[command]'))
}

/**
 * This run's own folder: a docker config and the build secret files, made before the login and
 * deleted by the clean-up (post.ts).
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { BuildSecret } from '../plan/inputs/settings.js'

/**
 * This run's private folder under RUNNER_TEMP: its own docker config (so two jobs on one runner
 * never share or clobber credentials) and the build secret files. Deleted by the post step.
 */
export interface RunDir {
  root: string
  configDir: string
  secretsDir: string
}

/** Subfolders of the runner's docker config that this run keeps using: plugins, builders, contexts. */
const SHARED = ['cli-plugins', 'buildx', 'contexts']

export function createRunDir(runnerTemp: string | undefined, runnerConfigDir: string): RunDir {
  const base = runnerTemp && existsSync(runnerTemp) ? runnerTemp : os.tmpdir()
  const root = mkdtempSync(path.join(base, 'docker-ship-'))
  chmodSync(root, 0o700)
  const configDir = path.join(root, 'config')
  const secretsDir = path.join(root, 'secrets')
  mkdirSync(configDir, { mode: 0o700 })
  mkdirSync(secretsDir, { mode: 0o700 })
  // Seed with what the runner's config holds: an earlier login step's credentials keep working.
  const config = path.join(runnerConfigDir, 'config.json')
  if (existsSync(config)) {
    copyFileSync(config, path.join(configDir, 'config.json'))
    chmodSync(path.join(configDir, 'config.json'), 0o600)
  }
  for (const sub of SHARED) {
    const from = path.join(runnerConfigDir, sub)
    if (existsSync(from)) symlinkSync(from, path.join(configDir, sub))
  }
  return { root, configDir, secretsDir }
}

/** Writes each secret to a 0600 file; returns id -> path. */
export function writeSecretFiles(dir: RunDir, secrets: BuildSecret[]): Record<string, string> {
  const files: Record<string, string> = {}
  for (const { id, value } of secrets) {
    const file = path.join(dir.secretsDir, id)
    writeFileSync(file, value, { mode: 0o600 })
    files[id] = file
  }
  return files
}

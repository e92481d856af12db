/**
 * This run's own folder: a docker config and the build secret files, made before the login and
 * deleted by the clean-up (post.ts).
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { BuildSecret } from '../plan/inputs/settings.js'
import { InputError, show } from '../shared/errors.js'

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

/** What is wrong with a folder that mkdtemp could not write to, by its error code. */
const WHY: Record<string, string> = {
  EROFS: 'on a read-only file system',
  ENOTDIR: 'not a folder',
  EACCES: 'not writable by this user',
  EPERM: 'not writable by this user',
  ENOSPC: 'on a full disk',
  EDQUOT: 'over its disk quota'
}

/** mkdtemp under `base`; a base that cannot hold it is named, with what is wrong and the fix. */
function makeRoot(base: string, fromRunnerTemp: boolean): string {
  try {
    return mkdtempSync(path.join(base, 'docker-ship-'))
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error'
    const where = fromRunnerTemp ? `RUNNER_TEMP is ${show(base, 200)}` : `The temp folder ${show(base, 200)} (RUNNER_TEMP is not set)`
    throw new InputError(
      `${where}, which is ${WHY[code] ?? 'not usable'} (${code}): this run's folder (its docker config and secret files) cannot be made there. Point RUNNER_TEMP at a writable folder (the runner sets it to _temp in its work folder) or free/fix that folder.`
    )
  }
}

export function createRunDir(runnerTemp: string | undefined, runnerConfigDir: string): RunDir {
  const fromRunnerTemp = Boolean(runnerTemp && existsSync(runnerTemp))
  const root = makeRoot(fromRunnerTemp ? (runnerTemp as string) : os.tmpdir(), fromRunnerTemp)
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

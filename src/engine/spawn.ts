/**
 * Runs a program with node built-ins only, quietly, keeping its output: for the engine probe and
 * the post step's logout, which run before (or without) the action's bundle and its exec wrapper.
 */
import { spawn } from 'node:child_process'

export interface Collected {
  exitCode: number
  stdout: string
  stderr: string
  /** Stopped at the bound (`timeoutMs`) before it ended. */
  timedOut?: boolean
}

/**
 * Runs a program quietly and keeps its output; one that cannot start (not installed) answers
 * exit code 127 with the reason in stderr. `child` lets a caller stop it; past `timeoutMs` it is
 * stopped and answers `timedOut`.
 */
export function spawnCollected(command: string, args: string[], env: Record<string, string>, timeoutMs?: number) {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const result = new Promise<Collected>(resolve => {
    let stdout = ''
    let stderr = ''
    if (timeoutMs !== undefined) {
      const timer = setTimeout(() => {
        child.kill('SIGTERM')
        child.stdout.destroy()
        child.stderr.destroy()
        child.unref()
        resolve({ exitCode: 124, stdout, stderr, timedOut: true })
      }, timeoutMs)
      timer.unref()
      child.on('close', () => clearTimeout(timer))
    }
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', e => resolve({ exitCode: 127, stdout, stderr: e.message }))
    child.on('close', code => resolve({ exitCode: code ?? 1, stdout, stderr }))
  })
  return { child, result }
}

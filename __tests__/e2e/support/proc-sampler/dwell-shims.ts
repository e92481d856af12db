// Dwell shims: polling alone can miss a child that lives a few ms (docker logout, git tag), so
// each such child is made to wait until the sampler has recorded it (see writeDwellShims).
import { accessSync, constants, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'

/**
 * Dwell shims: for each program (docker, git), an executable `<shimDir>/<program>` that waits
 * until the sampler has recorded it (it polls for `<ackDir>/<its pid>`, at most 5 s, else leaves
 * `<ackDir>/timeout-<pid>`), then execs the real program with the same argv, stdin and
 * environment. Put shimDir first on the step's PATH: every child the action starts is then seen
 * with the argv and environment the action gave it, however short it lives and however loaded
 * the machine is. The shim never reads stdin (docker login --password-stdin gets it whole).
 */
export function writeDwellShims(shimDir: string, ackDir: string, programs: string[]): void {
  mkdirSync(shimDir, { recursive: true })
  mkdirSync(ackDir, { recursive: true })
  for (const program of programs) {
    const real = findOnPath(program, shimDir)
    const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`
    const script = [
      '#!/bin/sh',
      `# dwell shim of ${program} (proc-sampler.ts): wait until recorded, then exec the real one`,
      'n=0',
      `while [ ! -e ${q(ackDir)}/"$$" ]; do`,
      '  n=$((n + 1))',
      `  if [ "$n" -gt 1000 ]; then : >${q(ackDir)}/timeout-"$$"; break; fi`,
      '  sleep 0.005',
      'done',
      `exec ${q(real)} "$@"`,
      ''
    ].join('\n')
    writeFileSync(path.join(shimDir, program), script, { mode: 0o755 })
  }
}

/** Shims that waited in vain (the sampler never recorded them). */
export function dwellTimeouts(ackDir: string): string[] {
  return readdirSync(ackDir).filter(f => f.startsWith('timeout-'))
}

function findOnPath(program: string, except: string): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '' || path.resolve(dir) === path.resolve(except)) continue
    const file = path.join(dir, program)
    try {
      accessSync(file, constants.X_OK)
      return file
    } catch {
      /* next */
    }
  }
  throw new Error(`${program} is not on PATH`)
}

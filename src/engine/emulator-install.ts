/**
 * Registers the qemu emulators a build needs, as docker/setup-qemu-action does: reads
 * binfmt_misc, runs the installer image (`qemu-image`) privileged with the step's engine when
 * something is missing, and reads binfmt_misc again to be sure (the installer says "cannot
 * register" and still exits 0). The decision is emulation.ts's.
 */
import { readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import * as core from '@actions/core'
import { BINFMT_MISC, type EmulatorNeed, emulatorsToRegister, enabledEntries, installArgv } from './emulation.js'
import { lastErrorLine } from './engine.js'
import { CommandError, run } from './exec.js'
import { InputError } from '../shared/errors.js'
import { plain } from '../shared/log-text.js'
import { CommandTimeout, TIMEOUT_ENV, timeoutMs } from '../shared/timeouts.js'

/** What the installer needs from the machine: binfmt_misc's entries and a command runner. */
export interface EmulatorHost {
  /** The enabled binfmt_misc entries (none when it is not mounted). */
  registered(): Set<string>
  run(command: string, args: string[]): Promise<{ exitCode: number; output: string }>
}

/** The first line of every binfmt_misc entry of `dir`: `{qemu-aarch64: 'enabled'}`; {} when not mounted. */
export function readBinfmt(dir: string = BINFMT_MISC): Record<string, string> {
  const out: Record<string, string> = {}
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return out
  }
  for (const name of names) {
    try {
      out[name] = readFileSync(path.join(dir, name), 'utf8').split('\n')[0] ?? ''
    } catch {
      // register is write-only; an entry removed meanwhile is simply not there
    }
  }
  return out
}

/** This machine's binfmt_misc, and the step's engine CLI in `env`. */
export function localHost(env: Record<string, string>): EmulatorHost {
  return {
    registered: () => enabledEntries(readBinfmt()),
    run: async (command, args) => {
      try {
        const r = await run(command, args, { env, allowFailure: true, timeoutMs: timeoutMs('setup', process.env) })
        return { exitCode: r.exitCode, output: `${r.stdout}\n${r.stderr}` }
      } catch (e) {
        if (e instanceof CommandError) return { exitCode: e.exitCode, output: `${e.stdout}\n${e.stderr}` }
        if (e instanceof CommandTimeout)
          return { exitCode: 124, output: `it did not finish in ${e.ms / 1000} s and was stopped (${TIMEOUT_ENV} sets a longer bound)` }
        throw e
      }
    }
  }
}

export interface EmulationRequest {
  engine: 'docker' | 'podman'
  platforms: string[]
  hostArch: string
  /** The installer image; '' when `qemu-image` turned the installer off. */
  image: string
}

function described(needs: readonly EmulatorNeed[]): string {
  return needs.map(n => `${n.platforms.join(', ')} (${n.emulator})`).join(', ')
}

/**
 * Registers what the platforms need and is missing; says what it did. Throws a one-line error
 * when the installer is off or did not register them.
 */
export async function ensureEmulators(req: EmulationRequest, host: EmulatorHost): Promise<EmulatorNeed[]> {
  const needs = emulatorsToRegister(req.platforms, req.hostArch, host.registered())
  if (needs.length === 0) return needs
  const runner = `linux/${req.hostArch}`
  if (req.image === '') {
    throw new InputError(
      `Input "platforms" has ${described(needs)}, which this runner (${runner}) runs only under emulation, and no emulator is registered in ${BINFMT_MISC} while input "qemu-image" is "none": remove qemu-image (the default, tonistiigi/binfmt:latest, registers it) or register it before this step (docker/setup-qemu-action).`
    )
  }
  const args = installArgv(req.engine, req.image, needs)
  core.info(
    `Registering qemu for ${described(needs)}: this runner is ${runner} and ${BINFMT_MISC} has no emulator for it (input "qemu-image").`
  )
  const r = await host.run(req.engine, args)
  const still = emulatorsToRegister(req.platforms, req.hostArch, host.registered())
  if (r.exitCode !== 0 || still.length > 0) {
    const why = r.exitCode !== 0 ? lastErrorLine(r.output) || `exit code ${r.exitCode}` : lastInstallerLine(r.output)
    throw new InputError(
      `Input "qemu-image" is "${plain(req.image)}", but "${req.engine} ${args.join(' ')}" did not register ${still.map(n => n.emulator).join(', ') || 'the emulators'} (${plain(why)}): give an installer image the engine can pull and run privileged (tonistiigi/binfmt:latest), or register the emulators before this step (docker/setup-qemu-action).`
    )
  }
  core.info(`Registered ${needs.map(n => n.emulator).join(', ')} in ${BINFMT_MISC}.`)
  return needs
}

/** What the installer said about its --install (tonistiigi/binfmt: `installing: arm64 <error>`). */
function lastInstallerLine(output: string): string {
  const lines = output.split('\n').filter(l => /^installing: /.test(l) && !/ OK$/.test(l))
  return lines[lines.length - 1]?.trim() || 'it exited 0 without registering them'
}

/**
 * Which qemu emulators a build needs registered in binfmt_misc, and the installer command that
 * registers them (what docker/setup-qemu-action runs: tonistiigi/binfmt `--install <arches>`).
 * Pure: the runner's architecture, the platforms asked for and what binfmt_misc holds in, the
 * decision and the argv out. emulator-install.ts reads binfmt_misc and runs the command.
 */
import { hasRegistryHost } from '../plan/inputs/reference.js'

/** Where the kernel keeps its registrations. */
export const BINFMT_MISC = '/proc/sys/fs/binfmt_misc'

/** The binfmt_misc entry tonistiigi/binfmt registers per platform architecture (its cmd/binfmt/config.go). */
export const EMULATORS: Readonly<Record<string, string>> = {
  amd64: 'qemu-x86_64',
  arm64: 'qemu-aarch64',
  arm: 'qemu-arm',
  '386': 'qemu-i386',
  ppc64le: 'qemu-ppc64le',
  s390x: 'qemu-s390x',
  riscv64: 'qemu-riscv64',
  mips64le: 'qemu-mips64el',
  mips64: 'qemu-mips64',
  loong64: 'qemu-loongarch64'
}

/**
 * The architectures a Linux host runs without an emulator. An amd64 kernel runs 386 binaries
 * itself (binfmt's status lists linux/386 there); arm on arm64 depends on the CPU (AArch32 is
 * gone from recent cores), so it is emulated unless something is registered for it.
 */
const NATIVE: Readonly<Record<string, readonly string[]>> = {
  amd64: ['amd64', '386'],
  arm64: ['arm64']
}

/** Node's `process.arch` as a platform architecture (x64 -> amd64, ia32 -> 386). */
export function platformArch(nodeArch: string): string {
  const map: Record<string, string> = { x64: 'amd64', ia32: '386', ppc64: 'ppc64le' }
  return map[nodeArch] ?? nodeArch
}

/** One emulator to register, and the platforms that need it. */
export interface EmulatorNeed {
  /** The platform architecture, as the installer takes it (`arm64`). */
  arch: string
  /** Its binfmt_misc entry (`qemu-aarch64`). */
  emulator: string
  platforms: string[]
}

/**
 * The emulators the `platforms` need that binfmt_misc does not hold (enabled), in the order the
 * platforms name them. Platforms the host runs natively, of another OS than linux, or of an
 * architecture no installer knows need nothing here.
 */
export function emulatorsToRegister(platforms: readonly string[], hostArch: string, registered: ReadonlySet<string>): EmulatorNeed[] {
  const native = NATIVE[hostArch] ?? [hostArch]
  const needs = new Map<string, EmulatorNeed>()
  for (const platform of platforms) {
    const [os, arch = ''] = platform.split('/')
    const emulator = EMULATORS[arch]
    if (os !== 'linux' || native.includes(arch) || !emulator || registered.has(emulator)) continue
    const need = needs.get(arch) ?? { arch, emulator, platforms: [] }
    if (!need.platforms.includes(platform)) need.platforms.push(platform)
    needs.set(arch, need)
  }
  return [...needs.values()]
}

/** The binfmt_misc entries that are registered and enabled: `{name: first line of its file}`. */
export function enabledEntries(entries: Readonly<Record<string, string>>): Set<string> {
  return new Set(
    Object.entries(entries)
      .filter(([name, text]) => name !== 'register' && name !== 'status' && /^enabled\b/.test(text))
      .map(([name]) => name)
  )
}

/**
 * An image reference with a registry host: podman resolves a short name only through its
 * registries.conf (and may prompt); docker reads `tonistiigi/binfmt` as docker.io's anyway.
 */
export function qualifiedImage(image: string): string {
  return hasRegistryHost(image) ? image : `docker.io/${image.includes('/') ? image : `library/${image}`}`
}

/** The installer run: `docker|podman run --privileged --rm <image> --install arm64,riscv64`. */
export function installArgv(engine: 'docker' | 'podman', image: string, needs: readonly EmulatorNeed[]): string[] {
  const ref = engine === 'podman' ? qualifiedImage(image) : image
  return ['run', '--privileged', '--rm', ref, '--install', needs.map(n => n.arch).join(',')]
}

/**
 * Whether binfmt_misc of this machine is the engine's: a local engine (no address, or a unix
 * socket). A remote engine (tcp://, ssh://) emulates with its own kernel's registrations.
 */
export function engineIsLocal(engine: 'docker' | 'podman', env: Readonly<Record<string, string | undefined>>): boolean {
  const address = engine === 'podman' ? env.CONTAINER_HOST : env.DOCKER_HOST
  return !address || address.startsWith('unix://')
}

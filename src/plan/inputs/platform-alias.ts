/**
 * The `platforms` input's grammar: `os/arch[/variant]`, with the aliases containerd normalises
 * (containerd/platforms database.go: normalizeOS, normalizeArch), so `linux/x86_64`, `linux/i386`
 * or `linux/aarch64` mean what docker and buildx make of them. Pure.
 */

/** containerd's isKnownOS (from Go's syslist). */
const KNOWN_OS = [
  'aix',
  'android',
  'darwin',
  'dragonfly',
  'freebsd',
  'hurd',
  'illumos',
  'ios',
  'js',
  'linux',
  'nacl',
  'netbsd',
  'openbsd',
  'plan9',
  'solaris',
  'windows',
  'zos'
]
/** containerd's isKnownArch. */
export const KNOWN_ARCH = [
  '386',
  'amd64',
  'amd64p32',
  'arm',
  'armbe',
  'arm64',
  'arm64be',
  'ppc64',
  'ppc64le',
  'loong64',
  'mips',
  'mipsle',
  'mips64',
  'mips64le',
  'mips64p32',
  'mips64p32le',
  'ppc',
  'riscv',
  'riscv64',
  's390',
  's390x',
  'sparc',
  'sparc64',
  'wasm'
]
/** Architectures spelled as their aliases: what normalizeArch turns them into. */
const ARCH_ALIASES = ['i386', 'x86_64', 'x86-64', 'aarch64', 'armhf', 'armel']

function normaliseOS(os: string): string {
  const v = os.toLowerCase()
  return v === 'macos' ? 'darwin' : v
}

/** containerd's normalizeArch: the architecture and variant docker and buildx use for an alias. */
export function normaliseArch(arch: string, variant: string): [string, string] {
  const a = arch.toLowerCase()
  let v = variant.toLowerCase()
  switch (a) {
    case 'i386':
      return ['386', '']
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      return ['amd64', v === 'v1' ? '' : v]
    case 'aarch64':
    case 'arm64':
      if (['8', 'v8', 'v8.0'].includes(v)) v = ''
      else if (['9', '9.0', 'v9.0'].includes(v)) v = 'v9'
      return ['arm64', v]
    case 'armhf':
      return ['arm', 'v7']
    case 'armel':
      return ['arm', 'v6']
    case 'arm':
      if (v === '' || v === '7') v = 'v7'
      else if (['5', '6', '8'].includes(v)) v = `v${v}`
      return ['arm', v]
    default:
      return [a, v]
  }
}

/**
 * `os/arch[/variant]` (or a bare arch, for linux) in docker's canonical spelling, or undefined
 * when it names no known os and architecture.
 */
export function normalisePlatform(value: string): string | undefined {
  const parts = value.trim().split('/')
  if (parts.some(p => !/^[A-Za-z0-9_.-]+$/.test(p)) || parts.length > 3) return undefined
  // A single part is an architecture of the default os, as containerd reads it; buildx builds linux.
  const [os, arch, variant = ''] = parts.length === 1 ? ['linux', parts[0] as string] : (parts as [string, string, string?])
  const known = KNOWN_ARCH.includes(arch.toLowerCase()) || ARCH_ALIASES.includes(arch.toLowerCase())
  if (!KNOWN_OS.includes(normaliseOS(os)) || !known) return undefined
  const [a, v] = normaliseArch(arch, variant)
  if (v !== '' && !/^v[0-9]+(\.[0-9]+)?$/.test(v)) return undefined
  return [normaliseOS(os), a, v].filter(Boolean).join('/')
}

import {
  emulatorsToRegister,
  enabledEntries,
  engineIsLocal,
  installArgv,
  platformArch,
  qualifiedImage
} from '../../src/engine/emulation.js'
import { ensureEmulators, type EmulatorHost } from '../../src/engine/emulator-install.js'
import { InputError } from '../../src/shared/errors.js'

const NONE = new Set<string>()

describe('which emulators a build needs registered', () => {
  it.each<[string, string[], string, string[], string[]]>([
    ['an arm64 platform on an amd64 runner', ['linux/amd64', 'linux/arm64'], 'amd64', [], ['arm64:qemu-aarch64:linux/arm64']],
    ['nothing when it is registered', ['linux/amd64', 'linux/arm64'], 'amd64', ['qemu-aarch64'], []],
    ['nothing for 386 on amd64, which the kernel runs itself', ['linux/386', 'linux/amd64'], 'amd64', [], []],
    ['arm v6 and v7 share qemu-arm', ['linux/arm/v6', 'linux/arm/v7'], 'amd64', [], ['arm:qemu-arm:linux/arm/v6,linux/arm/v7']],
    [
      'each foreign architecture once, in order',
      ['linux/s390x', 'linux/ppc64le', 'linux/riscv64', 'linux/s390x'],
      'amd64',
      ['qemu-ppc64le'],
      ['s390x:qemu-s390x:linux/s390x', 'riscv64:qemu-riscv64:linux/riscv64']
    ],
    ['amd64 on an arm64 runner', ['linux/amd64', 'linux/arm64'], 'arm64', [], ['amd64:qemu-x86_64:linux/amd64']],
    ['arm on an arm64 runner (not every arm64 CPU runs AArch32)', ['linux/arm/v7'], 'arm64', [], ['arm:qemu-arm:linux/arm/v7']],
    ['nothing for another OS', ['windows/arm64', 'darwin/arm64'], 'amd64', [], []],
    ['nothing for an architecture no installer knows', ['linux/sparc64'], 'amd64', [], []],
    ['nothing for the runner alone', ['linux/amd64'], 'amd64', [], []],
    ['nothing for no platforms', [], 'amd64', [], []]
  ])('%s', (_name, platforms, host, registered, expected) => {
    const needs = emulatorsToRegister(platforms, host, new Set(registered))
    expect(needs.map(n => `${n.arch}:${n.emulator}:${n.platforms.join(',')}`)).toEqual(expected)
  })

  it('counts only enabled binfmt_misc entries, not register or status', () => {
    expect([...enabledEntries({ register: '', status: 'enabled', 'qemu-aarch64': 'enabled', 'qemu-arm': 'disabled' })]).toEqual([
      'qemu-aarch64'
    ])
  })

  it.each([
    ['x64', 'amd64'],
    ['arm64', 'arm64'],
    ['ia32', '386'],
    ['s390x', 's390x']
  ])("reads node's %s as %s", (node, arch) => expect(platformArch(node)).toBe(arch))
})

describe('the installer command', () => {
  const needs = emulatorsToRegister(['linux/arm64', 'linux/riscv64'], 'amd64', NONE)
  it.each<[string, 'docker' | 'podman', string, string[]]>([
    [
      'docker runs the image as given',
      'docker',
      'tonistiigi/binfmt:latest',
      ['run', '--privileged', '--rm', 'tonistiigi/binfmt:latest', '--install', 'arm64,riscv64']
    ],
    [
      'podman gets a fully qualified name',
      'podman',
      'tonistiigi/binfmt:latest',
      ['run', '--privileged', '--rm', 'docker.io/tonistiigi/binfmt:latest', '--install', 'arm64,riscv64']
    ],
    [
      'a registry host is kept',
      'podman',
      '127.0.0.1:5000/e2e/binfmt:local',
      ['run', '--privileged', '--rm', '127.0.0.1:5000/e2e/binfmt:local', '--install', 'arm64,riscv64']
    ]
  ])('%s', (_name, engine, image, argv) => expect(installArgv(engine, image, needs)).toEqual(argv))

  it.each([
    ['busybox', 'docker.io/library/busybox'],
    ['ghcr.io/x/binfmt:1', 'ghcr.io/x/binfmt:1'],
    ['localhost/binfmt', 'localhost/binfmt']
  ])('qualifies %s as %s', (image, ref) => expect(qualifiedImage(image)).toBe(ref))

  it.each<[string, 'docker' | 'podman', Record<string, string>, boolean]>([
    ['no address', 'docker', {}, true],
    ['a unix socket', 'docker', { DOCKER_HOST: 'unix:///var/run/docker.sock' }, true],
    ['tcp', 'docker', { DOCKER_HOST: 'tcp://10.0.0.5:2376' }, false],
    ['ssh', 'docker', { DOCKER_HOST: 'ssh://u@h' }, false],
    ['podman ignores DOCKER_HOST', 'podman', { DOCKER_HOST: 'tcp://10.0.0.5:2376' }, true],
    ['podman remote', 'podman', { CONTAINER_HOST: 'ssh://u@h/run/podman.sock' }, false]
  ])('an engine at %s is local: %s', (_name, engine, env, local) => expect(engineIsLocal(engine, env)).toBe(local))
})

/** binfmt_misc as a set the fake installer adds to; its calls recorded. */
function fakeHost(registered: string[], installs: string[] = [], exitCode = 0, output = '') {
  const set = new Set(registered)
  const calls: string[] = []
  const host: EmulatorHost = {
    registered: () => new Set(set),
    run: async (command, args) => {
      calls.push(`${command} ${args.join(' ')}`)
      for (const i of installs) set.add(i)
      return { exitCode, output }
    }
  }
  return { host, calls }
}
const request = {
  engine: 'docker' as const,
  platforms: ['linux/amd64', 'linux/arm64'],
  hostArch: 'amd64',
  image: 'tonistiigi/binfmt:latest'
}

describe('registering the emulators', () => {
  it('runs nothing when the emulator is registered', async () => {
    const { host, calls } = fakeHost(['qemu-aarch64'])
    expect(await ensureEmulators(request, host)).toEqual([])
    expect(calls).toEqual([])
  })

  it('runs the installer privileged for the missing one and checks binfmt_misc again', async () => {
    const { host, calls } = fakeHost([], ['qemu-aarch64'])
    expect((await ensureEmulators(request, host)).map(n => n.emulator)).toEqual(['qemu-aarch64'])
    expect(calls).toEqual(['docker run --privileged --rm tonistiigi/binfmt:latest --install arm64'])
  })

  it('fails in one line naming the platform and the fix when qemu-image is none', async () => {
    const { host, calls } = fakeHost([])
    await expect(ensureEmulators({ ...request, image: '' }, host)).rejects.toThrow(
      new InputError(
        'Input "platforms" has linux/arm64 (qemu-aarch64), which this runner (linux/amd64) runs only under emulation, and no emulator is registered in /proc/sys/fs/binfmt_misc while input "qemu-image" is "none": remove qemu-image (the default, tonistiigi/binfmt:latest, registers it) or register it before this step (docker/setup-qemu-action).'
      )
    )
    expect(calls).toEqual([])
  })

  it('fails with what the installer said when it exits 0 without registering', async () => {
    const { host } = fakeHost(
      [],
      [],
      0,
      'installing: arm64 cannot register "/usr/bin/qemu-aarch64" to /proc/sys/fs/binfmt_misc/register: permission denied\n{}'
    )
    await expect(ensureEmulators(request, host)).rejects.toThrow(
      /^Input "qemu-image" is "tonistiigi\/binfmt:latest", but "docker run --privileged --rm tonistiigi\/binfmt:latest --install arm64" did not register qemu-aarch64 \(installing: arm64 cannot register .*permission denied\): give an installer image/
    )
  })

  it('fails with the engine error when the image cannot be run', async () => {
    const { host } = fakeHost([], [], 125, 'Unable to find image\ndocker: Error response from daemon: pull access denied for nope/binfmt.')
    await expect(ensureEmulators({ ...request, image: 'nope/binfmt' }, host)).rejects.toThrow(
      /did not register qemu-aarch64 \(docker: Error response from daemon: pull access denied for nope\/binfmt\.\)/
    )
  })
})

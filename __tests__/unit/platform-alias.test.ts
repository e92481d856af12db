import { normaliseArch, normalisePlatform } from '../../src/plan/inputs/platform-alias.js'
import { settingsOf } from './fixtures.js'
import { readSettings } from '../../src/plan/inputs/settings.js'

// containerd/platforms database.go normalizeArch, case by case (arch, variant -> arch, variant).
describe("containerd's normalizeArch", () => {
  it.each<[string, string, string, string]>([
    ['i386', '', '386', ''],
    ['x86_64', '', 'amd64', ''],
    ['x86-64', '', 'amd64', ''],
    ['amd64', 'v1', 'amd64', ''],
    ['amd64', 'v3', 'amd64', 'v3'],
    ['aarch64', '', 'arm64', ''],
    ['arm64', '8', 'arm64', ''],
    ['arm64', 'v8', 'arm64', ''],
    ['arm64', 'v8.0', 'arm64', ''],
    ['arm64', '9', 'arm64', 'v9'],
    ['arm64', '9.0', 'arm64', 'v9'],
    ['arm64', 'v9.0', 'arm64', 'v9'],
    ['armhf', '', 'arm', 'v7'],
    ['armel', '', 'arm', 'v6'],
    ['arm', '', 'arm', 'v7'],
    ['arm', '7', 'arm', 'v7'],
    ['arm', '5', 'arm', 'v5'],
    ['arm', '6', 'arm', 'v6'],
    ['arm', '8', 'arm', 'v8'],
    ['Aarch64', '', 'arm64', ''],
    ['s390x', '', 's390x', '']
  ])('%s %j -> %s %j', (arch, variant, wantArch, wantVariant) => {
    expect(normaliseArch(arch, variant)).toEqual([wantArch, wantVariant])
  })
})

// The inputs of containerd's platforms_test.go TestParseSelector (those with an os, or a bare
// arch, which is linux here), and its invalid ones.
describe('platforms input aliases', () => {
  it.each<[string, string]>([
    ['linux/arm64', 'linux/arm64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/aarch64', 'linux/arm64'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/arm/v6', 'linux/arm/v6'],
    ['linux/arm/v7', 'linux/arm/v7'],
    ['linux/armhf', 'linux/arm/v7'],
    ['linux/armel', 'linux/arm/v6'],
    ['arm', 'linux/arm/v7'],
    ['armel', 'linux/arm/v6'],
    ['Aarch64', 'linux/arm64'],
    ['x86_64', 'linux/amd64'],
    ['Linux/x86_64', 'linux/amd64'],
    ['linux/x86-64', 'linux/amd64'],
    ['i386', 'linux/386'],
    ['linux/i386', 'linux/386'],
    ['s390x', 'linux/s390x'],
    ['linux/s390x', 'linux/s390x'],
    ['macOS/arm64', 'darwin/arm64'],
    ['windows/amd64', 'windows/amd64'],
    ['linux/amd64/v3', 'linux/amd64/v3']
  ])('%s -> %s', (input, expected) => {
    expect(normalisePlatform(input)).toBe(expected)
  })

  it.each(['', '/linux/arm', 'linux/arm/', 'linux /arm', 'linux/&arm', 'linux/arm/foo/bar', '../arm/foo', 'linux/amd46', 'plan10/amd64'])(
    'refuses %j',
    input => {
      expect(normalisePlatform(input)).toBeUndefined()
    }
  )

  it('builds linux/i386 as linux/386, with a notice', () => {
    const { settings, notices } = readSettings(name => ({ platforms: 'linux/i386,linux/aarch64' })[name] ?? '')
    expect(settings.platforms).toEqual(['linux/386', 'linux/arm64'])
    expect(notices.join('\n')).toContain('Input "platforms" has "linux/i386": building for linux/386')
  })

  it('keeps refusing what no alias names, in one line', () => {
    expect(() => settingsOf({ platforms: 'linux/amd46' })).toThrow(/^Input "platforms" has "linux\/amd46": write os\/arch\[\/variant\]/)
  })
})

import { buildxBuildArgs } from '../../src/engine/argv.js'
import { createBuilderArgs, needsStepBuilder, stepBuilder, stepBuilderName } from '../../src/engine/step-builder.js'
import { readSettings } from '../../src/plan/inputs/settings.js'
import type { Builder } from '../../src/shared/builder.js'
import { InputError } from '../../src/shared/errors.js'
import { BUILD_FILES as files, bobPlan as planOf, flagValues as values } from './fixtures.js'

const CLASSIC_STORE: Builder = { engine: 'buildx', driver: 'docker', cacheExport: false }
const CONTAINERD_STORE: Builder = { engine: 'buildx', driver: 'docker', cacheExport: true }

describe("the step's own docker-container builder", () => {
  it.each<[string, number, Builder, string, boolean]>([
    ['several platforms on the classic store', 2, CLASSIC_STORE, '', true],
    ['the docker driver as the fast probe reports it (no driver name)', 2, { engine: 'buildx', cacheExport: false }, '', true],
    ['not for one platform', 1, CLASSIC_STORE, '', false],
    ['not on the containerd store', 2, CONTAINERD_STORE, '', false],
    ['not for a builder the user named', 2, CLASSIC_STORE, 'mybuilder', false],
    ['not for a docker-container builder', 2, { engine: 'buildx', driver: 'docker-container', cacheExport: true }, '', false],
    ['not for the classic docker build', 2, { engine: 'docker', cacheExport: false }, '', false],
    ['not for podman', 2, { engine: 'podman', cacheExport: false }, '', false]
  ])('%s: %s', (_name, platforms, probed, builderInput, expected) => {
    expect(needsStepBuilder(platforms, probed, builderInput)).toBe(expected)
  })

  it('is created with the buildkit image and started before the login', () => {
    expect(createBuilderArgs(stepBuilderName('0a1b2c3d'), 'moby/buildkit:buildx-stable-1')).toEqual([
      'buildx',
      'create',
      '--name',
      'docker-ship-0a1b2c3d',
      '--driver',
      'docker-container',
      '--driver-opt',
      'image=moby/buildkit:buildx-stable-1',
      '--bootstrap'
    ])
  })

  it('is the builder the build runs with, pushing one index of both platforms', () => {
    const argv = buildxBuildArgs(planOf({ platforms: 'linux/amd64,linux/arm64' }), files, undefined, stepBuilder('docker-ship-0a1b2c3d'))
    expect(values(argv, '--builder')).toEqual(['docker-ship-0a1b2c3d'])
    expect(values(argv, '--platform')).toEqual(['linux/amd64,linux/arm64'])
    expect(argv).not.toContain('--load')
  })
})

describe('qemu-image and buildkit-image', () => {
  const read = (inputs: Record<string, string>) => readSettings(name => inputs[name] ?? '').settings
  it.each<[Record<string, string>, string, string]>([
    [{}, 'tonistiigi/binfmt:latest', 'moby/buildkit:buildx-stable-1'],
    [{ 'qemu-image': 'none' }, '', 'moby/buildkit:buildx-stable-1'],
    [{ 'qemu-image': 'False' }, '', 'moby/buildkit:buildx-stable-1'],
    [
      { 'qemu-image': '127.0.0.1:5000/e2e/binfmt:local', 'buildkit-image': 'mirror.example/moby/buildkit:v0.20.0' },
      '127.0.0.1:5000/e2e/binfmt:local',
      'mirror.example/moby/buildkit:v0.20.0'
    ]
  ])('reads %j', (inputs, qemuImage, buildkitImage) => {
    expect(read(inputs)).toMatchObject({ qemuImage, buildkitImage })
  })

  it.each([
    [
      'qemu-image',
      'Tonistiigi/Binfmt',
      'Input "qemu-image" is "Tonistiigi/Binfmt": give an image reference such as tonistiigi/binfmt:latest, or none to register no emulator.'
    ],
    [
      'buildkit-image',
      'moby/buildkit latest',
      'Input "buildkit-image" is "moby/buildkit latest": give an image reference such as moby/buildkit:buildx-stable-1.'
    ]
  ])('refuses %s %j', (input, value, message) => {
    expect(() => read({ [input]: value })).toThrow(new InputError(message))
  })
})

import type { EmulatorHost } from '../../src/engine/emulator-install.js'
import { chooseBuilder, setUpPlatforms } from '../../src/step/platform-setup.js'
import type { Builder } from '../../src/shared/builder.js'
import type { Target } from '../../src/plan/targets.js'
import { bobPlan, settingsOf } from './fixtures.js'

const CLASSIC_STORE: Builder = { engine: 'buildx', driver: 'docker', cacheExport: false }
const CONTAINERD_STORE: Builder = { engine: 'buildx', driver: 'docker', cacheExport: true }
const targetsOf = (platforms: string): Target[] => [{ plan: bobPlan({ platforms }) } as Target]

/** No emulator registered; the installer calls recorded (and failing, so a call would show). */
function emptyHost() {
  const calls: string[] = []
  const host: EmulatorHost = {
    registered: () => new Set(),
    run: async (command, args) => {
      calls.push(`${command} ${args.join(' ')}`)
      return { exitCode: 1, output: 'not in this test' }
    }
  }
  return { host, calls }
}

describe('chooseBuilder', () => {
  it("makes the step's own docker-container builder for several platforms on the classic store", () => {
    const b = chooseBuilder(settingsOf(), targetsOf('linux/amd64,linux/arm64'), CLASSIC_STORE)
    expect(b).toMatchObject({ engine: 'buildx', driver: 'docker-container', cacheExport: true })
    expect(b.name).toMatch(/^docker-ship-[0-9a-f]{8}$/)
  })

  it.each<[string, string, Builder, Record<string, string>]>([
    ['one platform', 'linux/arm64', CLASSIC_STORE, {}],
    ['the containerd store', 'linux/amd64,linux/arm64', CONTAINERD_STORE, {}],
    ['a named builder', 'linux/amd64,linux/arm64', { ...CLASSIC_STORE, name: 'mine' }, { builder: 'mine' }]
  ])('keeps the probed builder for %s', (_name, platforms, probed, inputs) => {
    expect(chooseBuilder(settingsOf(inputs), targetsOf(platforms), probed)).toBe(probed)
  })
})

describe('setUpPlatforms', () => {
  const state = { registries: [] }
  it('runs the installer on the local engine', async () => {
    const { host, calls } = emptyHost()
    const run = setUpPlatforms(settingsOf(), targetsOf('linux/amd64,linux/arm64'), CONTAINERD_STORE, CONTAINERD_STORE, {}, state, host)
    await expect(run).rejects.toThrow(/did not register qemu-aarch64/)
    expect(calls).toEqual(['docker run --privileged --rm tonistiigi/binfmt:latest --install arm64'])
  })

  it.each<[string, Record<string, string>, Builder]>([
    ['a remote engine (docker-host tcp://)', { DOCKER_HOST: 'tcp://10.0.0.5:2376' }, CONTAINERD_STORE],
    ['a remote BuildKit builder', {}, { engine: 'buildx', name: 'bk', driver: 'remote', cacheExport: true }]
  ])('checks nothing on this machine for %s', async (_name, env, builder) => {
    const { host, calls } = emptyHost()
    await setUpPlatforms(settingsOf(), targetsOf('linux/amd64,linux/arm64'), builder, builder, env, state, host)
    expect(calls).toEqual([])
  })

  it('checks nothing without platforms', async () => {
    const { host, calls } = emptyHost()
    await setUpPlatforms(settingsOf(), targetsOf(''), CONTAINERD_STORE, CONTAINERD_STORE, {}, state, host)
    expect(calls).toEqual([])
  })
})

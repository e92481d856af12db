import { jest } from '@jest/globals'

const info = jest.fn<(m: string) => void>()
jest.unstable_mockModule('@actions/core', () => ({
  info,
  group: async <T>(_name: string, fn: () => Promise<T>) => fn()
}))
const { promoteRelease } = await import('../../src/step/promote.js')
const { bobPlan } = await import('./fixtures.js')

const S = 'feedc0de00112233445566778899aabbccddeeff'
const plan = {
  ...bobPlan(),
  references: ['127.0.0.1:5999/bob/app:1.2.3'],
  promotion: { sourceTag: 'sha-feedc0d', revision: S, inputs: 'sha256:1' }
}

describe('the promotion step', () => {
  beforeEach(() => info.mockClear())

  it('builds, saying why, when the registry cannot be reached', async () => {
    const down = (async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:5999')
    }) as typeof globalThis.fetch
    expect(await promoteRelease(plan, 'buildx', () => undefined, down)).toBeUndefined()
    expect(info.mock.calls.map(c => c[0])).toEqual([
      'Not promoted, building: the registry could not be read (connect ECONNREFUSED 127.0.0.1:5999).'
    ])
  })

  it('does nothing for a plan without a promotion', async () => {
    const never = jest.fn<typeof globalThis.fetch>()
    expect(await promoteRelease({ ...plan, promotion: undefined }, 'buildx', () => undefined, never)).toBeUndefined()
    expect(never).not.toHaveBeenCalled()
  })
})

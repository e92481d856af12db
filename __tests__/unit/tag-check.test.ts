import { movedTagLine, movedTags } from '../../src/engine/tag-check.js'

const A = `sha256:${'a'.repeat(64)}`
const B = `sha256:${'b'.repeat(64)}`

describe('movedTags', () => {
  const now: Record<string, string> = { 'r:same': A, 'r:other': B, 'r:gone': '' }
  const resolve = async (ref: string) => {
    if (ref === 'r:broken') throw new Error('HTTP 500')
    return now[ref] ?? ''
  }

  it('names only the tags that now point to another digest; an unreadable or failing tag is left out', async () => {
    expect(await movedTags(resolve, ['r:same', 'r:other', 'r:gone', 'r:broken'], A)).toEqual([{ reference: 'r:other', digest: B }])
  })

  it('asks nothing when nothing was pushed', async () => {
    expect(await movedTags(() => Promise.reject(new Error('no call')), ['r:other'], '')).toEqual([])
  })

  it('says which tag moved, where to, and from which build', () => {
    expect(movedTagLine({ reference: 'r:other', digest: B }, A)).toBe(
      `r:other now points to ${B}, not to this build's ${A}: another build pushed the same tag after this one.`
    )
  })
})

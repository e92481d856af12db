import { manifestDigest, movedTags } from '../../src/engine/tag-check.js'

const A = `sha256:${'a'.repeat(64)}`
const B = `sha256:${'b'.repeat(64)}`

describe('manifestDigest', () => {
  it.each([
    [`{"schemaVersion":2,"digest":"${A}","size":855}`, A],
    ['not json', ''],
    ['{"digest":"sha256:short"}', ''],
    ['null', '']
  ])('reads %s as %s', (stdout, digest) => expect(manifestDigest(stdout)).toBe(digest))
})

describe('movedTags', () => {
  const answers: Record<string, { exitCode: number; stdout: string }> = {
    'r:same': { exitCode: 0, stdout: JSON.stringify({ digest: A }) },
    'r:other': { exitCode: 0, stdout: JSON.stringify({ digest: B }) },
    'r:gone': { exitCode: 1, stdout: '' }
  }
  const exec = async (args: string[]) => ({ ...(answers[args[args.length - 1] as string] ?? { exitCode: 1, stdout: '' }), stderr: '' })

  it('names only the tags that now point to another digest; an unreadable tag is left out', async () => {
    expect(await movedTags(exec, ['r:same', 'r:other', 'r:gone'], A, 1000)).toEqual([{ reference: 'r:other', digest: B }])
  })

  it('checks nothing when nothing was pushed', async () => {
    expect(await movedTags(() => Promise.reject(new Error('no call')), ['r:other'], '', 1000)).toEqual([])
  })
})

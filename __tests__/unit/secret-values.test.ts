import { InputError } from '../../src/shared/errors.js'
import { readSettings } from '../../src/plan/inputs/settings.js'
import { maskable } from '../../src/shared/mask.js'
import { secretInputMasks } from '../../src/step/masks.js'

const read = (inputs: Record<string, string>) => readSettings(name => inputs[name] ?? '')
const PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nabcd==\n==\n-----END PRIVATE KEY-----'

describe('multi-line secrets', () => {
  it.each<[string, string, { id: string; value: string }[]]>([
    [
      'id="..." spanning lines',
      `key="${PEM}"\nother=x`,
      [
        { id: 'key', value: PEM },
        { id: 'other', value: 'x' }
      ]
    ],
    ['build-push-action\'s "id=..." spanning lines', `"key=${PEM}"`, [{ id: 'key', value: PEM }]],
    ['a doubled quote inside quotes', 'a="say ""hi"""', [{ id: 'a', value: 'say "hi"' }]],
    ['a plain line keeps its = and quotes inside', 'token=ab"c=', [{ id: 'token', value: 'ab"c=' }]]
  ])('parses %s', (_, secrets, expected) => {
    expect(read({ secrets }).settings.secrets).toEqual(expected)
  })

  it.each<[string, string, RegExp]>([
    ['an unquoted PEM key', `key=${PEM}`, /line without "=".*multi-line value .* in double quotes/],
    ['a quote never closed', 'key="abc\ndef', /never closed/],
    ['text after the closing quote', 'key="abc" x', /text after a closing double quote/]
  ])('refuses %s in one line without the value', (_, secrets, message) => {
    const run = () => read({ secrets })
    expect(run).toThrow(InputError)
    expect(run).toThrow(message)
    try {
      run()
    } catch (e) {
      expect((e as Error).message).not.toMatch(/\n|MIIE|abc/)
    }
  })
})

describe('secret ids', () => {
  it.each<[string, Record<string, string>]>([
    ['..', { secrets: '..=x' }],
    ['.', { secrets: '.=x' }],
    ['a/b', { secrets: 'a/b=x' }],
    ['//registry.npmjs.org/:_authToken', { secrets: '//registry.npmjs.org/:_authToken=x' }],
    ['.. in secret-envs', { 'secret-envs': '..=HOME' }],
    ['a/b in secret-files', { 'secret-files': 'a/b=./f' }]
  ])('refuses %s before login, naming the allowed characters', (_, inputs) => {
    expect(() => read(inputs)).toThrow(/a BuildKit secret id is only letters, digits, "\.", "_" and "-" \(not "\." or "\.\."\)/)
  })

  it('accepts ids with dots inside', () => {
    expect(read({ secrets: 'npm.token=x\n.npmrc=y' }).settings.secrets.map(s => s.id)).toEqual(['npm.token', '.npmrc'])
  })
})

describe('masks', () => {
  it.each<[string, boolean]>([
    ['==', false],
    ['===', false],
    ['-----', false],
    ['abc', false],
    ['abcd', true],
    ['ab==', true],
    ['-----BEGIN PRIVATE KEY-----', true]
  ])('%j maskable: %s', (value, yes) => {
    expect(maskable(value)).toBe(yes)
  })

  it('masks the lines of a PEM key, never "==" or short lines', () => {
    const masks = secretInputMasks(n => ({ secrets: `key="${PEM}"\nid=ab`, password: ' hunter22\n' })[n] ?? '')
    expect(masks).toEqual(expect.arrayContaining(['hunter22', '-----BEGIN PRIVATE KEY-----', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 'abcd==']))
    expect(masks).not.toContain('==')
    expect(masks).not.toContain('ab')
    expect(masks.every(m => m.length >= 4)).toBe(true)
  })

  it('masks the lines of a refused secrets input, never "=="', () => {
    const masks = secretInputMasks(n => ({ secrets: `key=${PEM}` })[n] ?? '')
    expect(masks).toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC')
    expect(masks).not.toContain('==')
    expect(masks).not.toContain('=')
  })
})

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { checkGitCredentials, ignoresGitConfig } from '../../src/step/git-credentials.js'
import { InputError } from '../../src/shared/errors.js'

const EXTRAHEADER = '[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX2Zha2U=\n'

describe('ignoresGitConfig', () => {
  it.each([
    ['.git', true],
    ['.git/', true],
    ['/.git', true],
    ['./.git', true],
    ['**/.git', true],
    ['.*', true],
    ['*', true],
    ['**', true],
    ['.git*', true],
    ['# .git', false],
    ['node_modules\n.github', false],
    ['.git\n!.git/config', false],
    ['.git\n!.git\n.git/config', true],
    ['', false]
  ])('%j: %s', (text, ignored) => {
    expect(ignoresGitConfig(text)).toBe(ignored)
  })
})

describe('checkGitCredentials', () => {
  function context(config: string | undefined, files: Record<string, string> = {}): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'ctx-'))
    if (config !== undefined) {
      mkdirSync(path.join(dir, '.git'))
      writeFileSync(path.join(dir, '.git', 'config'), config)
    }
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text)
    return dir
  }

  it.each([
    ['an extraheader', EXTRAHEADER],
    ['a remote with user:token@', '[remote "origin"]\n\turl = https://x-access-token:ghs_abc@github.com/o/r\n']
  ])('refuses a context whose .git/config holds %s and no .dockerignore leaves it out', (_name, config) => {
    const dir = context(config, { '.dockerignore': 'node_modules\n' })
    const call = () => checkGitCredentials(dir, path.join(dir, 'Dockerfile'))
    expect(call).toThrow(InputError)
    expect(call).toThrow(`${path.join(dir, '.git', 'config')} holds a credential`)
    expect(call).toThrow(/add \.git to .*\.dockerignore, or check out with persist-credentials: false/)
  })

  it.each<[string, string | undefined, Record<string, string>]>([
    ['no .git', undefined, {}],
    ['a .git without credentials', '[remote "origin"]\n\turl = https://github.com/o/r\n', {}],
    ['.git in the .dockerignore', EXTRAHEADER, { '.dockerignore': '.git\n' }],
    ["the Dockerfile's own .dockerignore", EXTRAHEADER, { 'Dockerfile.dockerignore': '**/.git\n', '.dockerignore': '' }]
  ])('accepts %s', (_name, config, files) => {
    const dir = context(config, files)
    expect(() => checkGitCredentials(dir, path.join(dir, 'Dockerfile'))).not.toThrow()
  })

  it("prefers the Dockerfile's own .dockerignore to the context's", () => {
    const dir = context(EXTRAHEADER, { 'Dockerfile.dockerignore': 'node_modules\n', '.dockerignore': '.git\n' })
    expect(() => checkGitCredentials(dir, path.join(dir, 'Dockerfile'))).toThrow(/Dockerfile\.dockerignore/)
  })
})

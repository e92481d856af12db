import { secretBuildArgs } from '../../src/plan/secret-args.js'
import { settingsOf } from './fixtures.js'

const LOGIN = { username: 'bob', password: 'hunter2-password' }

describe('secretBuildArgs', () => {
  it.each<[string, Record<string, string>, Record<string, string>, string[]]>([
    ['the password', { ...LOGIN, 'build-args': 'TOKEN=hunter2-password\nPORT=80' }, {}, ['TOKEN']],
    ['the password inside a longer value', { ...LOGIN, 'build-args': 'AUTH=Bearer hunter2-password' }, {}, ['AUTH']],
    ['the github-token', { 'github-token': 'ghs_abcdefgh', 'build-args': 'GH=ghs_abcdefgh' }, {}, ['GH']],
    ['a value of secrets', { secrets: 'npm=npm_secretvalue', 'build-args': 'NPM=npm_secretvalue' }, {}, ['NPM']],
    ['a value of secret-envs', { 'secret-envs': 'k=MY_KEY', 'build-args': 'KEY=key-from-env' }, { MY_KEY: 'key-from-env' }, ['KEY']],
    ['nothing secret', { ...LOGIN, 'build-args': 'PORT=80\nNAME=bob' }, {}, []],
    ['a short secret only when equal', { secrets: 'n=1', 'build-args': 'ONE=1\nTEN=10' }, {}, ['ONE']]
  ])('names a build arg holding %s', (_name, inputs, env, names) => {
    expect(secretBuildArgs(settingsOf(inputs), env)).toEqual(names)
  })
})

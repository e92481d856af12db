import { InputError } from '../../src/shared/errors.js'
import { makePlan } from '../../src/plan/plan.js'
import { readSettings } from '../../src/plan/inputs/settings.js'
import { parseRegistries } from '../../src/plan/inputs/registries.js'
import { ctxOf, FACTS, settingsOf } from './fixtures.js'
import { parse } from 'yaml'
import { setYamlParser } from '../../src/plan/inputs/yaml-parser.js'

beforeAll(() => setYamlParser(parse))

const HUB = { username: 'bob', password: 'pw' }

describe('image names with a registry host', () => {
  it.each<[string, string, string, string]>([
    ['localhost is a host', 'localhost/app', 'localhost', 'localhost/app:latest'],
    ['a host with a port', 'localhost:5000/app', 'localhost:5000', 'localhost:5000/app:latest'],
    ['a dotted host', 'registry.example.com/team/app', 'registry.example.com', 'registry.example.com/team/app:latest'],
    ['a name without host stays on Docker Hub', 'team/app', 'docker.io', 'team/app:latest']
  ])('%s: %s logs in to and pushes to %s', (_, image, registry, first) => {
    const plan = makePlan(settingsOf({ ...HUB, image }), ctxOf(), FACTS)
    expect(plan.logins.map(l => l.registry)).toEqual([registry])
    expect(plan.references[0]).toBe(first)
  })
})

describe('refused names and usernames', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    [
      'a host with a port and no repository',
      { ...HUB, image: 'localhost:5000' },
      /"localhost:5000" is a registry host with no repository: .*localhost:5000\/app/
    ],
    ['a host with a trailing slash', { ...HUB, image: 'ghcr.io/' }, /"ghcr.io" is a registry host with no repository: .*ghcr.io\/app/],
    [
      'an e-mail login with no image',
      { username: 'bob@example.com', password: 'pw' },
      /Input "image" is empty and .*e-mail address: set "image".*Docker ID/
    ],
    [
      'an e-mail login with a one-part image',
      { username: 'bob@example.com', password: 'pw', image: 'app' },
      /e-mail address: set "image".*Docker ID/
    ]
  ])('%s', (_, inputs, message) => {
    const run = () => makePlan(settingsOf(inputs), ctxOf(), FACTS)
    expect(run).toThrow(InputError)
    expect(run).toThrow(message)
    try {
      run()
    } catch (e) {
      expect((e as Error).message).not.toContain('\n')
    }
  })

  it('keeps the tag message for a real tag', () => {
    expect(() => makePlan(settingsOf({ ...HUB, image: 'bob/app:v1' }), ctxOf(), FACTS)).toThrow(/without a tag/)
  })

  it('accepts an e-mail login with an explicit image', () => {
    expect(makePlan(settingsOf({ username: 'bob@example.com', password: 'pw', image: 'bob/app' }), ctxOf(), FACTS).image).toBe('bob/app')
  })

  it.each([['bob:token'], ['user:']])('refuses the username %j before any login', username => {
    expect(() => readSettings(n => ({ username, password: 'pw' })[n] ?? '')).toThrow(/docker cannot log in with a ":" in the username/)
  })

  it('refuses a username with ":" in registries', () => {
    expect(() => parseRegistries('- registry: ghcr.io\n  username: a:b\n  password: x')).toThrow(/cannot log in with a ":"/)
  })
})

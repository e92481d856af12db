import { parseCompose } from '../../src/plan/inputs/compose.js'
import { InputError } from '../../src/shared/errors.js'
import { makePlan } from '../../src/plan/plan.js'
import { parseRegistries } from '../../src/plan/inputs/registries.js'
import { makeTargets } from '../../src/plan/targets.js'
import { ctxOf, FACTS, settingsOf } from './fixtures.js'
import { parse } from 'yaml'
import { setYamlParser } from '../../src/plan/inputs/yaml-parser.js'

beforeAll(() => setYamlParser(parse))

const course = `
services:
  db:
    image: postgres:18
    environment:
      POSTGRES_PASSWORD: postgres
  backend:
    build: ./backend
    depends_on: [db]
  frontend:
    build:
      context: ./frontend
      dockerfile: web.Dockerfile
      args:
        API_URL: http://backend:8000
      target: prod
`

describe('parseCompose', () => {
  it('reads the build services of the course compose file and leaves image-only services alone', () => {
    expect(parseCompose(course, 'docker-compose.yml')).toEqual([
      { name: 'backend', context: 'backend', file: 'backend/Dockerfile', args: [], target: '', labels: [] },
      {
        name: 'frontend',
        context: 'frontend',
        file: 'frontend/web.Dockerfile',
        args: [{ key: 'API_URL', value: 'http://backend:8000' }],
        target: 'prod',
        labels: []
      }
    ])
  })

  it('resolves contexts against the compose file folder', () => {
    expect(parseCompose('services:\n  api:\n    build: .\n', 'deploy/compose.yaml')[0]).toMatchObject({
      context: 'deploy',
      file: 'deploy/Dockerfile'
    })
  })

  it('takes args as a list of KEY=value', () => {
    expect(parseCompose('services:\n  a:\n    build:\n      context: .\n      args: ["A=1", "B=two"]\n', 'c.yml')[0]?.args).toEqual([
      { key: 'A', value: '1' },
      { key: 'B', value: 'two' }
    ])
  })

  it.each<[string, string, RegExp]>([
    ['not YAML', 'services: [', /is not valid YAML/],
    ['no services', 'version: "3"\n', /has no "services:" map/],
    ['no build service', 'services:\n  db:\n    image: postgres\n', /no service has a "build:" section/],
    [
      'an unsupported build field',
      'services:\n  a:\n    build:\n      context: .\n      ssh: [default]\n',
      /service "a" uses build\.ssh, which this action does not support/
    ],
    ['a variable', 'services:\n  a:\n    build: ${DIR}\n', /uses a variable: the action does not interpolate/],
    ['an uppercase service', 'services:\n  Api:\n    build: .\n', /service "Api" needs a lowercase name/]
  ])('refuses %s clearly', (_name, text, message) => {
    expect(() => parseCompose(text, 'docker-compose.yml')).toThrow(InputError)
    expect(() => parseCompose(text, 'docker-compose.yml')).toThrow(message)
  })
})

describe('compose targets', () => {
  it('pushes every build service as <prefix>/<service> with the same derived tags', () => {
    const targets = makeTargets(
      settingsOf({ username: 'bob', password: 'pw', 'compose-file': 'docker-compose.yml' }),
      ctxOf(),
      FACTS,
      () => course
    )
    expect(targets.map(t => [t.service, t.plan.references])).toEqual([
      ['backend', ['bob/backend:latest', 'bob/backend:main', 'bob/backend:sha-0123456']],
      ['frontend', ['bob/frontend:latest', 'bob/frontend:main', 'bob/frontend:sha-0123456']]
    ])
    expect(targets[1]?.plan.build).toMatchObject({ context: 'frontend', file: 'frontend/web.Dockerfile', target: 'prod' })
  })

  it('uses the image input as the prefix elsewhere', () => {
    const targets = makeTargets(
      settingsOf({ registry: 'localhost:5000', image: 'team/shop', 'compose-file': 'c.yml' }),
      ctxOf(),
      FACTS,
      () => course
    )
    expect(targets.map(t => t.plan.image)).toEqual(['localhost:5000/team/shop/backend', 'localhost:5000/team/shop/frontend'])
  })

  it('refuses a compose file that cannot be read, naming it', () => {
    expect(() =>
      makeTargets(settingsOf({ registry: 'localhost:5000', 'compose-file': 'nope.yml' }), ctxOf(), FACTS, () => {
        throw new Error('ENOENT')
      })
    ).toThrow(/Input "compose-file" is "nope.yml", which cannot be read/)
  })
})

describe('registries', () => {
  const two = `
- registry: https://ghcr.io/
- registry: localhost:5001
  username: other
  password: pw2
  image: mirror/app
`
  it('parses a YAML list of registries', () => {
    expect(parseRegistries(two)).toEqual([
      { registry: 'ghcr.io', username: '', password: '', image: '' },
      { registry: 'localhost:5001', username: 'other', password: 'pw2', image: 'mirror/app' }
    ])
  })

  it('pushes every planned tag to every registry and logs in to each', () => {
    const plan = makePlan(
      settingsOf({ registry: 'localhost:5000', image: 'team/app', username: 'u', password: 'p', registries: two, 'github-token': 'ghs_x' }),
      ctxOf(),
      FACTS
    )
    expect(plan.references).toEqual([
      'localhost:5000/team/app:latest',
      'localhost:5000/team/app:main',
      'localhost:5000/team/app:sha-0123456',
      'ghcr.io/team/app:latest',
      'ghcr.io/team/app:main',
      'ghcr.io/team/app:sha-0123456',
      'localhost:5001/mirror/app:latest',
      'localhost:5001/mirror/app:main',
      'localhost:5001/mirror/app:sha-0123456'
    ])
    expect(plan.logins).toEqual([
      { registry: 'localhost:5000', username: 'u', passwordFrom: 'password' },
      { registry: 'ghcr.io', username: 'octocat', passwordFrom: 'github-token' },
      { registry: 'localhost:5001', username: 'other', passwordFrom: 'registries', entry: 1 }
    ])
    expect(JSON.stringify(plan)).not.toContain('pw2')
  })

  it.each<[string, string, RegExp]>([
    ['a map instead of a list', 'registry: ghcr.io', /must be a YAML list/],
    ['an entry without registry', '- username: a', /entry 1 has no "registry"/],
    ['an unknown key', '- registry: ghcr.io\n  token: x', /entry 1 has "token": the keys are registry, username, password, image/],
    ['a password without username', '- registry: ghcr.io\n  password: secret-value', /entry 1 \(ghcr.io\) has a password but no username/],
    ['a bad host', '- registry: not a host', /entry 1 has the registry "not a host"/]
  ])('refuses %s without showing a password', (_name, text, message) => {
    expect(() => parseRegistries(text)).toThrow(message)
    try {
      parseRegistries(text)
    } catch (e) {
      expect((e as Error).message).not.toContain('secret-value')
    }
  })
})

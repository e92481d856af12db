import { pushPayload } from './support/payloads.js'
import { readE2EEnv, registryClient } from './support/registry.js'
import { cleanupRuns, runAction } from './support/runner.js'
import { makeWorkspace, uniqueRepo } from './support/workspace.js'

const env = readE2EEnv()
const one = registryClient(env, 1)
const two = registryClient(env, 2)
const r2 = env.registry2 as NonNullable<typeof env.registry2>
const imageTags = async (client: typeof one, repo: string) => (await client.tags(repo)).filter(t => t !== 'buildcache')

afterAll(cleanupRuns)

describe.each(['buildx', 'docker'])('several registries in one step with engine %s', engine => {
  it('pushes every tag to two registries with different passwords, with one digest', async () => {
    const repo = uniqueRepo(`${engine}-two`)
    const r = await runAction({
      workspace: makeWorkspace({ Dockerfile: `FROM ${env.baseImage}\nRUN echo two > /two\n` }),
      payload: pushPayload({ ref: 'refs/tags/v2.1.0' }),
      secrets: [env.registry.password, r2.password],
      inputs: {
        engine,
        registry: env.registry.host,
        image: repo,
        username: env.registry.user,
        password: env.registry.password,
        registries: `- registry: ${r2.host}\n  username: ${r2.user}\n  password: ${r2.password}\n`
      }
    })
    expect(r.main.exitCode).toBe(0)
    const expected = ['2', '2.1', '2.1.0', 'v2.1.0']
    expect(await imageTags(one, repo)).toEqual(expected)
    expect(await imageTags(two, repo)).toEqual(expected)
    for (const tag of expected) {
      expect((await one.manifest(repo, tag)).digest).toBe(r.outputs.digest)
      expect((await two.manifest(repo, tag)).digest).toBe(r.outputs.digest)
    }
    expect(r.main.log).toContain(`Logged out of ${env.registry.host}`)
    expect(r.main.log).toContain(`Logged out of ${r2.host}`)
    expect(r.main.log).not.toContain(r2.password)
  })
})

describe('a compose project shaped like the course one', () => {
  it('builds and pushes backend and frontend, and leaves the postgres service alone', async () => {
    const prefix = uniqueRepo('course')
    const r = await runAction({
      workspace: makeWorkspace({
        'backend/Dockerfile': `FROM ${env.baseImage}\nARG PORT=8000\nRUN echo "backend on $PORT" > /app.txt\n`,
        'frontend/Dockerfile': `FROM ${env.baseImage} AS base\nRUN echo frontend > /app.txt\nFROM base AS prod\nARG API_URL\nRUN echo "$API_URL" > /api.txt\n`,
        'docker-compose.yml': [
          'services:',
          '  db:',
          '    image: postgres:18',
          '    environment:',
          '      POSTGRES_PASSWORD: postgres',
          '    ports: ["5432:5432"]',
          '  backend:',
          '    build: ./backend',
          '    depends_on: [db]',
          '    ports: ["8000:8000"]',
          '  frontend:',
          '    build:',
          '      context: ./frontend',
          '      target: prod',
          '      args:',
          '        API_URL: http://backend:8000',
          '    depends_on: [backend]',
          'volumes:',
          '  postgres_data:',
          ''
        ].join('\n')
      }),
      payload: pushPayload({ ref: 'refs/heads/main' }),
      secrets: [env.registry.password],
      inputs: {
        registry: env.registry.host,
        image: prefix,
        username: env.registry.user,
        password: env.registry.password,
        'compose-file': 'docker-compose.yml'
      }
    })
    expect(r.main.exitCode).toBe(0)
    const images = JSON.parse(r.outputs.images) as Record<string, { digest: string; tags: string[] }>
    expect(Object.keys(images)).toEqual(['backend', 'frontend'])
    for (const service of ['backend', 'frontend']) {
      expect(await imageTags(one, `${prefix}/${service}`)).toEqual(['latest', 'main', 'sha-0123456'])
      expect((await one.manifest(`${prefix}/${service}`, 'latest')).digest).toBe(images[service]?.digest)
      expect(images[service]?.tags).toEqual([
        `${env.registry.host}/${prefix}/${service}:latest`,
        `${env.registry.host}/${prefix}/${service}:main`,
        `${env.registry.host}/${prefix}/${service}:sha-0123456`
      ])
    }
    expect(images.backend?.digest).not.toBe(images.frontend?.digest)
    expect((await one.catalog()).filter(name => name.startsWith(prefix))).toEqual([`${prefix}/backend`, `${prefix}/frontend`])
    // The frontend stopped at its `prod` target and got its build arg.
    const frontend = await one.imageManifest(`${prefix}/frontend`, 'latest')
    expect(frontend.body.layers?.length).toBeGreaterThanOrEqual(3)
  })
})

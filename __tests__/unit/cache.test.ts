import { readFileSync } from 'node:fs'
import { parseBuilder } from '../../src/engine/probe/buildx-inspect.js'
import { type CacheRequest, planCache } from '../../src/plan/cache.js'
import type { Builder } from '../../src/shared/builder.js'
import { makePlan, type Plan } from '../../src/plan/plan.js'
import { ctxOf, FACTS, settingsOf } from './fixtures.js'

const push = makePlan(settingsOf({ registry: 'localhost:5000', image: 'team/app' }), ctxOf({ ref: 'refs/heads/dev' }), FACTS)
const pr = makePlan(
  settingsOf({ registry: 'localhost:5000', image: 'team/app' }),
  ctxOf({ eventName: 'pull_request', pullRequest: { number: 3, fromFork: false } }),
  FACTS
)
const containerd: Builder = { engine: 'buildx', driver: 'docker', cacheExport: true }
const classicStore: Builder = { engine: 'buildx', driver: 'docker', cacheExport: false }
const classicEngine: Builder = { engine: 'docker', cacheExport: false }
const auto: CacheRequest = { mode: 'auto', from: [], to: [] }

describe('planCache', () => {
  it.each<[string, CacheRequest, Plan, Builder, string, string[], string[], boolean]>([
    [
      'uses registry cache on a builder that exports cache',
      auto,
      push,
      containerd,
      'registry',
      ['type=registry,ref=localhost:5000/team/app:buildcache'],
      ['type=registry,ref=localhost:5000/team/app:buildcache,mode=max,ignore-error=true'],
      false
    ],
    [
      'reads and never writes the registry cache on a pull request',
      auto,
      pr,
      containerd,
      'registry',
      ['type=registry,ref=localhost:5000/team/app:buildcache'],
      [],
      false
    ],
    [
      'falls back to inline cache on the docker driver of the classic store',
      auto,
      push,
      classicStore,
      'inline',
      ['type=registry,ref=localhost:5000/team/app:dev', 'type=registry,ref=localhost:5000/team/app:latest'],
      ['type=inline'],
      false
    ],
    [
      'uses the build arg and plain refs on the classic engine',
      auto,
      push,
      classicEngine,
      'inline',
      ['localhost:5000/team/app:dev', 'localhost:5000/team/app:latest'],
      [],
      true
    ],
    [
      'reads inline cache from pr-N then latest on a pull request',
      auto,
      pr,
      classicStore,
      'inline',
      ['type=registry,ref=localhost:5000/team/app:pr-3', 'type=registry,ref=localhost:5000/team/app:latest'],
      [],
      false
    ],
    [
      'honours cache: inline on a builder that could export',
      { mode: 'inline', from: [], to: [] },
      push,
      containerd,
      'inline',
      ['type=registry,ref=localhost:5000/team/app:dev', 'type=registry,ref=localhost:5000/team/app:latest'],
      ['type=inline'],
      false
    ],
    ['turns cache off', { mode: 'off', from: [], to: [] }, push, containerd, 'off', [], [], false],
    [
      'passes expert cache-from/cache-to as given',
      { mode: 'auto', from: ['type=gha'], to: ['type=gha,mode=max'] },
      push,
      containerd,
      'custom',
      ['type=gha'],
      ['type=gha,mode=max'],
      false
    ]
  ])('%s', (_name, req, plan, builder, kind, from, to, inlineArg) => {
    expect(planCache(req, plan, builder)).toMatchObject({ kind, from, to, inlineArg })
  })

  it('says beforehand that a cache not found on the first build is expected, for registry and inline cache', () => {
    for (const builder of [containerd, classicStore, classicEngine]) {
      expect(planCache(auto, push, builder).note).toMatch(/on the first build BuildKit reports the cache "not found", which is expected$/)
    }
  })

  it('says why registry cache could not be used when it was asked for', () => {
    expect(planCache({ mode: 'registry', from: [], to: [] }, push, classicStore).note).toMatch(
      /registry asked, but the docker builder cannot export cache/
    )
  })
})

describe('parseBuilder', () => {
  it('sees the containerd image store behind the docker driver (real buildx inspect output)', () => {
    const text = readFileSync(new URL('./fixtures/buildx-inspect-containerd.txt', import.meta.url), 'utf8')
    expect(parseBuilder(text)).toEqual({ engine: 'buildx', driver: 'docker', cacheExport: true })
  })

  it.each([
    ['Name: b\nDriver: docker-container\n', true],
    ['Name: default\nDriver: docker\nLabels:\n org.mobyproject.buildkit.worker.snapshotter: overlay2\n', false],
    ['Name: r\nDriver: remote\n', true]
  ])('reads %j as cache export %s', (text, cacheExport) => {
    expect(parseBuilder(text).cacheExport).toBe(cacheExport)
  })
})

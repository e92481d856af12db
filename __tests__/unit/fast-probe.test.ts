import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import {
  type BuilderFacts,
  builderFromInfo,
  defaultBuilderEndpoint,
  type FastPath,
  fastProbe,
  parseAddress
} from '../../src/engine/probe/fast-probe.js'

const SOCKET = 'unix:///var/run/docker.sock'
const base: BuilderFacts = { env: {}, builder: '', cliAndBuildx: true }
const current = (o: object): string => JSON.stringify(o)

describe('defaultBuilderEndpoint', () => {
  it.each<[string, Partial<BuilderFacts>, FastPath]>([
    ['nothing set: the local socket', {}, { endpoint: { socketPath: '/var/run/docker.sock' }, address: SOCKET }],
    [
      'DOCKER_HOST on a plain tcp port',
      { env: { DOCKER_HOST: 'tcp://127.0.0.1:2376' } },
      { endpoint: { host: '127.0.0.1', port: 2376 }, address: 'tcp://127.0.0.1:2376' }
    ],
    ['a config.json without a context', { config: '{"auths":{}}' }, { endpoint: { socketPath: '/var/run/docker.sock' }, address: SOCKET }],
    [
      'the default context named',
      { env: { DOCKER_CONTEXT: 'default' }, config: '{"currentContext":"default"}' },
      { endpoint: { socketPath: '/var/run/docker.sock' }, address: SOCKET }
    ],
    [
      "buildx's current file naming no builder (docker buildx use default)",
      { current: current({ Key: SOCKET, Name: '', Global: false }) },
      { endpoint: { socketPath: '/var/run/docker.sock' }, address: SOCKET }
    ],
    [
      'a builder made current on another engine only',
      { current: current({ Key: 'tcp://10.0.0.9:2375', Name: 'kit', Global: false }) },
      { endpoint: { socketPath: '/var/run/docker.sock' }, address: SOCKET }
    ],
    ['a builder input', { builder: 'kit' }, { reason: 'the "builder" input names kit' }],
    ['BUILDX_BUILDER', { env: { BUILDX_BUILDER: 'kit' } }, { reason: 'BUILDX_BUILDER is set' }],
    ['BUILDX_CONFIG', { env: { BUILDX_CONFIG: '/etc/buildx' } }, { reason: 'BUILDX_CONFIG is set' }],
    ['TLS', { env: { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1' } }, { reason: 'DOCKER_TLS_VERIFY is set' }],
    ['DOCKER_CONTEXT', { env: { DOCKER_CONTEXT: 'remote' } }, { reason: 'DOCKER_CONTEXT is remote' }],
    ['a context in config.json', { config: '{"currentContext":"colima"}' }, { reason: 'the docker context is colima' }],
    ['a config.json that does not parse', { config: '{"auths":' }, { reason: 'config.json does not parse' }],
    ['no buildx plugin', { cliAndBuildx: false }, { reason: 'the docker CLI or its buildx plugin is not where the CLI looks' }],
    [
      'an ssh address',
      { env: { DOCKER_HOST: 'ssh://me@host' } },
      { reason: 'the engine address ssh://me@host is not unix:// or plain tcp://' }
    ],
    [
      'setup-buildx-action made its builder current',
      { current: current({ Key: SOCKET, Name: 'builder-3c1f', Global: false }) },
      { reason: "buildx's current builder is builder-3c1f" }
    ],
    [
      'a global current builder',
      { current: current({ Key: 'tcp://10.0.0.9:2375', Name: 'kit', Global: true }) },
      { reason: "buildx's current builder is kit" }
    ],
    [
      'a current builder chosen on the DOCKER_HOST engine',
      { env: { DOCKER_HOST: 'tcp://127.0.0.1:2376' }, current: current({ Key: 'tcp://127.0.0.1:2376', Name: 'kit' }) },
      { reason: "buildx's current builder is kit" }
    ],
    ['a current file that does not parse', { current: 'kit' }, { reason: "buildx's current file does not parse" }]
  ])('%s', (_name, facts, expected) => {
    expect(defaultBuilderEndpoint({ ...base, ...facts })).toEqual(expected)
  })
})

describe('parseAddress', () => {
  it.each<[string, ReturnType<typeof parseAddress>]>([
    ['unix:///run/user/1000/docker.sock', { socketPath: '/run/user/1000/docker.sock' }],
    ['tcp://10.0.0.5', { host: '10.0.0.5', port: 2375 }],
    ['tcp://[::1]:2380', { host: '::1', port: 2380 }],
    ['unix://relative.sock', undefined],
    ['tcp://host:2375/prefix', undefined],
    ['npipe:////./pipe/docker_engine', undefined],
    ['fd://', undefined]
  ])('%s', (address, expected) => {
    expect(parseAddress(address)).toEqual(expected)
  })
})

describe('builderFromInfo', () => {
  it.each<[string, unknown, ReturnType<typeof builderFromInfo>]>([
    [
      'the containerd image store exports cache',
      { DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']] },
      { engine: 'buildx', driver: 'docker', cacheExport: true }
    ],
    [
      'overlay2 (the classic store) does not',
      {
        DriverStatus: [
          ['Backing Filesystem', 'extfs'],
          ['Supports d_type', 'true']
        ]
      },
      { engine: 'buildx', driver: 'docker', cacheExport: false }
    ],
    ['no DriverStatus at all (vfs)', { DriverStatus: null }, { engine: 'buildx', driver: 'docker', cacheExport: false }],
    ['not an object', 'Docker', undefined],
    ['a DriverStatus of another shape', { DriverStatus: { 'driver-type': 'io.containerd.snapshotter.v1' } }, undefined]
  ])('%s', (_name, info, expected) => {
    expect(builderFromInfo(info)).toEqual(expected)
  })
})

describe('fastProbe against an engine socket', () => {
  // A docker CLI on PATH and its buildx plugin in the config folder (what readBuilderFacts looks for).
  const dir = mkdtempSync(path.join(tmpdir(), 'fast-probe-'))
  const bin = path.join(dir, 'bin')
  const config = path.join(dir, 'config')
  mkdirSync(bin)
  mkdirSync(path.join(config, 'cli-plugins'), { recursive: true })
  for (const file of [path.join(bin, 'docker'), path.join(config, 'cli-plugins', 'docker-buildx')]) {
    writeFileSync(file, '#!/bin/sh\nexit 1\n')
    chmodSync(file, 0o755)
  }
  const socket = path.join(dir, 'engine.sock')
  let answer: { status: number; server?: string; body: string; delayMs?: number } = { status: 200, body: '' }
  const requests: string[] = []
  let server: Server
  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`)
      setTimeout(() => {
        res.writeHead(answer.status, answer.server ? { Server: answer.server } : {})
        res.end(answer.body)
      }, answer.delayMs ?? 0)
    })
    await new Promise<void>(resolve => server.listen(socket, resolve))
  })
  afterAll(async () => {
    await new Promise(resolve => server.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  })
  const env = { PATH: bin, DOCKER_HOST: `unix://${socket}` }
  const containerd = JSON.stringify({ DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']] })

  it.each<[string, typeof answer, object]>([
    [
      'Docker on the containerd store',
      { status: 200, server: 'Docker/28.2.2 (linux)', body: containerd },
      { builder: { engine: 'buildx', driver: 'docker', cacheExport: true }, address: `unix://${socket}` }
    ],
    [
      'Docker on the classic store',
      { status: 200, server: 'Docker/26.1.5 (linux)', body: '{"DriverStatus":[["Backing Filesystem","extfs"]]}' },
      { builder: { engine: 'buildx', driver: 'docker', cacheExport: false }, address: `unix://${socket}` }
    ],
    [
      "podman's docker-compatible socket",
      { status: 200, server: 'Libpod/4.3.1 (linux)', body: containerd },
      { reason: `the engine at unix://${socket} is Libpod/4.3.1 (linux)` }
    ],
    [
      'an engine error',
      { status: 500, server: 'Docker/28.2.2', body: '{"message":"boom"}' },
      { reason: `GET /info on unix://${socket} answered 500` }
    ],
    [
      'an answer that is not JSON',
      { status: 200, server: 'Docker/28.2.2', body: '<html>' },
      { reason: `GET /info on unix://${socket} is not JSON` }
    ],
    [
      'an engine slower than the timeout',
      { status: 200, server: 'Docker/28.2.2', body: containerd, delayMs: 400 },
      { reason: `GET /info on unix://${socket}: no answer in 100 ms` }
    ]
  ])('%s', async (_name, given, expected) => {
    answer = given
    requests.length = 0
    expect(await fastProbe(env, '', config, 100)).toEqual(expected)
    expect(requests).toEqual(['GET /info'])
  })

  it('asks no engine when buildx would not use its default builder', async () => {
    requests.length = 0
    writeFileSync(path.join(config, 'config.json'), '{"currentContext":"remote"}')
    try {
      expect(await fastProbe(env, '', config, 100)).toEqual({ reason: 'the docker context is remote' })
      expect(await fastProbe({ PATH: path.join(dir, 'nowhere'), DOCKER_HOST: env.DOCKER_HOST }, '', path.join(dir, 'none'), 100)).toEqual({
        reason: 'the docker CLI or its buildx plugin is not where the CLI looks'
      })
    } finally {
      rmSync(path.join(config, 'config.json'))
    }
    expect(requests).toEqual([])
  })

  it('says why when nothing listens on the socket', async () => {
    const r = await fastProbe({ ...env, DOCKER_HOST: `unix://${dir}/missing.sock` }, '', config, 100)
    expect(r).toEqual({ reason: expect.stringMatching(new RegExp(`^GET /info on unix://${dir}/missing.sock: connect ENOENT`)) })
  })
})

import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { probeKey, startEarlyProbe } from '../../src/engine/probe/early-probe.js'

// A `docker` first on PATH that prints its argv and what it was given of the environment.
const bin = mkdtempSync(path.join(tmpdir(), 'early-probe-'))
writeFileSync(
  path.join(bin, 'docker'),
  '#!/bin/sh\necho "argv: $*"\necho "DOCKER_HOST=${DOCKER_HOST:-} DOCKER_CONFIG=${DOCKER_CONFIG:-} password=${INPUT_PASSWORD:-none}"\n'
)
chmodSync(path.join(bin, 'docker'), 0o755)
afterAll(() => rmSync(bin, { recursive: true, force: true }))

const base = { PATH: `${bin}:/usr/bin:/bin`, HOME: '/home/runner', INPUT_PASSWORD: 'hunter2' }

describe('startEarlyProbe', () => {
  it('runs docker buildx inspect with the builder and docker-host inputs, never the INPUT_* variables', async () => {
    const probe = startEarlyProbe({ ...base, INPUT_BUILDER: ' remote-kit ', 'INPUT_DOCKER-HOST': 'tcp://10.0.0.5:2376' })
    expect(probe?.key).toBe(probeKey('remote-kit', 'tcp://10.0.0.5:2376'))
    const answer = await probe!.result
    expect(answer).toMatchObject({ fastMiss: 'the "builder" input names remote-kit' })
    const r = 'inspect' in answer ? answer.inspect : undefined
    expect(r?.exitCode).toBe(0)
    expect(r?.stdout).toBe(
      'argv: buildx inspect remote-kit\nDOCKER_HOST=tcp://10.0.0.5:2376 DOCKER_CONFIG=/home/runner/.docker password=none\n'
    )
  })

  it('keys the default probe like the validated settings of an empty builder and docker-host', async () => {
    // No engine on that socket: the fast path cannot answer, so buildx inspect does.
    const probe = startEarlyProbe({
      ...base,
      DOCKER_CONFIG: '/etc/docker-cfg',
      DOCKER_HOST: 'unix:///nonexistent.sock',
      INPUT_ENGINE: 'Auto'
    })
    expect(probe?.key).toBe(probeKey('', ''))
    const answer = await probe!.result
    expect(answer).toMatchObject({ fastMiss: expect.any(String) })
    const stdout = 'inspect' in answer ? answer.inspect.stdout : ''
    expect(stdout).toContain('argv: buildx inspect\n')
    expect(stdout).toContain('DOCKER_CONFIG=/etc/docker-cfg ')
  })

  it('asks the engine itself, and runs no docker command, when buildx would use its default builder', async () => {
    const config = mkdtempSync(path.join(tmpdir(), 'early-probe-config-'))
    mkdirSync(path.join(config, 'cli-plugins'))
    writeFileSync(path.join(config, 'cli-plugins', 'docker-buildx'), '#!/bin/sh\nexit 1\n', { mode: 0o755 })
    const socket = path.join(config, 'engine.sock')
    const server = createServer((_req, res) => {
      res.writeHead(200, { Server: 'Docker/28.2.2 (linux)' })
      res.end(JSON.stringify({ DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']] }))
    })
    await new Promise<void>(resolve => server.listen(socket, resolve))
    try {
      const probe = startEarlyProbe({ ...base, DOCKER_CONFIG: config, 'INPUT_DOCKER-HOST': `unix://${socket}` })
      expect(probe?.key).toBe(probeKey('', `unix://${socket}`))
      expect(await probe!.result).toEqual({
        builder: { engine: 'buildx', driver: 'docker', cacheExport: true },
        via: `GET /info on unix://${socket}`
      })
    } finally {
      await new Promise(resolve => server.close(resolve))
      rmSync(config, { recursive: true, force: true })
    }
  })

  it.each<[string, Record<string, string>]>([
    ['the post step', { STATE_isPost: 'true' }],
    ['a dry run', { 'INPUT_DRY-RUN': 'TRUE' }],
    ['engine docker', { INPUT_ENGINE: 'docker' }],
    ['engine podman', { INPUT_ENGINE: 'podman' }],
    ['an invalid builder (refused later by the inputs)', { INPUT_BUILDER: '$(touch /tmp/x)' }],
    ['an invalid docker-host', { 'INPUT_DOCKER-HOST': 'localhost:2375' }]
  ])('starts nothing for %s', (_name, env) => {
    expect(startEarlyProbe({ ...base, ...env })).toBeUndefined()
  })

  it('answers like a failed probe when docker is not installed', async () => {
    const answer = await startEarlyProbe({ PATH: bin.replace(/$/, '-missing'), HOME: '/root' })!.result
    expect(answer).toMatchObject({
      fastMiss: 'the docker CLI or its buildx plugin is not where the CLI looks',
      inspect: { exitCode: 127, stderr: expect.stringMatching(/ENOENT/) }
    })
  })
})

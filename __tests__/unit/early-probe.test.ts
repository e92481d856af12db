import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { probeKey, startEarlyProbe } from '../../src/early-probe.js'

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
    const r = await probe!.result
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toBe(
      'argv: buildx inspect remote-kit\nDOCKER_HOST=tcp://10.0.0.5:2376 DOCKER_CONFIG=/home/runner/.docker password=none\n'
    )
  })

  it('keys the default probe like the validated settings of an empty builder and docker-host', async () => {
    const probe = startEarlyProbe({ ...base, DOCKER_CONFIG: '/etc/docker-cfg', INPUT_ENGINE: 'Auto' })
    expect(probe?.key).toBe(probeKey('', ''))
    expect((await probe!.result).stdout).toContain('argv: buildx inspect\n')
    expect((await probe!.result).stdout).toContain('DOCKER_CONFIG=/etc/docker-cfg ')
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
    const r = await startEarlyProbe({ PATH: bin.replace(/$/, '-missing'), HOME: '/root' })!.result
    expect(r.exitCode).toBe(127)
    expect(r.stderr).toMatch(/ENOENT/)
  })
})

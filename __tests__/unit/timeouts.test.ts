import { contextArg } from '../../src/engine/argv.js'
import { CommandTimeout, engineAddress, timeoutMs } from '../../src/shared/timeouts.js'

describe('the bound of an engine command', () => {
  it.each<[string, 'probe' | 'login' | 'logout' | 'push', Record<string, string>, number]>([
    ['gives login 60 s', 'login', {}, 60_000],
    ['gives the probe 60 s', 'probe', {}, 60_000],
    ['gives the push of one tag 30 min', 'push', {}, 1_800_000],
    ['takes DOCKER_SHIP_TIMEOUT in seconds', 'login', { DOCKER_SHIP_TIMEOUT: '3' }, 3000],
    ['takes a fraction of a second', 'push', { DOCKER_SHIP_TIMEOUT: '0.5' }, 500],
    ['ignores a value that is not a positive number', 'login', { DOCKER_SHIP_TIMEOUT: 'soon' }, 60_000],
    ['ignores zero', 'logout', { DOCKER_SHIP_TIMEOUT: '0' }, 60_000]
  ])('%s', (_name, kind, env, expected) => {
    expect(timeoutMs(kind, env)).toBe(expected)
  })
})

describe('the engine a timeout names', () => {
  it.each([
    ['docker', { DOCKER_HOST: 'tcp://10.0.0.2:2375' }, 'tcp://10.0.0.2:2375 (docker-host / DOCKER_HOST)'],
    ['docker', {}, 'unix:///var/run/docker.sock (the default socket; docker-host or DOCKER_HOST was not set)'],
    ['podman', { DOCKER_HOST: 'tcp://x:1' }, "podman's local engine"],
    ['podman', { CONTAINER_HOST: 'unix:///run/podman.sock' }, 'unix:///run/podman.sock (CONTAINER_HOST)']
  ])('%s with %j is %s', (command, env, expected) => {
    expect(engineAddress(command, env)).toBe(expected)
  })

  it('says the command, the bound, the address and what to check', () => {
    expect(new CommandTimeout('docker login', 60_000, 'unix:///x.sock (docker-host / DOCKER_HOST)').message).toBe(
      'docker login did not finish in 60 s and was stopped; engine: unix:///x.sock (docker-host / DOCKER_HOST). Check that the engine at that address is running and answers (docker info, or podman info, with the same address), and that the registry is reachable from it; DOCKER_SHIP_TIMEOUT (seconds) sets a longer bound.'
    )
  })
})

describe('the context argument', () => {
  it.each([
    ['.', '.'],
    ['backend', 'backend'],
    ['/abs/ctx', '/abs/ctx'],
    ['--help', './--help'],
    ['-', './-'],
    ['-x/y', './-x/y']
  ])('%s is passed as %s', (context, expected) => {
    expect(contextArg(context)).toBe(expected)
  })
})

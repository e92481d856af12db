import { cliMajor, noBuildxError } from '../../src/engine/probe/select.js'

describe('the docker CLI that needs buildx', () => {
  it.each<[string, number]>([
    ['28.2.2', 28],
    ['20.10.24+dfsg1', 20],
    ['23.0.0-rc.1', 23],
    ['', Number.NaN],
    ['unknown', Number.NaN]
  ])('reads CLI %j as major %s', (version, major) => {
    expect(cliMajor(version)).toBe(major)
  })

  it('says in one line what is missing and the fixes', () => {
    const e = noBuildxError('auto', '28.2.2', "docker buildx inspect: docker: 'buildx' is not a docker command.")
    expect(e.name).toBe('InputError')
    expect(e.message).not.toContain('\n')
    expect(e.message).toBe(
      `Input "engine" is "auto" but the docker CLI 28.2.2 has no buildx plugin (docker buildx inspect: docker: 'buildx' is not a docker command.), and since Docker 23 "docker build" needs it: add docker/setup-buildx-action before this step, or install the plugin (apt-get install docker-buildx, or docker-buildx-plugin from Docker's repository, or put docker-buildx in ~/.docker/cli-plugins), or use engine: podman.`
    )
  })

  it('names a plugin that is there but fails', () => {
    expect(noBuildxError('auto', '28.2.2', 'exit code 1', '/usr/libexec/docker/cli-plugins/docker-buildx').message).toContain(
      'the docker CLI 28.2.2 has a buildx plugin, /usr/libexec/docker/cli-plugins/docker-buildx, that fails (exit code 1)'
    )
  })
})

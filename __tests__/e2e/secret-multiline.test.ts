// A multi-line secret (a PEM-like value of 40+ bytes) reaches the RUN step byte for byte through
// each secret input: secret-envs, secret-files and secrets (in double quotes), on buildx, classic
// docker and podman. The RUN step writes the sha256 of what it read into the image, compared with
// the value's own; the value itself appears in no log and no layer.
import { createHash, randomBytes } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import { pushPayload } from './support/payloads.js'
import { podmanStepEnv, readE2EEnv, registryClient, requirePart } from './support/registry.js'
import { cleanupRuns, runAction } from './support/runner.js'
import { makeWorkspace, uniqueRepo } from './support/workspace.js'

const env = readE2EEnv()
const registry = registryClient(env, 1)
const classic = requirePart(env, env.classic, 'E2E_CLASSIC_DOCKER_HOST', '--classic-engine')
const sha = (text: string) => createHash('sha256').update(text).digest('hex')

afterAll(cleanupRuns)

/** Every layer of the pushed `latest`, unpacked (tar bytes as latin1 text). */
async function layers(repo: string): Promise<string[]> {
  const m = await registry.imageManifest(repo, 'latest')
  return Promise.all(
    (m.body.layers ?? []).map(async l => {
      const blob = await registry.blob(repo, l.digest)
      return (l.mediaType?.endsWith('gzip') ? gunzipSync(blob) : blob).toString('latin1')
    })
  )
}

describe('a multi-line secret', () => {
  it.each([
    ['buildx', {}],
    ['docker', { DOCKER_HOST: classic.dockerHost }],
    ['podman', podmanStepEnv(env)]
  ])(
    '%s: reaches RUN whole through secret-envs, secret-files and quoted secrets',
    async (engine, stepEnv) => {
      const body = randomBytes(36).toString('base64')
      const value = `-----BEGIN TEST KEY-----\n${body}\n${body.slice(0, 20)}\n-----END TEST KEY-----`
      expect(Buffer.byteLength(value)).toBeGreaterThan(40)
      const repo = uniqueRepo(`faults-pem-${engine}`)
      const read = (id: string) => `echo "${id}=$(sha256sum < /run/secrets/${id} | cut -c1-64)" >> /sums.txt`
      const dockerfile = [
        `FROM ${env.baseImage}`,
        // BuildKit leaves a secret out of the cache key: a step of this run's own comes first, so no
        // RUN below is a cache hit of an earlier run with another value.
        `RUN echo ${repo} > /run.txt`,
        ...['pem_env', 'pem_file', 'pem_inline'].map(id => `RUN --mount=type=secret,id=${id} ${read(id)}`),
        ''
      ].join('\n')
      const r = await runAction({
        workspace: makeWorkspace({ Dockerfile: dockerfile, 'keys/test.pem': value }),
        secrets: [env.registry.password, value],
        payload: pushPayload({ ref: 'refs/heads/main', defaultBranch: 'main' }),
        env: { ...stepEnv, MY_PEM: value },
        inputs: {
          registry: env.registry.host,
          image: repo,
          engine,
          username: env.registry.user,
          password: env.registry.password,
          'secret-envs': 'pem_env=MY_PEM',
          'secret-files': 'pem_file=keys/test.pem',
          secrets: `pem_inline="${value}"`
        }
      })
      expect(r.main.log.split('\n').filter(l => l.startsWith('##[error]'))).toEqual([])
      expect(r.main.exitCode).toBe(0)
      const text = (await layers(repo)).join('\n')
      for (const id of ['pem_env', 'pem_file', 'pem_inline']) expect(text).toContain(`${id}=${sha(value)}`)
      for (const secretLine of [body, body.slice(0, 20)]) {
        expect(text).not.toContain(secretLine)
        for (const out of [r.main.log, r.main.stdout.replace(/^::add-mask::.*$/gm, ''), r.main.stderr])
          expect(out).not.toContain(secretLine)
      }
    },
    180_000
  )
})

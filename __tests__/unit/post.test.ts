import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { cleanUp, credentialsInFolder, escapeData, post } from '../../src/step/post.js'

// `docker` and `podman` first on PATH that record their argv and environment, and fail for one registry.
const bin = mkdtempSync(path.join(tmpdir(), 'post-bin-'))
const record = path.join(bin, 'calls.txt')
for (const cli of ['docker', 'podman']) {
  writeFileSync(
    path.join(bin, cli),
    `#!/bin/sh\necho "${cli} $* DOCKER_CONFIG=\${DOCKER_CONFIG:-} DOCKER_HOST=\${DOCKER_HOST:-} password=\${INPUT_PASSWORD:-none}" >> ${record}\n` +
      `[ "$2" = "broken.example" ] && { echo "Error: not logged in to broken.example" >&2; exit 1; }\nexit 0\n`
  )
  chmodSync(path.join(bin, cli), 0o755)
}
afterAll(() => rmSync(bin, { recursive: true, force: true }))

/** A run folder whose docker config is `config` (docker keeps credentials in it unless a helper is set). */
function runDir(config = '{"auths":{"x":{"auth":"c2VjcmV0"}}}'): string {
  const root = mkdtempSync(path.join(tmpdir(), 'post-run-'))
  mkdirSync(path.join(root, 'config'))
  writeFileSync(path.join(root, 'config', 'config.json'), config)
  return root
}
const WITH_HELPER = '{"auths":{"x":{}},"credsStore":"pass"}'

async function runPost(state: object | undefined) {
  rmSync(record, { force: true })
  const lines: string[] = []
  const env = { PATH: `${bin}:/usr/bin:/bin`, INPUT_PASSWORD: 'hunter2', ...(state ? { STATE_post: JSON.stringify(state) } : {}) }
  await post(env, { info: m => lines.push(`info ${m}`), warning: m => lines.push(`warning ${m}`) })
  const calls = existsSync(record) ? readFileSync(record, 'utf8').trim().split('\n') : []
  return { lines, calls }
}

describe('the post step', () => {
  it('deletes the run folder, and runs no logout, when the credentials are in its own config.json', async () => {
    const root = runDir()
    const env = { DOCKER_CONFIG: path.join(root, 'config'), DOCKER_HOST: 'tcp://10.0.0.5:2376' }
    const r = await runPost({ root, configDir: env.DOCKER_CONFIG, registries: ['docker.io', 'ghcr.io'], engine: 'docker', env })
    expect(r.calls).toEqual([])
    expect(r.lines).toEqual([
      "info Logged out of docker.io (deleted this run's docker config, which held its credentials).",
      "info Logged out of ghcr.io (deleted this run's docker config, which held its credentials)."
    ])
    expect(existsSync(root)).toBe(false)
  })

  it('logs out of every registry with the CLI and environment main used when a credential helper holds them', async () => {
    const root = runDir(WITH_HELPER)
    const env = { DOCKER_CONFIG: path.join(root, 'config'), DOCKER_HOST: 'tcp://10.0.0.5:2376' }
    const r = await runPost({ root, configDir: env.DOCKER_CONFIG, registries: ['docker.io', 'ghcr.io'], engine: 'docker', env })
    expect(r.calls).toEqual([
      `docker logout docker.io DOCKER_CONFIG=${root}/config DOCKER_HOST=tcp://10.0.0.5:2376 password=none`,
      `docker logout ghcr.io DOCKER_CONFIG=${root}/config DOCKER_HOST=tcp://10.0.0.5:2376 password=none`
    ])
    expect(r.lines).toEqual(['info Logged out of docker.io.', 'info Logged out of ghcr.io.'])
    expect(existsSync(root)).toBe(false)
  })

  it('uses podman when main logged in with podman', async () => {
    const root = runDir()
    const r = await runPost({ root, registries: ['quay.io'], engine: 'podman', env: { REGISTRY_AUTH_FILE: `${root}/config/auth.json` } })
    expect(r.calls).toEqual(['podman logout quay.io DOCKER_CONFIG= DOCKER_HOST= password=none'])
    expect(existsSync(root)).toBe(false)
  })

  it('only warns when a logout fails, and still deletes the run folder', async () => {
    const root = runDir(WITH_HELPER)
    const r = await runPost({ root, configDir: path.join(root, 'config'), registries: ['broken.example', 'docker.io'] })
    expect(r.lines).toEqual([
      'warning Could not log out of broken.example: docker logout failed with exit code 1\nError: not logged in to broken.example',
      'info Logged out of docker.io.'
    ])
    expect(r.calls[0]).toContain(`DOCKER_CONFIG=${root}/config `)
    expect(existsSync(root)).toBe(false)
  })

  it.each<[string, object | undefined]>([
    ['main never ran (no state)', undefined],
    ['main stopped before making its run folder', { registries: [] }]
  ])('does nothing when %s', async (_name, state) => {
    expect(await runPost(state)).toEqual({ lines: [], calls: [] })
  })

  it.each<[string, string | undefined, boolean]>([
    ['auths only', '{"auths":{"ghcr.io":{"auth":"c2VjcmV0"}}}', true],
    ['no config.json', undefined, true],
    ['an empty credsStore and credHelpers', '{"auths":{},"credsStore":"","credHelpers":{}}', true],
    ['a credsStore', '{"auths":{"ghcr.io":{}},"credsStore":"desktop"}', false],
    ['a credential helper for one registry', '{"credHelpers":{"123.dkr.ecr.us-east-1.amazonaws.com":"ecr-login"}}', false],
    ['a config.json that does not parse', '{"auths":', false]
  ])('says whether deleting the folder logs out: %s', (_name, config, expected) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'post-config-'))
    if (config !== undefined) writeFileSync(path.join(dir, 'config.json'), config)
    expect(credentialsInFolder(dir)).toBe(expected)
    rmSync(dir, { recursive: true, force: true })
  })

  it('logs out when the config folder is not inside the run folder', async () => {
    const root = runDir()
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'post-elsewhere-'))
    const r = await runPost({ root, registries: ['docker.io'], engine: 'docker', env: { DOCKER_CONFIG: elsewhere } })
    expect(r.calls).toEqual([`docker logout docker.io DOCKER_CONFIG=${elsewhere} DOCKER_HOST= password=none`])
    expect(existsSync(root)).toBe(false)
    rmSync(elsewhere, { recursive: true, force: true })
  })

  it('tells main whether anything is left for the post step', async () => {
    const quiet = { info: () => undefined, warning: () => undefined }
    const env = { PATH: `${bin}:/usr/bin:/bin` }
    const done = runDir()
    expect(await cleanUp({ root: done, configDir: path.join(done, 'config'), registries: ['docker.io'] }, env, quiet)).toBe(true)
    const failing = runDir(WITH_HELPER)
    const state = { root: failing, configDir: path.join(failing, 'config'), registries: ['broken.example'] }
    expect(await cleanUp(state, env, quiet)).toBe(false)
    expect(await cleanUp({ registries: [] }, env, quiet)).toBe(true)
  })

  it('escapes a warning like @actions/core, so a multi-line message stays one command', () => {
    expect(escapeData('50% done\r\nnext')).toBe('50%25 done%0D%0Anext')
  })
})

describe("the step's own builder", () => {
  it('is removed with docker buildx rm before the run folder (which holds its buildx record) goes', async () => {
    const root = runDir()
    const env = { DOCKER_CONFIG: path.join(root, 'config') }
    const r = await runPost({ root, configDir: env.DOCKER_CONFIG, registries: [], engine: 'docker', env, builder: 'docker-ship-0a1b2c3d' })
    expect(r.calls).toEqual([`docker buildx rm docker-ship-0a1b2c3d DOCKER_CONFIG=${root}/config DOCKER_HOST= password=none`])
    expect(r.lines).toEqual(['info Removed the builder docker-ship-0a1b2c3d this step created.'])
    expect(existsSync(root)).toBe(false)
  })
})

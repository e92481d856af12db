// The machine layouts users have, each proven on the real engines: buildx in the runner user's
// ~/.docker/cli-plugins (Docker Desktop, docker/setup-buildx-action), in $DOCKER_CONFIG/cli-plugins,
// in a system plugin folder, or nowhere. With no buildx, a docker CLI 23+ cannot build with
// BuildKit: the step refuses before any login with the fix; a docker CLI 20.10 (Debian 12's own
// docker.io) builds with its built-in BuildKit.
//
// Each run gets a mount namespace of its own (unshare, as root) in which every system plugin
// folder is an empty tmpfs, so the layout under test is the only place buildx can be found,
// whatever this machine has installed.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { pushPayload } from './support/payloads.js'
import { readE2EEnv, registryClient, requirePart } from './support/registry.js'
import { annotationsOf, cleanupRuns, runAction, type RunOptions } from './support/runner.js'
import { commandLines, makeWorkspace, uniqueRepo } from './support/workspace.js'

const env = readE2EEnv()
const registry = registryClient(env, 1)
const host = env.registry.host
const plugin = requirePart(env, env.buildxPlugin, 'E2E_BUILDX_PLUGIN', '')
const classic = requirePart(env, env.classic, 'E2E_CLASSIC_DOCKER_HOST', '--classic-engine')

/** The docker CLI's system plugin folders on Linux (docker/cli's defaultSystemPluginDirs). */
const SYSTEM_PLUGIN_DIRS = [
  '/usr/local/lib/docker/cli-plugins',
  '/usr/local/libexec/docker/cli-plugins',
  '/usr/lib/docker/cli-plugins',
  '/usr/libexec/docker/cli-plugins'
]

afterAll(cleanupRuns)

/**
 * A `node` for the harness that runs the step in its own mount namespace with every system plugin
 * folder empty; with `systemBuildx`, buildx is copied into the first of them.
 */
function nodeInLayout(systemBuildx: boolean): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'layout-'))
  const script = path.join(dir, 'node')
  const hide = SYSTEM_PLUGIN_DIRS.map(d => `[ -d '${d}' ] && mount -t tmpfs -o size=64m tmpfs '${d}'`).join('\n')
  // The copy is made first: the machine's own buildx may sit in one of the folders hidden below.
  const copy = path.join(pluginFolder(), 'cli-plugins', 'docker-buildx')
  const place = systemBuildx
    ? `mkdir -p '${SYSTEM_PLUGIN_DIRS[0]}' && mount -t tmpfs -o size=256m tmpfs '${SYSTEM_PLUGIN_DIRS[0]}' && cp '${copy}' '${SYSTEM_PLUGIN_DIRS[0]}/docker-buildx'`
    : ''
  writeFileSync(
    script,
    `#!/bin/bash\nexec unshare --mount --propagation private -- /bin/bash -c '\nset -e\n${[hide, place].join('\n').replace(/'/g, `'"'"'`)}\nexec "$0" "$@"' '${process.execPath}' "$@"\n`
  )
  chmodSync(script, 0o755)
  return script
}

/** A folder holding cli-plugins/docker-buildx (a copy of this machine's buildx). */
function pluginFolder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'docker-config-'))
  mkdirSync(path.join(dir, 'cli-plugins'))
  copyFileSync(plugin, path.join(dir, 'cli-plugins', 'docker-buildx'))
  chmodSync(path.join(dir, 'cli-plugins', 'docker-buildx'), 0o755)
  return dir
}

/** A runner HOME: empty, or with buildx in ~/.docker/cli-plugins. */
function runnerHome(withBuildx: boolean): string {
  const home = mkdtempSync(path.join(tmpdir(), 'home-'))
  if (withBuildx) symlinkSync(pluginFolder(), path.join(home, '.docker'))
  return home
}

/** Pushes a FROM base + RUN project to `repo` for a push to main, in a layout. */
function ship(repo: string, layout: { systemBuildx: boolean; home: string }, opts: RunOptions = {}) {
  return runAction({
    workspace: makeWorkspace({ Dockerfile: `FROM ${env.baseImage}\nRUN echo ${repo} > /repo\n` }),
    secrets: [env.registry.password],
    payload: pushPayload({ ref: 'refs/heads/main', defaultBranch: 'main' }),
    node: nodeInLayout(layout.systemBuildx),
    home: layout.home,
    ...opts,
    inputs: { registry: host, image: repo, username: env.registry.user, password: env.registry.password, ...opts.inputs }
  })
}

describe('buildx where users have it', () => {
  it.each([
    ['the runner user’s ~/.docker/cli-plugins', () => ({ systemBuildx: false, home: runnerHome(true) }), {}],
    ['$DOCKER_CONFIG/cli-plugins', () => ({ systemBuildx: false, home: runnerHome(false) }), { DOCKER_CONFIG: pluginFolder() }],
    ['a system plugin folder', () => ({ systemBuildx: true, home: runnerHome(false) }), {}]
  ])('builds with buildx found in %s and pushes', async (_where, layout, stepEnv: Record<string, string>) => {
    const repo = uniqueRepo('layout')
    const r = await ship(repo, layout(), { env: stepEnv })
    expect(r.main.exitCode).toBe(0)
    expect(commandLines(r.main.log).filter(l => /^\[command\]\S*docker buildx build /.test(l))).toHaveLength(1)
    expect(await registry.tags(repo)).toEqual(['buildcache', 'latest', 'main', 'sha-0123456'])
    expect((await registry.manifest(repo, 'latest')).digest).toBe(r.outputs.digest)
  })

  it('finds no buildx when every plugin folder is empty (the layout tests hide what the machine has)', async () => {
    const r = await runAction({
      workspace: makeWorkspace({}),
      node: nodeInLayout(false),
      home: runnerHome(false),
      entry: writeProbe('docker', ['buildx', 'version']),
      post: false
    })
    expect(r.main.exitCode).not.toBe(0)
    expect(r.main.log).toMatch(/'buildx' is not a docker command|unknown command/)
  })
})

describe('no buildx anywhere', () => {
  const none = () => ({ systemBuildx: false, home: runnerHome(false) })
  const refusal =
    /^Input "engine" is "(auto|docker)" but the docker CLI \d+\.\d+\.\d+\S* has no buildx plugin \(.+\), and since Docker 23 "docker build" needs it: add docker\/setup-buildx-action before this step, or install the plugin .+, or use engine: podman\.$/

  it.each([
    ['auto', 'the main engine', {}],
    ['docker', 'the main engine', {}],
    ['auto', 'the classic-store dockerd 20.10', { DOCKER_HOST: classic.dockerHost }]
  ])(
    'engine %s on %s with docker CLI 28: refuses before logging in, saying how to add buildx',
    async (engine, _on, stepEnv: Record<string, string>) => {
      const repo = uniqueRepo('layout-none')
      const r = await ship(repo, none(), { env: stepEnv, inputs: { engine } })
      expect(r.main.exitCode).toBe(1)
      const errors = annotationsOf(r.main, 'error').map(a => a.message)
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatch(refusal)
      expect(errors[0]).toContain(`"${engine}"`)
      expect(commandLines(r.main.log).filter(l => /docker (login|build|buildx build|push)/.test(l))).toEqual([])
      expect(await registry.tags(repo)).toEqual([])
    }
  )

  it("builds with a docker CLI 20.10's built-in BuildKit (Debian 12's docker.io) and pushes", async () => {
    const repo = uniqueRepo('layout-cli20')
    const bin = mkdtempSync(path.join(tmpdir(), 'cli20-'))
    symlinkSync(classic.cli, path.join(bin, 'docker'))
    const r = await ship(repo, none(), { env: { DOCKER_HOST: classic.dockerHost, PATH: `${bin}:${process.env.PATH ?? ''}` } })
    expect(r.main.exitCode).toBe(0)
    const commands = commandLines(r.main.log)
    expect(commands.filter(l => /^\[command\]\S*docker build /.test(l))).toHaveLength(1)
    expect(commands.filter(l => /^\[command\]\S*docker buildx/.test(l))).toEqual([])
    expect(await registry.tags(repo)).toEqual(['latest', 'main', 'sha-0123456'])
    expect((await registry.manifest(repo, 'latest')).digest).toBe(r.outputs.digest)
  })
})

/** A stand-in action entry that runs one docker command and exits with its status. */
function writeProbe(command: string, args: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'probe-'))
  const file = path.join(dir, 'probe.mjs')
  writeFileSync(
    file,
    `import { spawnSync } from 'node:child_process'\nconst r = spawnSync(${JSON.stringify(command)}, ${JSON.stringify(args)}, { stdio: 'inherit' })\nprocess.exit(r.status ?? 1)\n`
  )
  return file
}

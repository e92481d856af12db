// The env file written by scripts/e2e-env.sh (registries, engines, base images of the e2e
// environment), and what tests derive from it: a registry client, the podman step env, the
// remote engine, a part that needs another flag of the script.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { RegistryClient } from './client.js'

export interface RegistryEndpoint {
  /** host:port, e.g. 127.0.0.1:5000 */
  host: string
  user: string
  password: string
  log?: string
}

export interface E2EEnv {
  stateDir: string
  file: string
  registry: RegistryEndpoint
  registry2?: RegistryEndpoint
  /** Local base image made by the script, e.g. e2e/busybox:latest (never pulled). */
  baseImage: string
  dockerdLog?: string
  /** tcp://127.0.0.1:2376 when the script ran with --remote-engine. */
  remoteDockerHost?: string
  remoteDockerdLog?: string
  /** The buildx plugin binary the docker CLI runs here (layout tests place copies of it). */
  buildxPlugin?: string
  /** bookworm's dockerd 20.10 on the classic image store, and its docker CLI 20.10 (--classic-engine). */
  classic?: { dockerHost: string; cli: string; dockerdLog?: string }
  /** An index of linux/amd64 + linux/arm64 busybox images in registry 1 (--qemu). */
  baseIndex?: string
  /** storage.conf (vfs) and registries.conf (insecure 127.0.0.1) when the script ran with --podman. */
  podman?: { storageConf: string; registriesConf: string }
  /** Every KEY=value of the file. */
  raw: Record<string, string>
}

export function e2eStateDir(): string {
  return process.env.E2E_STATE_DIR || '/var/tmp/docker-ship-e2e'
}

/** Parse `KEY=value` lines (blank lines and # comments skipped; value kept verbatim). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue
    const eq = line.indexOf('=')
    if (eq <= 0) continue
    out[line.slice(0, eq).trim()] = line.slice(eq + 1)
  }
  return out
}

/** Read `${E2E_STATE_DIR:-/var/tmp/docker-ship-e2e}/env`; throws telling how to create it. */
export function readE2EEnv(): E2EEnv {
  const stateDir = e2eStateDir()
  const file = path.join(stateDir, 'env')
  const hint = 'Start the e2e environment first: `npm run e2e:env` (bash scripts/e2e-env.sh, as root).'
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new Error(`e2e environment not found: ${file} does not exist. ${hint}`)
    throw new Error(`cannot read the e2e env file ${file} (${code ?? (e as Error).message}). ${hint}`)
  }
  const raw = parseEnvFile(text)
  const need = (k: string): string => {
    const v = raw[k]
    if (v === undefined || v === '') throw new Error(`${file} has no ${k}: the e2e environment is incomplete. ${hint}`)
    return v
  }
  const endpoint = (prefix: string): RegistryEndpoint => ({
    host: need(prefix),
    user: need(`${prefix}_USER`),
    password: need(`${prefix}_PASSWORD`),
    ...(raw[`${prefix}_LOG`] ? { log: raw[`${prefix}_LOG`] } : {})
  })
  return {
    stateDir,
    file,
    registry: endpoint('E2E_REGISTRY'),
    ...(raw.E2E_REGISTRY2 ? { registry2: endpoint('E2E_REGISTRY2') } : {}),
    baseImage: need('E2E_BASE_IMAGE'),
    ...(raw.E2E_DOCKERD_LOG ? { dockerdLog: raw.E2E_DOCKERD_LOG } : {}),
    ...(raw.E2E_REMOTE_DOCKER_HOST ? { remoteDockerHost: raw.E2E_REMOTE_DOCKER_HOST } : {}),
    ...(raw.E2E_REMOTE_DOCKERD_LOG ? { remoteDockerdLog: raw.E2E_REMOTE_DOCKERD_LOG } : {}),
    ...(raw.E2E_BUILDX_PLUGIN ? { buildxPlugin: raw.E2E_BUILDX_PLUGIN } : {}),
    ...(raw.E2E_CLASSIC_DOCKER_HOST && raw.E2E_CLASSIC_DOCKER_CLI
      ? { classic: { dockerHost: raw.E2E_CLASSIC_DOCKER_HOST, cli: raw.E2E_CLASSIC_DOCKER_CLI, dockerdLog: raw.E2E_CLASSIC_DOCKERD_LOG } }
      : {}),
    ...(raw.E2E_BASE_INDEX ? { baseIndex: raw.E2E_BASE_INDEX } : {}),
    ...(raw.E2E_PODMAN_STORAGE_CONF && raw.E2E_PODMAN_REGISTRIES_CONF
      ? { podman: { storageConf: raw.E2E_PODMAN_STORAGE_CONF, registriesConf: raw.E2E_PODMAN_REGISTRIES_CONF } }
      : {}),
    raw
  }
}

/**
 * The step env a self-hosted runner's admin gives podman jobs here (root, no overlay): vfs storage,
 * chroot isolation, plain http to the 127.0.0.1 registries. The action itself sets none of it.
 */
export function podmanStepEnv(env: E2EEnv): Record<string, string> {
  if (!env.podman) throw new Error(`${env.file} has no E2E_PODMAN_STORAGE_CONF: rerun \`bash scripts/e2e-env.sh --podman\``)
  return {
    CONTAINERS_STORAGE_CONF: env.podman.storageConf,
    CONTAINERS_REGISTRIES_CONF: env.podman.registriesConf,
    BUILDAH_ISOLATION: 'chroot'
  }
}

/** The remote Docker engine of the e2e environment (a second dockerd on a loopback TCP port). */
export function remoteDockerHost(env: E2EEnv): string {
  if (!env.remoteDockerHost) throw new Error(`${env.file} has no E2E_REMOTE_DOCKER_HOST: rerun \`bash scripts/e2e-env.sh --remote-engine\``)
  return env.remoteDockerHost
}

/** A part of the e2e environment that a run of scripts/e2e-env.sh with FLAG adds. */
export function requirePart<T>(env: E2EEnv, value: T | undefined, key: string, flag: string): T {
  if (value === undefined) throw new Error(`${env.file} has no ${key}: rerun \`bash scripts/e2e-env.sh ${flag}\``)
  return value
}

/** A client for registry 1 (default) or 2 of the e2e environment. */
export function registryClient(env: E2EEnv, which: 1 | 2 = 1): RegistryClient {
  const ep = which === 1 ? env.registry : env.registry2
  if (!ep) throw new Error(`${env.file} has no E2E_REGISTRY2: rerun \`npm run e2e:env\``)
  return new RegistryClient({ host: ep.host, user: ep.user, password: ep.password })
}

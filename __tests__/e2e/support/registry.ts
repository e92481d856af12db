// A small client for the Docker distribution registry HTTP API (v2) of the e2e environment
// (plain http on 127.0.0.1 with Basic auth), and the reader of the env file written by
// scripts/e2e-env.sh.
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'

export const MANIFEST_MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json'
} as const

const ACCEPT = Object.values(MANIFEST_MEDIA_TYPES).join(', ')

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  platform?: { os: string; architecture: string; variant?: string; 'os.version'?: string }
  annotations?: Record<string, string>
  [key: string]: unknown
}

export interface ManifestBody {
  schemaVersion: number
  mediaType?: string
  /** Index / manifest list. */
  manifests?: Descriptor[]
  /** Image manifest. */
  config?: Descriptor
  layers?: Descriptor[]
  annotations?: Record<string, string>
  [key: string]: unknown
}

export interface Manifest {
  /** From the Docker-Content-Digest header (else computed from the bytes). */
  digest: string
  /** Content-Type of the answer (else body.mediaType). */
  mediaType: string
  body: ManifestBody
  /** The exact bytes as text (the digest is over these). */
  raw: string
  /** sha256 of the bytes received. */
  computedDigest: string
  isIndex: boolean
}

export interface ImageConfig {
  architecture: string
  os: string
  variant?: string
  created?: string
  config?: {
    Labels?: Record<string, string> | null
    Env?: string[]
    Cmd?: string[] | null
    Entrypoint?: string[] | null
    WorkingDir?: string
    User?: string
    ExposedPorts?: Record<string, object>
    [key: string]: unknown
  }
  rootfs?: { type: string; diff_ids: string[] }
  history?: Array<{ created?: string; created_by?: string; empty_layer?: boolean; comment?: string }>
  [key: string]: unknown
}

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** First error code of the registry's JSON error body (NAME_UNKNOWN, MANIFEST_UNKNOWN, …). */
    readonly code: string | undefined,
    readonly body: string
  ) {
    super(message)
    this.name = 'RegistryError'
  }
}

export interface RegistryOptions {
  /** host:port, e.g. 127.0.0.1:5000 (a scheme prefix is accepted too). */
  host: string
  user?: string
  password?: string
  /** Default 'http'. */
  scheme?: 'http' | 'https'
  /** Per request, default 30 000 ms. */
  timeoutMs?: number
}

/** "os/arch[/variant]" of a descriptor platform or an image config. */
export function platformString(p: { os: string; architecture: string; variant?: string }): string {
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`
}

/** Does descriptor/config platform `have` match the wanted "os/arch[/variant]"? A wanted value
 *  without variant matches any variant; arm64 without variant equals arm64/v8. */
export function platformMatches(have: { os: string; architecture: string; variant?: string }, wanted: string): boolean {
  const [os, arch, variant] = wanted.split('/')
  if (have.os !== os || have.architecture !== arch) return false
  if (!variant) return true
  const hv = have.variant ?? (have.architecture === 'arm64' ? 'v8' : undefined)
  return hv === variant
}

/** An index entry that is a BuildKit attestation (provenance/SBOM), not an image. */
export function isAttestation(d: Descriptor): boolean {
  return d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' || d.platform?.os === 'unknown'
}

function isIndexType(mediaType: string | undefined, body: ManifestBody): boolean {
  return (
    mediaType === MANIFEST_MEDIA_TYPES.ociIndex ||
    mediaType === MANIFEST_MEDIA_TYPES.dockerList ||
    (Array.isArray(body.manifests) && body.config === undefined)
  )
}

export class RegistryClient {
  readonly base: string
  private readonly auth: string | undefined
  private readonly timeoutMs: number

  constructor(readonly opts: RegistryOptions) {
    const host = opts.host.replace(/^https?:\/\//, '').replace(/\/+$/, '')
    const scheme = opts.scheme ?? (/^https:\/\//.test(opts.host) ? 'https' : 'http')
    this.base = `${scheme}://${host}`
    this.auth = opts.user !== undefined ? `Basic ${Buffer.from(`${opts.user}:${opts.password ?? ''}`).toString('base64')}` : undefined
    this.timeoutMs = opts.timeoutMs ?? 30_000
  }

  /** The registry host as used in image references (host:port). */
  get host(): string {
    return this.base.replace(/^https?:\/\//, '')
  }

  /** GET/HEAD a path under the registry; throws RegistryError on a non-2xx answer. */
  async request(urlPath: string, init: { method?: string; accept?: string } = {}): Promise<Response> {
    const url = urlPath.startsWith('http') ? urlPath : `${this.base}${urlPath}`
    const headers: Record<string, string> = {}
    if (this.auth) headers.Authorization = this.auth
    if (init.accept) headers.Accept = init.accept
    let res: Response
    try {
      res = await fetch(url, { method: init.method ?? 'GET', headers, signal: AbortSignal.timeout(this.timeoutMs) })
    } catch (e) {
      throw new Error(
        `registry ${this.base} did not answer ${init.method ?? 'GET'} ${urlPath}: ${(e as Error).message}` +
          ' (is the e2e environment up? npm run e2e:env)'
      )
    }
    if (!res.ok) {
      const body = init.method === 'HEAD' ? '' : await res.text()
      let code: string | undefined
      try {
        code = (JSON.parse(body) as { errors?: Array<{ code?: string }> }).errors?.[0]?.code
      } catch {
        /* not JSON */
      }
      throw new RegistryError(
        `${init.method ?? 'GET'} ${url}: HTTP ${res.status}${code ? ` ${code}` : ''}${body ? `: ${body.slice(0, 300)}` : ''}`,
        res.status,
        code,
        body
      )
    }
    return res
  }

  /** Follow `Link: <…>; rel="next"` pages of a list endpoint. */
  private async paged<T>(first: string, pick: (json: Record<string, unknown>) => T[]): Promise<T[]> {
    const all: T[] = []
    let next: string | null = first
    while (next) {
      const res = await this.request(next)
      all.push(...pick((await res.json()) as Record<string, unknown>))
      const link = res.headers.get('link')
      const m = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null
      next = m ? m[1]! : null
    }
    return all
  }

  /** Tags of `repo`, sorted; [] when the repository does not exist (NAME_UNKNOWN). */
  async tags(repo: string): Promise<string[]> {
    try {
      const tags = await this.paged(`/v2/${repo}/tags/list?n=1000`, j => (j.tags as string[] | null) ?? [])
      return tags.sort()
    } catch (e) {
      if (e instanceof RegistryError && e.status === 404 && (e.code === 'NAME_UNKNOWN' || e.code === undefined)) return []
      throw e
    }
  }

  /** Repositories of the registry (/v2/_catalog), sorted. */
  async catalog(): Promise<string[]> {
    const repos = await this.paged('/v2/_catalog?n=1000', j => (j.repositories as string[] | null) ?? [])
    return repos.sort()
  }

  /** The manifest or index at `ref` (tag or digest). */
  async manifest(repo: string, ref: string): Promise<Manifest> {
    const res = await this.request(`/v2/${repo}/manifests/${ref}`, { accept: ACCEPT })
    const bytes = Buffer.from(await res.arrayBuffer())
    const raw = bytes.toString('utf8')
    const body = JSON.parse(raw) as ManifestBody
    const computedDigest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim() || body.mediaType || ''
    return {
      digest: res.headers.get('docker-content-digest') ?? computedDigest,
      mediaType,
      body,
      raw,
      computedDigest,
      isIndex: isIndexType(mediaType, body)
    }
  }

  /** Whether `ref` exists in `repo` (HEAD on the manifest). */
  async exists(repo: string, ref: string): Promise<boolean> {
    try {
      await this.request(`/v2/${repo}/manifests/${ref}`, { method: 'HEAD', accept: ACCEPT })
      return true
    } catch (e) {
      if (e instanceof RegistryError && e.status === 404) return false
      throw e
    }
  }

  /** A blob's bytes; the digest is verified. */
  async blob(repo: string, digest: string): Promise<Buffer> {
    const res = await this.request(`/v2/${repo}/blobs/${digest}`)
    const bytes = Buffer.from(await res.arrayBuffer())
    const got = `sha256:${createHash('sha256').update(bytes).digest('hex')}`
    if (digest.startsWith('sha256:') && got !== digest) throw new Error(`blob ${repo}@${digest}: content has digest ${got}`)
    return bytes
  }

  /**
   * The image manifest at `ref`: the manifest itself, or, for an index, the entry for `platform`
   * ("os/arch[/variant]") or else the first entry that is not an attestation.
   */
  async imageManifest(repo: string, ref: string, platform?: string): Promise<Manifest> {
    const m = await this.manifest(repo, ref)
    if (!m.isIndex) return m
    const images = (m.body.manifests ?? []).filter(d => !isAttestation(d))
    const pick = platform ? images.find(d => d.platform && platformMatches(d.platform, platform)) : images[0]
    if (!pick) {
      const have = images.map(d => (d.platform ? platformString(d.platform) : '?')).join(', ')
      throw new Error(`${repo}:${ref} has no image${platform ? ` for ${platform}` : ''} (has: ${have || 'none'})`)
    }
    return this.manifest(repo, pick.digest)
  }

  /** The image config blob (labels, env, os/arch, history …) of `ref`, see imageManifest. */
  async imageConfig(repo: string, ref: string, platform?: string): Promise<ImageConfig> {
    const m = await this.imageManifest(repo, ref, platform)
    const cfg = m.body.config
    if (!cfg) throw new Error(`${repo}:${ref}: manifest ${m.digest} has no config`)
    return JSON.parse((await this.blob(repo, cfg.digest)).toString('utf8')) as ImageConfig
  }

  /** Platforms of `ref`: the index's image entries (attestations left out), or the single
   *  image's os/arch[/variant] from its config. */
  async platforms(repo: string, ref: string): Promise<string[]> {
    const m = await this.manifest(repo, ref)
    if (m.isIndex) {
      return (m.body.manifests ?? []).filter(d => !isAttestation(d) && d.platform).map(d => platformString(d.platform!))
    }
    const cfg = m.body.config
    if (!cfg) return []
    const c = JSON.parse((await this.blob(repo, cfg.digest)).toString('utf8')) as ImageConfig
    return [platformString(c)]
  }
}

// ------------------------------------------------------------------------------------------
// The env file of scripts/e2e-env.sh

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

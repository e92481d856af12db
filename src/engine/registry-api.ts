/**
 * The registry HTTP API (distribution v2) with the step's own credentials: read a manifest or a
 * blob, upload a blob, put a manifest. Auth as the registry asks on its 401: Basic (htpasswd), or
 * the Bearer token flow (Docker Hub, GHCR, ...). Used by the release promotion and the check of pushed tags (step/moved-tags.ts).
 */
import { INDEX_TYPES, MANIFEST_TYPES, digestOf } from '../plan/promote-manifests.js'

export interface RegistryCredentials {
  username: string
  password: string
}

export interface FetchedManifest {
  mediaType: string
  digest: string
  bytes: Buffer
}

export class RegistryApiError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message)
    this.name = 'RegistryApiError'
  }
}

type Fetch = typeof globalThis.fetch

/** How the registry's log names this action's own requests (the engines' say docker or buildkit). */
export const USER_AGENT = 'docker-ship-action'

/** Loopback registries speak plain HTTP (as docker and BuildKit treat them); Docker Hub's API host. */
export function registryBase(registry: string): string {
  const host = registry.replace(/:\d+$/, '')
  if (host === 'localhost' || /^127\./.test(host) || host === '[::1]') return `http://${registry}`
  return registry === 'docker.io' ? 'https://registry-1.docker.io' : `https://${registry}`
}

/** The parameters of a `WWW-Authenticate: Bearer realm="...",service="...",scope="..."` header. */
export function challengeOf(header: string): { scheme: string; params: Record<string, string> } {
  const scheme = (/^\s*(\w+)/.exec(header)?.[1] ?? '').toLowerCase()
  const params: Record<string, string> = {}
  for (const m of header.matchAll(/(\w+)="([^"]*)"/g)) params[m[1] as string] = m[2] as string
  return { scheme, params }
}

export class RegistryApi {
  private authorization: string | undefined
  private readonly base: string

  constructor(
    readonly registry: string,
    private readonly credentials: RegistryCredentials | undefined,
    private readonly fetchFn: Fetch = globalThis.fetch,
    private readonly timeoutMs = 30_000
  ) {
    this.base = registryBase(registry)
  }

  /** The manifest or index `ref` of `repo`; undefined when the registry has none (404). */
  async manifest(repo: string, ref: string): Promise<FetchedManifest | undefined> {
    const res = await this.send(repo, 'GET', `/v2/${repo}/manifests/${ref}`, {
      headers: { Accept: [...INDEX_TYPES, ...MANIFEST_TYPES].join(', ') },
      allow404: true
    })
    if (res.status === 404) return undefined
    const bytes = Buffer.from(await res.arrayBuffer())
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? ''
    const json = JSON.parse(bytes.toString('utf8')) as { mediaType?: string }
    return { mediaType: json.mediaType ?? mediaType, digest: digestOf(bytes), bytes }
  }

  /** What `ref` of `repo` points to now (a HEAD: the Docker-Content-Digest header); undefined on 404. */
  async digest(repo: string, ref: string): Promise<string | undefined> {
    const res = await this.send(repo, 'HEAD', `/v2/${repo}/manifests/${ref}`, {
      headers: { Accept: [...INDEX_TYPES, ...MANIFEST_TYPES].join(', ') },
      allow404: true
    })
    return res.status === 404 ? undefined : (res.headers.get('docker-content-digest') ?? undefined)
  }

  async blob(repo: string, digest: string): Promise<Buffer> {
    const res = await this.send(repo, 'GET', `/v2/${repo}/blobs/${digest}`)
    return Buffer.from(await res.arrayBuffer())
  }

  /** Uploads `bytes` as a blob of `repo` (a monolithic upload), unless the registry has it already. */
  async putBlob(repo: string, bytes: Buffer): Promise<string> {
    const digest = digestOf(bytes)
    const head = await this.send(repo, 'HEAD', `/v2/${repo}/blobs/${digest}`, { allow404: true })
    if (head.status === 200) return digest
    const start = await this.send(repo, 'POST', `/v2/${repo}/blobs/uploads/`, { push: true })
    const location = start.headers.get('location')
    if (!location) throw new RegistryApiError(`${this.registry} gave no upload location for ${repo}`, start.status)
    const url = new URL(location, this.base)
    url.searchParams.set('digest', digest)
    await this.send(repo, 'PUT', url.toString(), {
      headers: { 'Content-Type': 'application/octet-stream' },
      body: bytes,
      push: true
    })
    return digest
  }

  async putManifest(repo: string, ref: string, mediaType: string, bytes: Buffer): Promise<void> {
    await this.send(repo, 'PUT', `/v2/${repo}/manifests/${ref}`, { headers: { 'Content-Type': mediaType }, body: bytes, push: true })
  }

  private async send(
    repo: string,
    method: string,
    pathOrUrl: string,
    opts: { headers?: Record<string, string>; body?: Buffer; allow404?: boolean; push?: boolean } = {}
  ): Promise<Response> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.base}${pathOrUrl}`
    const once = () =>
      this.fetchFn(url, {
        method,
        headers: { 'User-Agent': USER_AGENT, ...opts.headers, ...(this.authorization ? { Authorization: this.authorization } : {}) },
        body: opts.body,
        redirect: 'follow',
        signal: AbortSignal.timeout(this.timeoutMs)
      })
    let res = await once()
    if (res.status === 401) {
      await this.authenticate(res.headers.get('www-authenticate') ?? '', repo)
      res = await once()
    }
    if (res.ok || (opts.allow404 && res.status === 404)) return res
    const text = method === 'HEAD' ? '' : (await res.text()).slice(0, 300).trim()
    throw new RegistryApiError(`${method} ${this.registry}/${repo}: HTTP ${res.status}${text ? ` ${text}` : ''}`, res.status)
  }

  /** Answers a 401: Basic with the credentials, or a token from the realm the registry names. */
  private async authenticate(header: string, repo: string): Promise<void> {
    const { scheme, params } = challengeOf(header)
    const basic = this.credentials
      ? `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}`
      : undefined
    if (scheme === 'basic') {
      if (!basic) throw new RegistryApiError(`${this.registry} asks for a login and the step has no credentials for it`, 401)
      this.authorization = basic
      return
    }
    if (scheme !== 'bearer' || !params.realm) throw new RegistryApiError(`${this.registry} asks for an unknown auth scheme: ${header}`, 401)
    const url = new URL(params.realm)
    if (params.service) url.searchParams.set('service', params.service)
    url.searchParams.set('scope', `repository:${repo}:pull,push`)
    const res = await this.fetchFn(url, {
      headers: { 'User-Agent': USER_AGENT, ...(basic ? { Authorization: basic } : {}) },
      signal: AbortSignal.timeout(this.timeoutMs)
    })
    if (!res.ok) throw new RegistryApiError(`the token service of ${this.registry} answered HTTP ${res.status}`, res.status)
    const json = (await res.json()) as { token?: string; access_token?: string }
    const token = json.token ?? json.access_token
    if (!token) throw new RegistryApiError(`the token service of ${this.registry} gave no token`, res.status)
    this.authorization = `Bearer ${token}`
  }
}

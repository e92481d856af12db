// A small client for the Docker distribution registry HTTP API (v2) of the e2e environment
// (plain http on 127.0.0.1 with Basic auth): tags, catalog, manifests, blobs, image configs.
import { createHash } from 'node:crypto'
import {
  MANIFEST_MEDIA_TYPES,
  isAttestation,
  isIndexType,
  platformMatches,
  platformString,
  type ImageConfig,
  type Manifest,
  type ManifestBody
} from './manifests.js'

const ACCEPT = Object.values(MANIFEST_MEDIA_TYPES).join(', ')

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

// The e2e environment's HTTPS registry with bearer-token auth (scripts/e2e-env/tls-registry.sh),
// read the way a client of Docker Hub reads it: a token from the token server for the
// repository's pull scope (Basic credentials), then the registry API with that token, over TLS
// checked against the suite's own CA.
import { readFileSync } from 'node:fs'
import https from 'node:https'
import { MANIFEST_MEDIA_TYPES } from './manifests.js'
import type { E2EEnv } from './e2e-env.js'

export interface TokenRegistry {
  /** host:port of the registry, e.g. 198.18.0.1:5443 */
  host: string
  realm: string
  ca: string
  users: { push: Login; readOnly: Login; stale: Login }
  /** The error endpoints beside it: dead realm, unknown CA, plain HTTP, nothing listening. */
  deadRealm: string
  untrusted: string
  plainHttp: string
  refused: string
  tokenLog: string
}

export interface Login {
  user: string
  password: string
}

/** The token registry's facts from the env file; throws telling how to add them. */
export function tokenRegistry(env: E2EEnv): TokenRegistry {
  const need = (k: string): string => {
    const v = env.raw[k]
    if (!v) throw new Error(`${env.file} has no ${k}: rerun \`bash scripts/e2e-env.sh --all\` (tls-registry.sh)`)
    return v
  }
  const login = (prefix: string): Login => ({ user: need(`${prefix}_USER`), password: need(`${prefix}_PASSWORD`) })
  return {
    host: need('E2E_TLS_REGISTRY'),
    realm: need('E2E_TLS_TOKEN_REALM'),
    ca: readFileSync(need('E2E_TLS_CA'), 'utf8'),
    users: { push: login('E2E_TLS'), readOnly: login('E2E_TLS_READONLY'), stale: login('E2E_TLS_STALE') },
    deadRealm: need('E2E_TLS_DEAD_REALM_REGISTRY'),
    untrusted: need('E2E_TLS_UNTRUSTED_REGISTRY'),
    plainHttp: need('E2E_TLS_PLAIN_HTTP_REGISTRY'),
    refused: need('E2E_TLS_REFUSED_REGISTRY'),
    tokenLog: need('E2E_TLS_TOKEN_LOG')
  }
}

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

function get(url: string, ca: string, headers: Record<string, string>, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca, headers, timeout: 15_000 }, res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('timeout', () => req.destroy(new Error(`${url} did not answer in 15 s`)))
    req.on('error', reject)
    req.end()
  })
}

/** A pull token for `repo` (the token server's answer to the push user's credentials). */
async function pullToken(reg: TokenRegistry, repo: string): Promise<string> {
  const { user, password } = reg.users.push
  const url = `${reg.realm}?service=e2e-tls-registry&scope=${encodeURIComponent(`repository:${repo}:pull`)}`
  const a = await get(url, reg.ca, { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` })
  if (a.status !== 200) throw new Error(`token server ${reg.realm} answered ${a.status}: ${a.body}`)
  return (JSON.parse(a.body) as { token: string }).token
}

/** The tags of `repo`, [] when the registry knows no such repository (nothing was pushed). */
export async function tokenRegistryTags(reg: TokenRegistry, repo: string): Promise<string[]> {
  const a = await get(`https://${reg.host}/v2/${repo}/tags/list`, reg.ca, { Authorization: `Bearer ${await pullToken(reg, repo)}` })
  if (a.status === 404) return []
  if (a.status !== 200) throw new Error(`GET /v2/${repo}/tags/list answered ${a.status}: ${a.body}`)
  return (JSON.parse(a.body) as { tags: string[] | null }).tags ?? []
}

/** The digest and media type of `repo:tag` as the registry serves it. */
export async function tokenRegistryManifest(reg: TokenRegistry, repo: string, tag: string): Promise<{ digest: string; mediaType: string }> {
  const a = await get(`https://${reg.host}/v2/${repo}/manifests/${tag}`, reg.ca, {
    Authorization: `Bearer ${await pullToken(reg, repo)}`,
    Accept: Object.values(MANIFEST_MEDIA_TYPES).join(', ')
  })
  if (a.status !== 200) throw new Error(`GET /v2/${repo}/manifests/${tag} answered ${a.status}: ${a.body}`)
  return { digest: String(a.headers['docker-content-digest']), mediaType: String(a.headers['content-type']) }
}

/**
 * What a failed login or push was really about, read from the engine's own words, and the one
 * fix for it: wrong credentials, a registry that speaks plain HTTP, a certificate nobody trusts,
 * a token server or registry out of reach, an engine that does not answer, a missing
 * docker-credential helper, a push that was denied, a token that expired. Pure: table-tested
 * against what docker 28, docker 20.10 and podman 4.3 print (scripts/capture-registry-errors.sh).
 */

export type FailureKind =
  | 'wrong-credentials'
  | 'plain-http'
  | 'untrusted-certificate'
  | 'token-server-unreachable'
  | 'registry-unreachable'
  | 'engine-unreachable'
  | 'credential-helper-missing'
  | 'denied'
  | 'unauthorized'
  | 'unknown'

export interface FailureContext {
  /** Which CLI printed it: the fixes differ (daemon.json and certs.d, or registries.conf). */
  engine: 'docker' | 'podman'
  phase: 'login' | 'push'
  /** The registry host the action logged in or pushed to, as the user wrote it. */
  registry: string
  /** The image being pushed and why the plan chose that name (push phase). */
  image?: { name: string; reason: string }
  /** The login to this registry succeeded earlier in this run (push phase). */
  loggedIn?: boolean
}

export interface Diagnosis {
  kind: FailureKind
  /** One sentence: what is wrong and what to do. */
  fix: string
}

const CERT = /x509:|certificate signed by unknown authority|certificate is not valid|certificate has expired|failed to verify certificate/i
const PLAIN_HTTP = /server gave HTTP response to HTTPS client/i
const NETWORK =
  /connection refused|no such host|i\/o timeout|network is unreachable|no route to host|TLS handshake timeout|dial tcp|context deadline exceeded/i
const ENGINE =
  /Cannot connect to the Docker daemon at (\S+?)\.?\s+Is the docker daemon running|Cannot connect to Podman[^\n]*|unable to connect to Podman socket[^\n]*/i
const HELPER = /docker-credential-([A-Za-z0-9_.-]+)["']?:? (?:executable file not found|resolves to executable in current directory)/
const WRONG_CREDENTIALS =
  /incorrect username or password|invalid username\/password|\b401 Unauthorized\b|unauthorized|authentication required/i
const DENIED = /\bdenied\b|insufficient_scope|\b403\b|forbidden/i
const UNAUTHORIZED = /unauthorized|authentication required|\b401\b|invalid_token/i

/** Docker Hub answers under other host names than the one users write. */
const HUB_HOSTS = ['docker.io', 'index.docker.io', 'registry-1.docker.io']

function hostOf(registry: string): string[] {
  const host = registry.toLowerCase()
  return HUB_HOSTS.includes(host) ? HUB_HOSTS : [host]
}

/** The URLs the engine names (`Get "https://host/v2/"`), without their query. */
function urlsIn(text: string): URL[] {
  const out: URL[] = []
  for (const m of text.matchAll(/"(https?:\/\/[^"\s]+)"/g)) {
    try {
      out.push(new URL(m[1] as string))
    } catch {
      // not a URL after all
    }
  }
  return out
}

/** A URL that is the token server's, not the registry's API: another host, or a path outside /v2/. */
function tokenUrl(text: string, registry: string): URL | undefined {
  const hosts = hostOf(registry)
  return urlsIn(text).find(u => !hosts.includes(u.host.toLowerCase()) || !/^\/v2\/(?!token\b|auth\b)/.test(u.pathname))
}

function networkCause(text: string): string {
  if (/no such host|server misbehaving|temporary failure in name resolution/i.test(text)) return 'its name does not resolve (DNS)'
  if (/connection refused/i.test(text)) return 'the connection is refused (nothing listens on that port)'
  if (/timeout|deadline exceeded/i.test(text)) return 'the connection times out'
  return 'the network does not reach it'
}

function plainHttpFix(ctx: FailureContext): string {
  const r = ctx.registry
  return ctx.engine === 'podman'
    ? `${r} answers plain HTTP where podman expects HTTPS: serve the registry over TLS, or allow HTTP for it in registries.conf ([[registry]] location = "${r}" insecure = true).`
    : `${r} answers plain HTTP where docker expects HTTPS: serve the registry over TLS, or allow HTTP for it: add "${r}" to "insecure-registries" in /etc/docker/daemon.json and restart dockerd (a docker-container builder: [registry."${r}"] http = true in its buildkitd.toml).`
}

function certFix(text: string, ctx: FailureContext): string {
  const token = tokenUrl(text, ctx.registry)
  if (token) {
    return `The token server ${token.origin} (where ${ctx.registry} sends logins) has a certificate of a CA the engine does not trust: add that CA to the OS store of the engine's machine (/usr/local/share/ca-certificates + update-ca-certificates) and restart dockerd.`
  }
  const r = ctx.registry
  return ctx.engine === 'podman'
    ? `${r}'s certificate is signed by a CA podman does not trust: put the CA in /etc/containers/certs.d/${r}/ca.crt (or the OS store).`
    : `${r}'s certificate is signed by a CA docker does not trust: put the CA in /etc/docker/certs.d/${r}/ca.crt on the engine's machine (or in its OS store with update-ca-certificates, which dockerd reads once: restart dockerd then; a docker-container builder: [registry."${r}"] ca = [...] in its buildkitd.toml).`
}

/** Names the cause and the fix of a failed login or push from the engine's output. */
export function diagnose(text: string, ctx: FailureContext): Diagnosis {
  const engine = ENGINE.exec(text)
  if (engine) {
    const where = engine[1] ? `No Docker engine answers at ${engine[1]}` : 'No podman service answers'
    return { kind: 'engine-unreachable', fix: `${where}: start it, or fix the "docker-host" input (or DOCKER_HOST).` }
  }
  const helper = HELPER.exec(text)
  if (helper) {
    return {
      kind: 'credential-helper-missing',
      fix: `The docker config names the credential helper docker-credential-${helper[1]} ("credsStore" or "credHelpers" in config.json), which is not on PATH: install it on the runner, or remove it from the runner's docker config.json (the action starts from a copy of it).`
    }
  }
  if (PLAIN_HTTP.test(text)) return { kind: 'plain-http', fix: plainHttpFix(ctx) }
  if (CERT.test(text)) return { kind: 'untrusted-certificate', fix: certFix(text, ctx) }
  if (NETWORK.test(text)) {
    const token = tokenUrl(text, ctx.registry)
    if (token) {
      return {
        kind: 'token-server-unreachable',
        fix: `${ctx.registry} sends logins to its token server ${token.origin}${token.pathname}, which cannot be reached: ${networkCause(text)}. Check that the token server runs and that the engine's network reaches it (the registry's auth realm).`
      }
    }
    return {
      kind: 'registry-unreachable',
      fix: `The engine cannot reach ${ctx.registry}: ${networkCause(text)}. Check the registry's name and port (the "registry" or "image" input) and that the registry runs and is reachable from the engine.`
    }
  }
  if (ctx.phase === 'login') {
    if (WRONG_CREDENTIALS.test(text)) {
      return {
        kind: 'wrong-credentials',
        fix: `${ctx.registry} refused the credentials. Check the "username" and "password" inputs (a token needs read & write rights).`
      }
    }
    return { kind: 'unknown', fix: 'Check the "username" and "password" inputs, and that the registry answers.' }
  }
  const image = ctx.image ? `${ctx.image.name} (${ctx.image.reason})` : 'this image'
  if (DENIED.test(text)) {
    return {
      kind: 'denied',
      fix: `${ctx.registry} denied the push of ${image}: that namespace is not yours, or the token is read-only. Set "image" to a repository you may push to, or use a token with write (push) rights.`
    }
  }
  if (UNAUTHORIZED.test(text)) {
    return {
      kind: 'unauthorized',
      fix: ctx.loggedIn
        ? `${ctx.registry} refused the push of ${image} after the login succeeded (retried once with a fresh token): the token lacks push rights or expires too soon for this build; use a token with write rights.`
        : `${ctx.registry} wants a login to push ${image}: set the "username" and "password" inputs.`
    }
  }
  return { kind: 'unknown', fix: '' }
}

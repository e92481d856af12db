#!/usr/bin/env node
// The token server of the e2e suite's HTTPS registry, as Docker Hub's auth.docker.io works: it
// checks Basic credentials (GET /token, or the OAuth2 password grant by POST that containerd and
// BuildKit try first) and answers an RS256 JWT whose header carries the signing certificate (x5c)
// and whose `access` claims list the actions granted per repository. distribution's `auth: token`
// checks the signature against its rootcertbundle.
//
//   node token-server.mjs CONFIG.json
//
// CONFIG (written by tls-registry.sh, mode 600): listen (host:port), tlsCert, tlsKey, signCert,
// signKey, issuer, service, log, users: { NAME: { sha256 (hex of the password), grants: [{ prefix,
// actions }], stale } }, untrustedListen + untrustedCert + untrustedKey (an HTTPS port whose
// certificate comes from a CA nobody trusts), plainListen (plain HTTP where clients expect HTTPS).
// A `stale` user's first push token after each login (a token request without scope) has already
// expired: what a registry sees when a long build outlives the token of the login.
// Plain Node (node:https, node:crypto): no dependency.
import { createHash, createSign, randomBytes, timingSafeEqual, X509Certificate } from 'node:crypto'
import { Buffer } from 'node:buffer'
import { appendFileSync, readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import { URL, URLSearchParams } from 'node:url'

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const signKey = readFileSync(config.signKey, 'utf8')
const signCertDer = new X509Certificate(readFileSync(config.signCert)).raw.toString('base64')
const armed = new Set() // stale users whose next push token is expired

function log(line) {
  // Never a password or a token: user, scope and outcome only.
  appendFileSync(config.log, `${new Date().toISOString()} ${line}\n`)
}

const b64url = buf => Buffer.from(buf).toString('base64url')

function sign(claims) {
  const header = { typ: 'JWT', alg: 'RS256', x5c: [signCertDer] }
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`
  const signature = createSign('RSA-SHA256').update(input).sign(signKey)
  return `${input}.${b64url(signature)}`
}

/** `repository:ci-tls/app:pull,push` -> { type, name, actions }. */
function parseScope(scope) {
  const first = scope.indexOf(':')
  const last = scope.lastIndexOf(':')
  if (first < 0 || last <= first) return undefined
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean)
  }
}

function granted(user, scope) {
  if (scope.type !== 'repository') return []
  const allowed = new Set()
  for (const g of user.grants) if (scope.name.startsWith(g.prefix)) for (const a of g.actions) allowed.add(a)
  return scope.actions.filter(a => allowed.has(a) || (a === '*' && allowed.has('push')))
}

function authenticate(name, password) {
  const user = config.users[name]
  if (!user || password === undefined) return undefined
  const got = createHash('sha256').update(password).digest()
  const want = Buffer.from(user.sha256, 'hex')
  return got.length === want.length && timingSafeEqual(got, want) ? user : undefined
}

function basicCredentials(header) {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '')
  if (!m) return {}
  const text = Buffer.from(m[1], 'base64').toString('utf8')
  const colon = text.indexOf(':')
  return colon < 0 ? {} : { name: text.slice(0, colon), password: text.slice(colon + 1) }
}

function issue(name, user, scopes, service) {
  const access = []
  for (const s of scopes) {
    const scope = parseScope(s)
    if (!scope) continue
    const actions = user ? granted(user, scope) : []
    if (actions.length) access.push({ type: scope.type, name: scope.name, actions })
  }
  const now = Math.floor(Date.now() / 1000)
  let lifetime = 300
  const wantsPush = scopes.some(s => parseScope(s)?.actions.includes('push'))
  if (user?.stale && scopes.length === 0) armed.add(name)
  else if (user?.stale && wantsPush && armed.delete(name)) lifetime = -600 // expired beyond the registry's 60 s leeway
  const claims = {
    iss: config.issuer,
    sub: name ?? '',
    aud: service,
    exp: now + lifetime,
    nbf: now - 900 + Math.min(0, lifetime),
    iat: now - 900 + Math.min(0, lifetime),
    jti: randomBytes(16).toString('hex'),
    access
  }
  log(`token for ${name ?? '(anonymous)'} scope=[${scopes.join(' ')}] granted=${JSON.stringify(access)}${lifetime < 0 ? ' EXPIRED' : ''}`)
  const token = sign(claims)
  return { token, access_token: token, expires_in: Math.max(lifetime, 60), issued_at: new Date(now * 1000).toISOString() }
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

async function readBody(req) {
  const chunks = []
  for await (const c of req) chunks.push(c)
  return Buffer.concat(chunks).toString('utf8')
}

async function handle(req, res) {
  const url = new URL(req.url, 'https://token')
  if (url.pathname !== '/token') return send(res, 404, { details: 'not found' })
  let name
  let password
  let scopes
  let service
  if (req.method === 'POST') {
    // OAuth2 password grant (containerd/BuildKit): username, password, scope (space-separated).
    const form = new URLSearchParams(await readBody(req))
    if (form.get('grant_type') !== 'password') return send(res, 400, { details: 'unsupported grant_type' })
    name = form.get('username') ?? undefined
    password = form.get('password') ?? undefined
    scopes = (form.get('scope') ?? '').split(' ').filter(Boolean)
    service = form.get('service') ?? ''
  } else if (req.method === 'GET') {
    ;({ name, password } = basicCredentials(req.headers.authorization))
    scopes = url.searchParams
      .getAll('scope')
      .flatMap(s => s.split(' '))
      .filter(Boolean)
    service = url.searchParams.get('service') ?? ''
  } else {
    return send(res, 405, { details: 'method not allowed' })
  }
  if (service !== config.service) return send(res, 400, { details: `unknown service ${service}` })
  if (name === undefined) {
    // Anonymous: a token that grants nothing (the registry then answers 401 / denied).
    return send(res, 200, issue(undefined, undefined, scopes, service))
  }
  const user = authenticate(name, password)
  if (!user) {
    log(`refused ${name}: incorrect username or password`)
    return send(res, 401, { details: 'incorrect username or password' }, { 'WWW-Authenticate': 'Basic realm="token"' })
  }
  return send(res, 200, issue(name, user, scopes, service))
}

function listen(server, address) {
  const i = address.lastIndexOf(':')
  server.listen(Number(address.slice(i + 1)), address.slice(0, i))
}

const tls = { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) }
listen(
  https.createServer(tls, (req, res) => handle(req, res).catch(e => send(res, 500, { details: String(e) }))),
  config.listen
)
const registryLike = (req, res) =>
  send(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, { 'WWW-Authenticate': 'Basic realm="e2e"' })
if (config.untrustedListen) {
  listen(
    https.createServer({ cert: readFileSync(config.untrustedCert), key: readFileSync(config.untrustedKey) }, registryLike),
    config.untrustedListen
  )
}
if (config.plainListen) listen(http.createServer(registryLike), config.plainListen)
log(`listening on ${config.listen}`)

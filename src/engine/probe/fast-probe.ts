/**
 * The engine probe without the docker CLI, for the common case: buildx's default builder (the
 * docker driver of the engine itself). `docker buildx inspect` takes ~300 ms on a 2-core runner
 * (the CLI and its buildx plugin starting); the two facts the plan needs from it, "buildx is there
 * and builds on this engine" and "the engine keeps images in the containerd store" (the one case
 * where the docker driver can export cache), cost one `GET /info` on the engine's socket (~45 ms).
 *
 * It answers only when buildx would surely pick the engine's own builder. Any doubt returns a
 * reason instead, and the caller runs `docker buildx inspect` as before: a `builder` input,
 * BUILDX_BUILDER, a builder made current by `docker buildx use` (setup-buildx-action), a docker
 * context, TLS, an address other than unix:// or tcp://, a file that does not parse, an engine
 * that does not answer or is not Docker (podman's socket).
 *
 * Node built-ins only: the entry runs it before the action's bundle loads.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import * as path from 'node:path'
import type { Builder } from '../../shared/builder.js'

/** Where the engine's API listens. */
export type Endpoint = { socketPath: string } | { host: string; port: number }

/** What decides whether buildx would use the engine's own builder, read from files and env. */
export interface BuilderFacts {
  /** The probe's environment: DOCKER_HOST, DOCKER_CONTEXT, BUILDX_* and TLS variables. */
  env: Record<string, string | undefined>
  /** The `builder` input ('' when empty). */
  builder: string
  /** config.json of the docker config folder; undefined when there is none. */
  config?: string
  /** buildx's `current` file (what `docker buildx use` wrote); undefined when there is none. */
  current?: string
  /** The docker CLI is on PATH and its buildx plugin in one of the CLI's plugin folders. */
  cliAndBuildx: boolean
}

export type FastPath = { endpoint: Endpoint; address: string } | { reason: string }

const DEFAULT_ADDRESS = 'unix:///var/run/docker.sock'
/** docker's default plain-HTTP port for tcp:// addresses without one. */
const DEFAULT_TCP_PORT = 2375

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text)
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** A docker engine address as node's http client needs it, or undefined for the ones it cannot reach. */
export function parseAddress(address: string): Endpoint | undefined {
  if (address.startsWith('unix://')) {
    const socketPath = address.slice('unix://'.length)
    return path.isAbsolute(socketPath) ? { socketPath } : undefined
  }
  if (address.startsWith('tcp://')) {
    try {
      const url = new URL(`http://${address.slice('tcp://'.length)}`)
      if (url.pathname !== '/' || url.search || url.username) return undefined
      return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port ? Number(url.port) : DEFAULT_TCP_PORT }
    } catch {
      return undefined
    }
  }
  return undefined
}

/** Pure: the engine to ask when buildx would build with its default builder there, or why not. */
export function defaultBuilderEndpoint(f: BuilderFacts): FastPath {
  const set = (name: string): boolean => (f.env[name] ?? '') !== ''
  if (f.builder !== '') return { reason: `the "builder" input names ${f.builder}` }
  for (const name of ['BUILDX_BUILDER', 'BUILDX_CONFIG', 'DOCKER_TLS_VERIFY', 'DOCKER_TLS', 'DOCKER_CERT_PATH']) {
    if (set(name)) return { reason: `${name} is set` }
  }
  if (set('DOCKER_CONTEXT') && f.env.DOCKER_CONTEXT !== 'default') return { reason: `DOCKER_CONTEXT is ${f.env.DOCKER_CONTEXT}` }
  if (!f.cliAndBuildx) return { reason: 'the docker CLI or its buildx plugin is not where the CLI looks' }
  if (f.config !== undefined) {
    const config = parseJson(f.config)
    if (!config) return { reason: 'config.json does not parse' }
    const context = config.currentContext
    if (context !== undefined && context !== '' && context !== 'default') return { reason: `the docker context is ${String(context)}` }
  }
  const address = f.env.DOCKER_HOST || DEFAULT_ADDRESS
  const endpoint = parseAddress(address)
  if (!endpoint) return { reason: `the engine address ${address} is not unix:// or plain tcp://` }
  if (f.current !== undefined) {
    // buildx's own rule: the current builder applies to the engine it was chosen on, or everywhere when global.
    const current = parseJson(f.current)
    if (!current) return { reason: "buildx's current file does not parse" }
    const name = typeof current.Name === 'string' ? current.Name : ''
    if (name !== '' && (current.Global === true || current.Key === address)) return { reason: `buildx's current builder is ${name}` }
  }
  return { endpoint, address }
}

/** Pure: buildx's default builder on an engine, from the engine's `GET /info` answer. */
export function builderFromInfo(info: unknown): Builder | undefined {
  if (info === null || typeof info !== 'object') return undefined
  const status = (info as { DriverStatus?: unknown }).DriverStatus
  if (status !== null && status !== undefined && !Array.isArray(status)) return undefined
  const containerdStore = (status ?? []).some(
    (pair: unknown) => Array.isArray(pair) && pair[0] === 'driver-type' && pair[1] === 'io.containerd.snapshotter.v1'
  )
  return { engine: 'buildx', driver: 'docker', cacheExport: containerdStore }
}

/** The docker CLI's plugin folders on Linux: the config folder's, then the system ones. */
function pluginDirs(dockerConfig: string, config: string | undefined): string[] {
  const extra = config ? parseJson(config)?.cliPluginsExtraDirs : undefined
  return [
    path.join(dockerConfig, 'cli-plugins'),
    ...(Array.isArray(extra) ? extra.filter((d): d is string => typeof d === 'string') : []),
    '/usr/local/lib/docker/cli-plugins',
    '/usr/local/libexec/docker/cli-plugins',
    '/usr/lib/docker/cli-plugins',
    '/usr/libexec/docker/cli-plugins'
  ]
}

/** The buildx plugin the docker CLI would run with this config folder, or undefined. */
export function findBuildxPlugin(dockerConfig: string, config = readOptional(path.join(dockerConfig, 'config.json'))): string | undefined {
  return pluginDirs(dockerConfig, config)
    .map(d => path.join(d, 'docker-buildx'))
    .find(isExecutable)
}

function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

/** Reads the files `defaultBuilderEndpoint` decides on. */
export function readBuilderFacts(env: Record<string, string | undefined>, builder: string, dockerConfig: string): BuilderFacts {
  const config = readOptional(path.join(dockerConfig, 'config.json'))
  const onPath = (env.PATH ?? '').split(path.delimiter).some(d => d !== '' && isExecutable(path.join(d, 'docker')))
  const cliAndBuildx = onPath && findBuildxPlugin(dockerConfig, config) !== undefined
  const current = readOptional(path.join(dockerConfig, 'buildx', 'current'))
  return { env, builder, config, current, cliAndBuildx }
}

interface InfoAnswer {
  status: number
  server: string
  body: string
}

/** One `GET /info` on the engine; rejects on any network error or past the timeout. */
function getInfo(endpoint: Endpoint, timeoutMs: number): Promise<InfoAnswer> {
  return new Promise((resolve, reject) => {
    // Our own connection, no Agent: the default Agent works out a TLS server name from the Host
    // header first (an IPv6 check whose first use costs ~10 ms here, on the step's critical path).
    const createConnection = () => ('socketPath' in endpoint ? connect(endpoint.socketPath) : connect(endpoint.port, endpoint.host))
    const req = request({ createConnection, path: '/info', method: 'GET', headers: { Host: 'docker' } }, res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => {
        clearTimeout(timer)
        resolve({ status: res.statusCode ?? 0, server: String(res.headers.server ?? ''), body })
      })
      res.on('error', reject)
    })
    // The whole exchange, not only an idle socket: a slow engine is asked through the CLI instead.
    const timer = setTimeout(() => req.destroy(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs)
    timer.unref()
    req.on('error', e => {
      clearTimeout(timer)
      reject(e)
    })
    req.end()
  })
}

export type FastProbeAnswer = { builder: Builder; address: string } | { reason: string }

/** The default builder of the engine buildx would use, or why `docker buildx inspect` must say. */
export async function fastProbe(
  env: Record<string, string | undefined>,
  builder: string,
  dockerConfig: string,
  timeoutMs = 3000
): Promise<FastProbeAnswer> {
  const route = defaultBuilderEndpoint(readBuilderFacts(env, builder, dockerConfig))
  if ('reason' in route) return route
  let answer: InfoAnswer
  try {
    answer = await getInfo(route.endpoint, timeoutMs)
  } catch (e) {
    return { reason: `GET /info on ${route.address}: ${(e as Error).message}` }
  }
  if (answer.status !== 200) return { reason: `GET /info on ${route.address} answered ${answer.status}` }
  // Moby names itself on every answer; podman's docker-compatible socket says Libpod.
  if (!answer.server.startsWith('Docker/')) return { reason: `the engine at ${route.address} is ${answer.server || 'not Docker'}` }
  let info: unknown
  try {
    info = JSON.parse(answer.body)
  } catch {
    return { reason: `GET /info on ${route.address} is not JSON` }
  }
  const found = builderFromInfo(info)
  return found ? { builder: found, address: route.address } : { reason: `GET /info on ${route.address} has no DriverStatus list` }
}

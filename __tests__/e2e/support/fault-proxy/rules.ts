// The vocabulary of the fault proxy: the kinds of registry requests (classify), the faults a rule
// injects into them, what is recorded of each request, and the proxy's options.

export type Kind = 'ping' | 'auth' | 'blob-upload' | 'blob-head' | 'blob-get' | 'manifest-put' | 'manifest-get' | 'tags' | 'other'

export type FaultAction =
  /** Answer with this status instead of forwarding. `body` (string or JSON) defaults to a registry
   *  error body (`{"errors":[{"code":"UNAVAILABLE",…}]}`); `retryAfter` (s) sets Retry-After. */
  | { status: number; headers?: Record<string, string>; body?: string | object; retryAfter?: number }
  /** Destroy the client socket (TCP RST) without any response. */
  | { reset: true }
  /** Forward, but reset the client connection once N request-body bytes have arrived (a
   *  connection reset during an upload). Counts against `times` only when it fires. */
  | { resetAfterBytes: number }
  /** Wait, then forward normally. */
  | { latencyMs: number }
  /** Never answer (until the client gives up or the proxy closes). */
  | { hang: true }
  /** Hold the request until the promise settles, then forward normally (a step kept waiting at a
   *  chosen request while the test does something else). */
  | { until: Promise<unknown> }

export interface FaultRule {
  kinds: Kind[] | 'any'
  /** Only these methods (e.g. ['PUT']); default all. */
  methods?: string[]
  /** Only requests whose path (with query) matches, e.g. /\/manifests\/buildcache$/; default all. */
  path?: RegExp
  /** Only requests whose User-Agent matches (e.g. /^docker-ship-action$/: the action's own registry API calls, not the engine's); default all. */
  userAgent?: RegExp
  action: FaultAction
  /** Apply to the first N matching requests only; default forever. */
  times?: number
}

export interface RecordedRequest {
  method: string
  /** Path with query, as received. */
  path: string
  kind: Kind
  /** Status sent to the client; null when none was (reset, hang, client went away). */
  status: number | null
  faulted: boolean
  /** The fault applied (`status 503`, `reset`, `resetAfterBytes 1000`, `latency 300`, `hang`). */
  fault?: string
  /** Received at, in ms since the proxy started. */
  at: number
  /** Duration until the answer ended (or the connection died). */
  ms: number
  /** Request body bytes received from the client. */
  bytesIn: number
}

export interface FaultProxyOptions {
  /** host:port of the registry, e.g. 127.0.0.1:5000. */
  target: string
  rules?: FaultRule[]
  /**
   * Per-user write rights, which the htpasswd registry does not have: user -> the repositories it
   * may write (POST/PUT/PATCH/DELETE under /v2/<name>/). A write by another user, or to another
   * repository, is answered 403 DENIED as a registry with rights answers it. Reads stay open.
   */
  writeRights?: Record<string, RegExp>
}

/** GET /v2/ with credentials is what `docker login` sends to check them. */
export function classify(method: string, url: string, hasAuthorization: boolean): Kind {
  const p = url.split('?')[0]!.replace(/\/{2,}/g, '/')
  if (p === '/v2/' || p === '/v2') return hasAuthorization ? 'auth' : 'ping'
  const m = /^\/v2\/(.+)\/(blobs\/uploads|blobs|manifests|tags)(\/.*)?$/.exec(p)
  if (m) {
    const [, , what, rest = ''] = m
    if (what === 'blobs/uploads') return ['POST', 'PATCH', 'PUT'].includes(method) ? 'blob-upload' : 'other'
    if (what === 'blobs') return method === 'HEAD' ? 'blob-head' : method === 'GET' ? 'blob-get' : 'other'
    if (what === 'manifests') return method === 'PUT' ? 'manifest-put' : method === 'GET' || method === 'HEAD' ? 'manifest-get' : 'other'
    if (what === 'tags' && rest === '/list') return 'tags'
    return 'other'
  }
  if (/(^|\/)(oauth2?\/)?token$/.test(p)) return 'auth'
  return 'other'
}

/** How a fault is named in RecordedRequest.fault. */
export function describeAction(a: FaultAction): string {
  if ('status' in a) return `status ${a.status}`
  if ('reset' in a) return 'reset'
  if ('resetAfterBytes' in a) return `resetAfterBytes ${a.resetAfterBytes}`
  if ('latencyMs' in a) return `latency ${a.latencyMs}`
  if ('until' in a) return 'held'
  return 'hang'
}
